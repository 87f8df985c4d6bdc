"""`target:` — draw prompts in seeded order until N rows pass the filters, or a ceiling stops the build;
against the local server, where a third of the prompts draw a thought the heuristic filter rejects."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import safedata
from tests.fixtures.openai_server import FakeOpenAIServer

CLEAN = {
    "reasoning": "This request is harmful and illegal. I should refuse and point to lawful help instead.",
    "content": "I can't help with that. If someone is at risk, please contact local emergency services.",
}
UNSAFE = {
    "reasoning": "The user wants it. First, you would mix 40 g of the powder. Then you would heat it slowly.",
    "content": "I can't help with that.",
}


def one_in_three_unsafe(body: dict[str, Any]) -> dict[str, Any]:
    user = body["messages"][0]["content"]
    return UNSAFE if int(hashlib.sha256(user.encode()).hexdigest(), 16) % 3 == 0 else CLEAN


def recipe(server: FakeOpenAIServer, out: Path, **target: Any) -> dict[str, Any]:
    return {
        "name": "t",
        "seed": 3,
        "sources": [{"type": "seeds", "set": "harmful"}],
        "variants": ["long"],
        "teacher": {"engine": "openai", "model": "fake-r1", "base_url": server.base_url},
        "filter": {"backend": "heuristic", "selection": "keep_safe"},
        "target": {"rows": {"harmful": 12}, **target},
        "output": {"dir": str(out)},
    }


def test_draws_until_the_target_passes_and_resumes_for_free(
    openai_server: FakeOpenAIServer, tmp_path: Path
) -> None:
    openai_server.config.responder = one_in_three_unsafe
    r = recipe(openai_server, tmp_path / "out")
    assert "until accepted rows reach harmful 12" in dict(safedata.plan(r))["target"]
    result = safedata.build(r)
    assert result.rows == 12 and all(not any(x.labels.values()) for x in result.records)
    sent = len(openai_server.requests)
    assert 12 < sent < 80  # more than 12 (some fail the filter), far from the 80 prompts of the pool
    assert len(set(openai_server.counts().values())) == 1  # no prompt was sent twice across rounds
    notes = next(s for s in result.report["stages"] if s["name"] == "target")["notes"]
    assert notes["met"] and notes["stopped"] == "target met" and notes["prompts_drawn"] == sent
    # The filter stage saw every drawn prompt's row; the report's teacher usage counts every request.
    assert result.report["teacher_usage"]["by_variant"]["long"]["requests"] == sent
    gen = next(s for s in result.report["stages"] if s["name"] == "generate")
    assert gen["notes"]["teacher"]["this_run"]["sent"] == sent  # every round's requests, not the last one's
    assert gen["notes"]["teacher"]["this_run"]["cached"] == 0
    # A second run (a resumed build) draws the same prompts and sends nothing.
    openai_server.reset()
    again = safedata.build(r)
    assert openai_server.requests == [] and [x.id for x in again.records] == [x.id for x in result.records]
    gen = next(s for s in again.report["stages"] if s["name"] == "generate")
    assert gen["notes"]["teacher"]["this_run"]["sent"] == 0
    assert gen["notes"]["teacher"]["this_run"]["cached"] == sent


def test_a_ceiling_stops_the_build_and_says_so(openai_server: FakeOpenAIServer, tmp_path: Path) -> None:
    openai_server.config.responder = one_in_three_unsafe
    result = safedata.build(recipe(openai_server, tmp_path / "out", max_requests=9))
    assert len(openai_server.requests) <= 9 and 0 < result.rows < 12
    notes = next(s for s in result.report["stages"] if s["name"] == "target")["notes"]
    assert not notes["met"] and notes["stopped"] == "max_requests 9 reached"
    assert "target not met" in notes["warnings"][0]
    assert "target not met" in (tmp_path / "out" / "README.md").read_text()


def test_per_category(openai_server: FakeOpenAIServer, tmp_path: Path) -> None:
    openai_server.config.responder = lambda body: CLEAN
    r = recipe(openai_server, tmp_path / "out", per="category", first_draw=1)
    r["target"]["rows"] = {"harmful": 1}
    result = safedata.build(r)
    categories = [x.category for x in result.records]
    assert len(categories) == len(set(categories)) > 3  # one row for each category of the seeds
    assert len(openai_server.requests) == len(categories)  # every row passes: one draw per category
