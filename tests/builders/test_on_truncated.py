"""`teacher.on_truncated`: keep, drop, retry once with more tokens, or close the thought and ask for the
answer (budget forcing), each counted; against the local server, whose replies are cut when max_tokens is
small."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import safedata
from tests.builders.test_teacher_build import recipe
from tests.fixtures.openai_server import FakeOpenAIServer

THOUGHT = "I weigh what the question needs and how best to explain it to a curious reader."


def cut_when_small(body: dict[str, Any]) -> dict[str, Any]:
    """A thought that needs more than 100 tokens: a smaller max_tokens cuts it (finish_reason=length)."""
    if body.get("max_tokens", 0) <= 100:
        return {"reasoning": THOUGHT, "content": "", "finish_reason": "length"}
    return {"reasoning": THOUGHT + " Done.", "content": "Here is the full answer."}


@pytest.mark.parametrize(
    ("action", "rows", "counted", "sent"),
    [
        ("keep", 6, {"kept": 6}, 6),
        ("drop", 0, {"dropped": 6}, 6),
        ("retry", 6, {"retried": 6}, 12),
        ("close", 6, {"closed": 6}, 12),
    ],
)
def test_each_action(
    openai_server: FakeOpenAIServer,
    tmp_path: Path,
    action: str,
    rows: int,
    counted: dict[str, int],
    sent: int,
) -> None:
    openai_server.config.responder = cut_when_small
    r = recipe(openai_server, tmp_path, on_truncated=action, sampling={"max_tokens": 100})
    if action == "drop":
        r["variants"] = ["long", "nocot"]  # a build must keep some row
    result = safedata.build(r)
    teacher_rows = [x for x in result.records if x.variant == "long"]
    assert len(teacher_rows) == rows and len(openai_server.requests) == sent
    gen = next(s for s in result.report["stages"] if s["name"] == "generate")
    assert gen["notes"]["teacher"]["on_truncated"] == {"action": action, **counted}
    bodies = [q["body"] for q in openai_server.requests]
    if action == "keep":
        assert all(x.truncated and x.answer == "" for x in teacher_rows)
    if action == "drop":
        assert sum(n for why, n in gen["dropped"].items() if "on_truncated: drop" in why) == 6
    if action == "retry":
        assert sorted(b["max_tokens"] for b in bodies) == [100] * 6 + [200] * 6
        assert all(not x.truncated and x.answer == "Here is the full answer." for x in teacher_rows)
    if action == "close":
        closing = [b for b in bodies if b["messages"][-1]["role"] == "assistant"]
        assert len(closing) == 6 and all(b["continue_final_message"] for b in closing)
        assert all(b["messages"][-1]["content"].endswith("</think>\n\n") for b in closing)
        assert all(b["max_tokens"] == 1024 for b in closing)
        for x in teacher_rows:
            assert not x.truncated and x.reasoning == THOUGHT and x.answer == "Here is the full answer."
    if sent == 12:  # both requests were paid: the row's usage holds both
        assert all(x.usage.output_tokens > len(THOUGHT.split()) for x in teacher_rows)
    # Resume: the follow-up requests are cached like the first ones; nothing is sent again.
    openai_server.reset()
    again = safedata.build(r)
    assert openai_server.requests == [] and len(again.records) == len(result.records)


def test_a_retry_cut_again_is_dropped(openai_server: FakeOpenAIServer, tmp_path: Path) -> None:
    openai_server.config.responder = lambda body: {
        "reasoning": THOUGHT,
        "content": "",
        "finish_reason": "length",
    }
    r = recipe(
        openai_server, tmp_path, on_truncated="retry", retry_max_tokens=150, sampling={"max_tokens": 100}
    )
    r["variants"] = ["long", "nocot"]
    result = safedata.build(r)
    gen = next(s for s in result.report["stages"] if s["name"] == "generate")
    assert gen["notes"]["teacher"]["on_truncated"] == {"action": "retry", "retried: cut again, dropped": 6}
    assert not [x for x in result.records if x.variant == "long"]
    assert sorted(q["body"]["max_tokens"] for q in openai_server.requests) == [100] * 6 + [150] * 6
