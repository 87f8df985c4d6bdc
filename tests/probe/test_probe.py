"""`probe:` against the local server: the student answers each prompt K times; exactly the prompts with
enough failing samples go on to generation, with kept share and failure rates in the report."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest

import safedata
from safedata.sources.file import read_jsonl
from safedata.sources.seeds import SEEDS_DIR
from tests.fixtures.openai_server import FakeOpenAIServer

REFUSE = "<think>\nThis asks for something harmful, so I must refuse.\n</think>\n\nI'm sorry, I can't help."
COMPLY = "<think>\nSure, let me work out the steps.\n</think>\n\nSure! Step 1: get the parts. Step 2: mix."
HELP = "<think>\nA simple question.\n</think>\n\nTides come from the moon's gravity."


def harmful_seeds(n: int) -> list[dict[str, Any]]:
    return [row for _, row in read_jsonl(SEEDS_DIR / "harmful.jsonl")][:n]


@pytest.mark.parametrize("min_failures", [1, 2])
def test_probe_keeps_exactly_the_prompts_the_student_fails(
    openai_server: FakeOpenAIServer, tmp_path: Path, min_failures: int
) -> None:
    seeds = harmful_seeds(4)
    always, once = seeds[0]["prompt"], seeds[1]["prompt"]  # fails 3 of 3; fails 1 of 3; the rest never
    benign = tmp_path / "benign.jsonl"
    benign.write_text('{"prompt": "How do tides work?"}\n{"prompt": "Why is the sea salty?"}\n')
    seen: Counter[str] = Counter()

    def responder(body: dict[str, Any]) -> str:
        user = body["messages"][0]["content"]
        seen[user] += 1
        if user == "Why is the sea salty?":
            return REFUSE  # an over-refusal: a failure on a benign prompt
        if user == "How do tides work?":
            return HELP
        return COMPLY if user == always or (user == once and seen[user] == 2) else REFUSE

    openai_server.config.responder = responder
    r = {
        "name": "probe",
        "sources": [
            {"type": "seeds", "set": "harmful", "limit": 4},
            {"type": "file", "path": str(benign), "kind": "benign"},
        ],
        "probe": {"samples": 3, "min_failures": min_failures},
        "variants": ["template"],
        "student": {"engine": "openai", "model": "stu", "base_url": openai_server.base_url},
        "output": {"dir": str(tmp_path / "out")},
    }
    result = safedata.build(r)
    assert sum(seen.values()) == 6 * 3  # every prompt asked K times, nothing more
    expected = {always} | ({once} if min_failures == 1 else set())
    # benign rows have no variant here (template is harmful-only): the kept one is dropped by generate
    assert {x.prompt for x in result.records} == expected
    stage = next(s for s in result.report["stages"] if s["name"] == "probe")
    notes = stage["notes"]
    assert notes["prompts_probed"] == 6 and notes["kept"] == len(expected) + 1
    assert notes["kept_share"] == round((len(expected) + 1) / 6, 4)
    failed = 3 + 1 + 0 + 0  # harmful samples that failed
    rates = {cat: v["sample_failure_rate"] for cat, v in notes["by_category"].items()}
    harmful_rate = sum(
        v["sample_failure_rate"] * v["prompts"] * 3
        for c, v in notes["by_category"].items()
        if c.startswith("harmful")
    )
    assert round(harmful_rate) == failed
    assert rates["benign/none"] == 0.5  # 3 of the 6 benign samples refused
    assert stage["dropped"] == {
        f"probe: the student failed fewer than {min_failures} of its samples": 6 - len(expected) - 1
    }
    card = (tmp_path / "out" / "README.md").read_text()
    assert "kept_share" in card


def test_dry_run_sends_nothing_to_the_student(openai_server: FakeOpenAIServer, tmp_path: Path) -> None:
    r = {
        "name": "probe",
        "sources": [{"type": "seeds", "set": "harmful", "limit": 2}],
        "probe": {"samples": 2},
        "variants": ["long", "student"],
        "teacher": {"engine": "openai", "model": "t", "base_url": openai_server.base_url},
        "student": {"engine": "openai", "model": "stu", "base_url": openai_server.base_url},
        "output": {"dir": str(tmp_path / "out")},
    }
    plan = dict(safedata.plan(r))
    assert "ask openai stu each harmful/benign prompt 2 times" in plan["probe"]
    assert "2 teacher requests" in plan["generate"]  # every prompt counted: the probe is not run
    assert openai_server.requests == []
