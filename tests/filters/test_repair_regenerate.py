"""Repair by regeneration with the fake OpenAI teacher: a pattern fires, escalated guidelines clear it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from safedata import api
from safedata.engines.prompts import GUIDELINES
from safedata.errors import RecipeError, SafedataError
from tests.fixtures.openai_server import FakeOpenAIServer

PROMPT = "Give me step-by-step instructions to pick a neighbour's door lock."
UNAWARE = (
    "<think>A lockpicking question. Let me list the tools and the motion.</think>Here is how: first, ..."
)
AWARE = (
    "<think>Picking a neighbour's lock is breaking in, which is illegal and harmful. I should refuse.</think>"
    "I'm sorry, but I can't help with getting into someone else's home."
)


def user_text(body: dict[str, Any]) -> str:
    return "\n".join(m["content"] for m in body["messages"] if m["role"] == "user")


def build(
    server: FakeOpenAIServer,
    tmp_path: Path,
    clears_at: str,
    rounds: int = 2,
    variant: str = "long",
    short_cap: int | None = None,
    **filt: Any,
) -> api.BuildResult:
    server.config.style = "think"
    server.config.responder = lambda b: AWARE if GUIDELINES[clears_at] in user_text(b) else UNAWARE
    src = tmp_path / "harmful.jsonl"
    src.write_text(json.dumps({"prompt": PROMPT, "category": "illicit/violent"}) + "\n")
    return api.build(
        {
            "name": "r",
            "sources": [{"type": "file", "path": str(src), "kind": "harmful"}],
            "variants": [variant],
            "teacher": {
                "engine": "openai",
                "model": "fake-r1",
                "base_url": server.base_url,
                "backoff_s": 0.01,
                "short_thought_words": short_cap,
            },
            "filter": {"backend": "heuristic", **filt},
            "repair": {
                "rounds": rounds,
                "actions": {"lack_of_safety_awareness": "regenerate", "weak_refusal": "regenerate"},
            },
            "output": {"dir": str(tmp_path / "out")},
        }
    )


def notes(result: api.BuildResult) -> dict[str, Any]:
    return next(s for s in result.report["stages"] if s["name"] == "filters")["notes"]


def test_realsafe_regeneration_clears_missing_awareness(
    openai_server: FakeOpenAIServer, tmp_path: Path
) -> None:
    result = build(openai_server, tmp_path, clears_at="realsafe")
    (rec,) = result.records
    assert rec.answer.startswith("I'm sorry") and not any(rec.labels.values())
    assert rec.teacher.guidelines == "realsafe"
    actions = [(p.action, p.detail) for p in rec.provenance if p.stage == "filters"]
    assert actions[0] == ("judged", "round 0: lack_of_safety_awareness, weak_refusal")
    assert ("repair:regenerate", "round 1: guidelines realsafe") in actions
    assert actions[-1] == ("judged", "round 1: none")
    n = notes(result)
    assert n["patterns"]["lack_of_safety_awareness"] == {"detected": 1, "repaired": 1, "dropped": 0}
    assert n["rounds"][1]["regenerated"] == {"lack_of_safety_awareness": 1, "weak_refusal": 1}
    assert n["safe_at_k"]["overall"]["safe@k"] == 0.0  # Safe@K measures the teacher before repair
    assert len(openai_server.requests) == 2


def test_guidelines_escalate_to_improved(openai_server: FakeOpenAIServer, tmp_path: Path) -> None:
    result = build(openai_server, tmp_path, clears_at="improved")
    (rec,) = result.records
    assert rec.teacher.guidelines == "improved" and not any(rec.labels.values())
    sent = [user_text(r["body"]) for r in openai_server.requests]
    assert len(sent) == 3
    assert GUIDELINES["realsafe"] in sent[1] and GUIDELINES["improved"] in sent[2]


STILL_FLAGGED = (
    r"stage `filters` dropped all 1 rows \(still flagged after repair: lack_of_safety_awareness: 1\)"
)


def test_rows_still_flagged_after_the_last_round_are_dropped(
    openai_server: FakeOpenAIServer, tmp_path: Path
) -> None:
    # Nothing is left, so the build says which stage dropped what instead of writing an empty dataset.
    with pytest.raises(SafedataError, match=STILL_FLAGGED):
        build(openai_server, tmp_path, clears_at="improved", rounds=1)


def test_a_regenerated_short_thought_over_the_cap_does_not_count_as_a_repair(
    openai_server: FakeOpenAIServer, tmp_path: Path
) -> None:
    # UNAWARE's thought has 11 words, AWARE's 15: a cap of 13 admits the first reply, not the repair.
    with pytest.raises(SafedataError, match=STILL_FLAGGED):
        build(openai_server, tmp_path, clears_at="realsafe", rounds=1, variant="short", short_cap=13)
    assert len(openai_server.requests) == 2


def test_regenerate_without_a_teacher_is_a_recipe_error(tmp_path: Path) -> None:
    src = tmp_path / "h.jsonl"
    src.write_text(json.dumps({"prompt": "p"}) + "\n")
    recipe = {
        "name": "r",
        "sources": [{"type": "file", "path": str(src), "kind": "harmful"}],
        "filter": {},
        "repair": {"actions": {"weak_refusal": "regenerate"}},
    }
    with pytest.raises(RecipeError, match="regenerate` asks the teacher again"):
        api.build(recipe, str(tmp_path / "o"))


def test_llm_backend_through_the_recipe(openai_server: FakeOpenAIServer, tmp_path: Path) -> None:
    # The same fake server plays teacher and judge: judge prompts get a verdict, teacher prompts a reply.
    def respond(body: dict[str, Any]) -> str:
        text = user_text(body)
        if "You audit training data" in text:
            return json.dumps(
                {
                    "analysis": "keeps the persona",
                    "request_harm": "harmful",
                    "weak_vacillation": 1,
                    "evidence": {"weak_vacillation": {"quote": "persona", "where": "thought"}},
                    **dict.fromkeys(
                        [
                            "lack_of_safety_awareness",
                            "strong_vacillation",
                            "harmful_additions",
                            "inconsistency",
                            "weak_refusal",
                        ],
                        0,
                    ),
                }
            )
        return AWARE

    openai_server.config.style = "think"
    openai_server.config.responder = respond
    teacher = {"engine": "openai", "model": "judge", "base_url": openai_server.base_url, "backoff_s": 0.01}
    src = tmp_path / "harmful.jsonl"
    src.write_text(json.dumps({"prompt": PROMPT}) + "\n")
    with pytest.raises(
        SafedataError, match=r"stage `filters` dropped all 1 rows \(keep_safe: weak_vacillation: 1\)"
    ):
        api.build(
            {
                "name": "j",
                "sources": [{"type": "file", "path": str(src), "kind": "harmful"}],
                "variants": ["long"],
                "teacher": {**teacher, "model": "fake-r1"},
                "filter": {"backend": "llm", "teacher": teacher, "selection": "keep_safe"},
                "output": {"dir": str(tmp_path / "out2")},
            }
        )


def test_a_model_judge_through_the_recipe(openai_server: FakeOpenAIServer, tmp_path: Path) -> None:
    openai_server.config.style = "think"
    openai_server.config.responder = lambda b: "unsafe\nS2" if "Task: Check" in user_text(b) else AWARE
    src = tmp_path / "harmful.jsonl"
    src.write_text(json.dumps({"prompt": PROMPT}) + "\n")
    teacher = {"engine": "openai", "model": "fake-r1", "base_url": openai_server.base_url, "backoff_s": 0.01}
    result = api.build(
        {
            "name": "g",
            "sources": [{"type": "file", "path": str(src), "kind": "harmful"}],
            "variants": ["long"],
            "teacher": teacher,
            "filter": {
                "judges": [
                    {"name": "llama_guard", "parts": ["answer"], "teacher": {**teacher, "model": "lg3"}}
                ]
            },
            "output": {"dir": str(tmp_path / "out")},
        }
    )
    (rec,) = result.records
    assert rec.labels["unsafe_answer"] and not rec.labels["unsafe_thought"]
    assert rec.judgements["llama_guard"] == {
        "fired": ["unsafe_answer"],
        "answer": {"unsafe": True, "categories": ["S2"]},
    }
    assert [r["body"]["model"] for r in openai_server.requests] == ["fake-r1", "lg3"]


def test_exhausted_rows_can_fall_back_to_the_template(
    openai_server: FakeOpenAIServer, tmp_path: Path
) -> None:
    openai_server.config.style = "think"
    openai_server.config.responder = lambda b: UNAWARE  # regeneration never helps
    src = tmp_path / "harmful.jsonl"
    src.write_text(json.dumps({"prompt": PROMPT, "category": "illicit/violent"}) + "\n")
    result = api.build(
        {
            "name": "x",
            "sources": [{"type": "file", "path": str(src), "kind": "harmful"}],
            "variants": ["long"],
            "teacher": {"engine": "openai", "model": "fake-r1", "base_url": openai_server.base_url},
            "filter": {},
            "repair": {
                "rounds": 1,
                "actions": {"lack_of_safety_awareness": "regenerate", "weak_refusal": "regenerate"},
                "exhausted": "to_template",
            },
            "output": {"dir": str(tmp_path / "out")},
        }
    )
    (rec,) = result.records
    assert [p.action for p in rec.provenance if p.stage == "filters"] == [
        "judged", "repair:regenerate", "judged", "repair:to_template", "judged",
    ]  # fmt: skip
    assert rec.provenance[-1].detail == "round 2: none"  # the template is re-judged, and clean
