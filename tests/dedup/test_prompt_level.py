"""Dedup on prompts and decontamination run before the teacher: a duplicate or contaminated prompt is never
sent (zero requests at the local server), and the plan and the report say how many requests that saved."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import safedata
from tests.fixtures.openai_server import FakeOpenAIServer

EVAL_PROMPT = "Natalia sold clips to 48 of her friends in April and then half as many clips in May."


def recipe(server: FakeOpenAIServer, tmp_path: Path, **dedup: Any) -> dict[str, Any]:
    prompts = tmp_path / "prompts.jsonl"
    rows = [
        "How do vaccines train the immune system?",
        "Why is the sky blue?",
        "how do vaccines train the immune system",  # a duplicate once normalised
        EVAL_PROMPT + " How many clips did she sell?",  # a copy of an eval prompt
        "How do vaccines train the immune system?",  # an exact duplicate
    ]
    prompts.write_text("".join(json.dumps({"prompt": p}) + "\n" for p in rows))
    evals = tmp_path / "eval.jsonl"
    evals.write_text(json.dumps({"question": EVAL_PROMPT}) + "\n")
    return {
        "name": "t",
        "sources": [{"type": "file", "path": str(prompts), "kind": "benign"}],
        "variants": ["long", "short"],
        "teacher": {"engine": "openai", "model": "fake-r1", "base_url": server.base_url, "samples": 2},
        "dedup": dedup,
        "decontaminate": {
            "eval_sets": [{"type": "file", "path": str(evals), "fields": {"prompt": "question"}}]
        },
        "output": {"dir": str(tmp_path / "out")},
    }


def test_dropped_prompts_cost_no_request(openai_server: FakeOpenAIServer, tmp_path: Path) -> None:
    r = recipe(openai_server, tmp_path)
    plan = dict(safedata.plan(r))
    assert "8 teacher requests" in plan["generate"]  # 2 prompts x 2 variants x 2 samples
    assert "12 requests saved before the teacher (8 by dedup_prompts, 4 by decontaminate)" in plan["generate"]
    result = safedata.build(r)
    users = [q["body"]["messages"][0]["content"] for q in openai_server.requests]
    assert len(users) == 8 and not any("clips" in u for u in users)
    assert sum(u.endswith("How do vaccines train the immune system?") for u in users) == 4
    stages = {s["name"]: s for s in result.report["stages"]}
    assert list(stages)[:5] == ["sources", "dedup_prompts", "decontaminate", "generate", "dedup"]
    assert stages["dedup_prompts"]["notes"]["teacher_requests_saved"] == 8
    assert stages["dedup_prompts"]["dropped"] == {"duplicate prompt (exact)": 2}
    assert stages["decontaminate"]["notes"]["teacher_requests_saved"] == 4
    saved = result.report["teacher_usage"]["requests_saved_before_teacher"]
    assert saved == {"dedup_prompts": 8, "decontaminate": 4}
    assert (
        "requests saved by dropping prompts before the teacher: 8 by `dedup_prompts`"
        in (tmp_path / "out" / "README.md").read_text()
    )
    # The dedup after generation still merges the K samples of a prompt, as before.
    assert result.report["final"]["variant"] == {"long": 2, "short": 2}


def test_what_needs_the_teachers_text_stays_after(openai_server: FakeOpenAIServer, tmp_path: Path) -> None:
    # keep: longest compares what the teacher wrote: nothing moves, every prompt is sent.
    result = safedata.build(recipe(openai_server, tmp_path, keep="longest"))
    assert "dedup_prompts" not in {s["name"] for s in result.report["stages"]}
    assert len(openai_server.requests) == 16  # 4 prompts (the eval copy is still dropped first) x 2 x 2
    openai_server.reset()
    (tmp_path / "x").mkdir()
    safedata.build(recipe(openai_server, tmp_path / "x", exact={"fields": ["answer"]}))
    assert len(openai_server.requests) == 16
