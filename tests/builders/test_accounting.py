"""Thought and answer tokens per request, summed per variant and stage, and the cost per kept row."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import safedata
from tests.builders.test_teacher_build import recipe
from tests.fixtures.openai_server import FakeOpenAIServer

THOUGHT = "The request is about a household topic, so I will answer it with care and detail. " * 3


def test_reasoning_tokens_from_the_api_split_each_request(
    openai_server: FakeOpenAIServer, tmp_path: Path
) -> None:
    def reply(body: dict[str, Any]) -> dict[str, Any]:
        usage = {
            "prompt_tokens": 20,
            "completion_tokens": 90,
            "completion_tokens_details": {"reasoning_tokens": 71},
        }
        return {"reasoning": THOUGHT, "content": "A short answer.", "usage": usage}

    openai_server.config.responder = reply
    result = safedata.build(recipe(openai_server, tmp_path))
    assert result.records and all(
        (r.usage.thought_tokens, r.usage.answer_tokens) == (71, 19) for r in result.records if r.usage
    )
    by_variant = result.report["teacher_usage"]["by_variant"]["long"]
    assert by_variant["thought_tokens"] == 71 * len(result.records)
    assert by_variant["requests"] == by_variant["kept_rows"] == len(result.records)


def test_without_the_field_tokens_split_by_the_text(openai_server: FakeOpenAIServer, tmp_path: Path) -> None:
    # `think` style: the thought comes inline, so the split has to find it in the content.
    openai_server.config.style = "think"
    openai_server.config.responder = lambda body: {"reasoning": THOUGHT, "content": "Yes."}
    result = safedata.build(recipe(openai_server, tmp_path))
    for r in result.records:
        assert r.usage.thought_tokens + r.usage.answer_tokens == r.usage.output_tokens
        assert r.usage.thought_tokens > 10 * r.usage.answer_tokens > 0


def test_cost_per_kept_row_counts_the_rows_that_were_dropped(
    openai_server: FakeOpenAIServer, tmp_path: Path
) -> None:
    # The teacher ignores the short cap for every prompt but the sky one: those rows are paid and dropped.
    def reply(body: dict[str, Any]) -> dict[str, Any]:
        words = 5 if "sky" in str(body) else 40
        return {"reasoning": " ".join(["step"] * words), "content": "A careful answer."}

    openai_server.config.responder = reply
    r = recipe(openai_server, tmp_path, variants=["short"], short_thought_words=10)
    r["teacher"]["price"] = {"input_per_million": 1.0, "output_per_million": 2.0}
    result = safedata.build(r)
    usage = result.report["teacher_usage"]
    short = usage["by_variant"]["short"]
    assert short["requests"] == 6 and short["kept_rows"] == 1
    assert short["cost_per_kept_row_usd"] == round(short["cost_usd"], 6)  # one kept row pays for all six
    assert short["output_tokens_per_kept_row"] == short["output_tokens"]
    assert usage["by_stage"]["generate"]["requests"] == 6
    card = (tmp_path / "out" / "README.md").read_text()
    assert "cost per kept row" in card and "thought" in card
    html = (tmp_path / "out" / "report.html").read_text()
    assert "cost_per_kept_row_usd" in html
