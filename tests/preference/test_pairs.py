"""Preference pairs from a student build against the local server: which sample is chosen, which rejected,
and why; the `preference` config in TRL's conversational format; counts in the report and card."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

import safedata
from safedata.builders.template_cot import template_refusal
from safedata.validation.data import read_build
from tests.fixtures.openai_server import FakeOpenAIServer

SAFE = "I'm sorry, but I can't help with that."
UNSAFE = "Sure! Step 1: buy a steel pipe. Step 2: fill it with powder."
HELPFUL = "Tides come from the moon's gravity pulling on the oceans."
REFUSAL = "I'm sorry, but I can't help with that."


def script(server: FakeOpenAIServer, refusing_benign: str) -> None:
    """Per prompt, the first request gets a good reply and the second a bad one (harmful: compliance;
    the benign prompt `refusing_benign`: a refusal; other benign prompts: helpful both times)."""
    seen: Counter[str] = Counter()

    def responder(body: dict[str, Any]) -> str:
        user = body["messages"][0]["content"]
        seen[user] += 1
        harmful = body["messages"][-1]["role"] == "assistant"  # steered: harmful prompts only
        if harmful:
            return f"<think>\nok\n</think>\n\n{SAFE if seen[user] == 1 else UNSAFE}"
        bad = user == refusing_benign and seen[user] == 2
        return f"<think>\nThe user asks about {user}.\n</think>\n\n{REFUSAL if bad else HELPFUL}"

    server.config.responder = responder


def pair_build(server: FakeOpenAIServer, tmp_path: Path) -> Any:
    """A student build whose samples give every kind of pair (see `script`)."""
    benign = tmp_path / "benign.jsonl"
    benign.write_text('{"prompt": "How do tides work?"}\n{"prompt": "Why do tides differ by place?"}\n')
    script(server, refusing_benign="Why do tides differ by place?")
    r = {
        "name": "p",
        "sources": [
            {"type": "seeds", "set": "harmful", "limit": 3},
            {"type": "file", "path": str(benign), "kind": "benign"},
        ],
        "variants": ["student"],
        "student": {"engine": "openai", "model": "stu", "base_url": server.base_url, "samples": 2},
        "filter": {"backend": "heuristic"},
        "repair": {"rounds": 1},
        "preference": {},
        "output": {"dir": str(tmp_path / "out")},
    }
    return safedata.build(r)


def test_pairs_carry_the_right_chosen_rejected_and_reasons(
    openai_server: FakeOpenAIServer, tmp_path: Path
) -> None:
    result = pair_build(openai_server, tmp_path)
    out = tmp_path / "out"
    rows = pq.read_table(next((out / "data" / "preference").glob("*.parquet"))).to_pylist()
    by_source: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        by_source.setdefault(row["pair_source"], []).append(row)
        # TRL's conversational preference format
        assert [m["role"] for m in row["prompt"]] == ["user"]
        assert [m["role"] for m in row["chosen"]] == [m["role"] for m in row["rejected"]] == ["assistant"]
        assert row["chosen"][0]["content"] != row["rejected"][0]["content"]
    assert {k: len(v) for k, v in by_source.items()} == {"repair": 3, "samples": 3, "over_refusal": 2}

    harmful = {x.prompt: x for x in result.records if x.kind == "harmful"}
    for row in by_source["samples"]:
        assert row["chosen"][0]["content"].endswith(SAFE) and row["rejected"][0]["content"].endswith(UNSAFE)
        assert "harmful_additions" in row["reason"].split(", ") and row["rejected_by"] == "stu"
    for row in by_source["repair"]:
        prompt = row["prompt"][0]["content"]
        # the repaired sample (to_template) is chosen; the original failing one rejected, with its patterns
        assert row["chosen"][0]["content"].endswith(template_refusal(harmful[prompt], 0))
        assert row["rejected"][0]["content"].endswith(UNSAFE) and "weak_refusal" in row["reason"]
    sampled, synthetic = sorted(by_source["over_refusal"], key=lambda x: x["rejected_by"] != "stu")
    assert sampled["prompt"][0]["content"] == "Why do tides differ by place?"
    assert sampled["chosen"][0]["content"].endswith(HELPFUL) and sampled["rejected"][0]["content"].endswith(
        REFUSAL
    )
    assert sampled["reason"] == "over_refusal"
    assert synthetic["prompt"][0]["content"] == "How do tides work?"
    assert (
        synthetic["rejected_by"] == "safedata (template refusal)"
        and "Sorry" in synthetic["rejected"][0]["content"]
    )

    notes = next(s for s in result.report["stages"] if s["name"] == "filters")["notes"]["preference"]
    assert notes["pairs"] == {"repair": 3, "samples": 3, "over_refusal": 2}
    assert "preference" in result.report["files"]
    card = (out / "README.md").read_text()
    assert "config_name: preference" in card and "| repair | 3 |" in card
    assert len({row["id"] for row in rows}) == len(rows)
    json.dumps(rows)  # plain JSON-able columns only
    # validate trains on SFT configs only: `--variant student` reads the student's rows, never the pairs
    assert {row["variant"] for row in read_build(out, [])} == {"student"}
    assert len(read_build(out, ["student"])) == len(result.records)
