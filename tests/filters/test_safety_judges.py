from __future__ import annotations

from aiohttp import web

from safedata.filters.base import Sample
from safedata.filters.llama_guard import LlamaGuardJudge
from safedata.filters.openai_moderation import OpenAIModerationJudge
from safedata.filters.wildguard import WildGuardJudge
from tests.filters import cases
from tests.filters.judge_server import judge_teacher, user_text
from tests.fixtures.openai_server import FakeOpenAIServer


def test_llama_guard_judges_thought_and_answer_apart(openai_server: FakeOpenAIServer) -> None:
    # Unsafe iff the judged Agent turn carries quantities; the prompt format must reach the model.
    def respond(body: dict) -> str:
        text = user_text(body)
        agent = text.split("Agent: ", 1)[1].split("<END CONVERSATION>")[0]
        return "unsafe\nS9,S1" if "500 g" in agent else "safe"

    openai_server.config.responder = respond
    judge = LlamaGuardJudge(judge_teacher(openai_server))
    fiction, refusal, nocot = judge.judge(
        [cases.COMPLY_IN_FICTION, cases.CLEAN_REFUSAL, Sample("q", "", "No.")]
    )
    assert fiction.labels == {"unsafe_thought": False, "unsafe_answer": True}
    assert fiction.detail["answer"]["categories"] == ["S9", "S1"]
    assert refusal.labels == {"unsafe_thought": False, "unsafe_answer": False}
    assert nocot.labels == {"unsafe_answer": False}  # an empty thought is not sent
    assert len(openai_server.requests) == 5
    assert "S9: Indiscriminate Weapons." in user_text(openai_server.requests[0]["body"])


def test_llama_guard_retries_a_bad_first_line(openai_server: FakeOpenAIServer) -> None:
    openai_server.config.responder = lambda b: (
        "unsafe\nS2" if "could not be used" in user_text(b) else "maybe"
    )
    (v,) = LlamaGuardJudge(judge_teacher(openai_server), parts=["answer"]).judge([cases.REFUSE_THEN_HELP])
    assert v.labels == {"unsafe_answer": True}


def test_wildguard_format(openai_server: FakeOpenAIServer) -> None:
    def respond(body: dict) -> str:
        harmful = "yes" if "Dissolve" in user_text(body).split("AI assistant:")[1] else "no"
        return f"Harmful request: yes\nResponse refusal: no\nHarmful response: {harmful}"

    openai_server.config.responder = respond
    (v,) = WildGuardJudge(judge_teacher(openai_server)).judge([cases.REFUSE_THEN_HELP])
    assert v.labels == {"unsafe_thought": False, "unsafe_answer": True}
    assert v.detail["answer"] == {"harmful_request": True, "refusal": False, "harmful_response": True}


class ModerationServer(FakeOpenAIServer):
    """The shared fake server plus `/v1/moderations`: flags inputs that mention a pipe."""

    def app(self) -> web.Application:
        app = super().app()

        async def moderate(request: web.Request) -> web.Response:
            body = await request.json()
            results = [
                {"flagged": "pipe" in t, "categories": {"violence": "pipe" in t}, "category_scores": {}}
                for t in body["input"]
            ]
            return web.json_response({"id": "modr-1", "model": body["model"], "results": results})

        app.router.add_post("/v1/moderations", moderate)
        return app


def test_openai_moderation_flags_each_part() -> None:
    server = ModerationServer()
    server.start()
    try:
        judge = OpenAIModerationJudge(model="omni-moderation-latest", base_url=server.base_url, api_key="k")
        (v,) = judge.judge([cases.COMPLY_IN_FICTION])
    finally:
        server.stop()
    assert v.labels == {"unsafe_thought": False, "unsafe_answer": True}
    assert v.detail["answer"]["categories"] == ["violence"]


def test_llama_guard_native_sends_the_conversation(openai_server: FakeOpenAIServer) -> None:
    openai_server.config.responder = lambda b: (
        "unsafe\nS2" if "Dissolve" in b["messages"][-1]["content"] else "safe"
    )
    judge = LlamaGuardJudge(judge_teacher(openai_server), parts=["answer"], native=True)
    (v,) = judge.judge([cases.REFUSE_THEN_HELP])
    assert v.labels == {"unsafe_answer": True}
    sent = openai_server.requests[0]["body"]["messages"]
    assert [m["role"] for m in sent] == ["user", "assistant"]
    assert sent[0]["content"] == cases.REFUSE_THEN_HELP.prompt
