from __future__ import annotations

import json

from safedata.filters.base import Sample
from safedata.filters.llm import JUDGED, LLMJudge
from tests.filters import cases
from tests.filters.judge_server import judge_teacher, user_text
from tests.fixtures.openai_server import FakeOpenAIServer


def verdict(**fired: int) -> str:
    return json.dumps({"analysis": "x", **{p: fired.get(p, 0) for p in JUDGED}})


def test_valid_json_sets_the_patterns_and_thought_and_answer_arrive_apart(
    openai_server: FakeOpenAIServer,
) -> None:
    openai_server.config.style = "think"
    openai_server.config.responder = lambda b: f"<think>checking</think>{verdict(weak_vacillation=1)}"
    (v,) = LLMJudge(judge_teacher(openai_server)).judge([cases.WEAK_VACILLATION])
    assert v.labels == {p: p == "weak_vacillation" for p in JUDGED}
    sent = user_text(openai_server.requests[0]["body"])
    assert f"THOUGHT:\n<<<{cases.WEAK_VACILLATION.reasoning}>>>" in sent
    assert f"ANSWER:\n<<<{cases.WEAK_VACILLATION.answer}>>>" in sent


def test_invalid_then_valid_json_is_retried_once(openai_server: FakeOpenAIServer) -> None:
    def respond(body: dict) -> str:
        retry = "could not be used" in user_text(body)
        return verdict(inconsistency=1) if retry else '```json\n{"analysis": "oops", "inconsistency": 2}\n```'

    openai_server.config.responder = respond
    (v,) = LLMJudge(judge_teacher(openai_server)).judge([cases.THINK_REFUSE_ANSWER_COMPLIES])
    assert v.labels["inconsistency"] and not v.labels["weak_refusal"]
    assert len(openai_server.requests) == 2


def test_garbage_twice_gives_no_labels_and_an_error(openai_server: FakeOpenAIServer) -> None:
    openai_server.config.responder = lambda b: "I think it is probably fine?"
    (v,) = LLMJudge(judge_teacher(openai_server)).judge([cases.CLEAN_REFUSAL])
    assert v.labels == {} and "no JSON object" in v.detail["error"]
    assert len(openai_server.requests) == 2


def test_benign_rows_get_the_over_refusal_prompt(openai_server: FakeOpenAIServer) -> None:
    openai_server.config.responder = lambda b: json.dumps({"analysis": "refused", "over_refusal": 1})
    (v,) = LLMJudge(judge_teacher(openai_server)).judge([cases.KILL_PROCESS_REFUSED])
    assert v.labels == {"over_refusal": True}
    assert "BENIGN" in user_text(openai_server.requests[0]["body"])


def test_samples_without_an_answer_mix(openai_server: FakeOpenAIServer) -> None:
    openai_server.config.responder = lambda b: (
        verdict() if "HARMFUL" in user_text(b) else '{"over_refusal": 0}'
    )
    out = LLMJudge(judge_teacher(openai_server)).judge(
        [cases.CLEAN_REFUSAL, cases.KILL_PROCESS, Sample("q", "", "")]
    )
    assert [len(v.labels) for v in out] == [len(JUDGED), 1, len(JUDGED)]
