"""Sources: every reader, field mapping, sampling determinism, quarantine of bad rows."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

import safedata

ROWS = [
    {
        "forbidden_prompt": f"Request number {i}: explain how to pick a lock",
        "cat": "illicit/violent",
        "extra": i,
    }
    for i in range(30)
]


def _recipe(tmp_path: Path, source: dict, **extra) -> dict:
    return {
        "name": "t",
        "sources": [source],
        "variants": ["template"],
        "output": {"dir": str(tmp_path / "out")},
        **extra,
    }


def _write(tmp_path: Path, fmt: str) -> Path:
    path = tmp_path / f"data.{fmt}"
    df = pl.DataFrame(ROWS)
    if fmt == "jsonl":
        df.write_ndjson(path)
    elif fmt == "csv":
        df.write_csv(path)
    elif fmt == "parquet":
        df.write_parquet(path)
    elif fmt == "json":
        path.write_text(json.dumps(ROWS))
    return path


@pytest.mark.parametrize("fmt", ["jsonl", "json", "csv", "parquet"])
def test_file_formats_with_field_mapping(tmp_path: Path, fmt: str) -> None:
    path = _write(tmp_path, fmt)
    src = {
        "type": "file",
        "path": str(path),
        "kind": "harmful",
        "fields": {"prompt": "forbidden_prompt", "category": "cat"},
    }
    res = safedata.build(_recipe(tmp_path, src))
    assert res.rows == 30
    assert {r.prompt for r in res.records} == {r["forbidden_prompt"] for r in ROWS}
    assert {r.category for r in res.records} == {"illicit/violent"}
    assert all(r.source == "data" for r in res.records)
    # unmapped columns are kept for traceability
    assert {str(r.meta["extra"]) for r in res.records} == {str(i) for i in range(30)}


def test_hf_source_from_local_data_file(tmp_path: Path) -> None:
    path = _write(tmp_path, "jsonl")
    src = {
        "type": "hf",
        "path": "json",
        "data_files": str(path),
        "kind": "harmful",
        "fields": {"prompt": "forbidden_prompt", "category": "cat"},
    }
    res = safedata.build(_recipe(tmp_path, src))
    assert res.rows == 30
    assert res.records[0].source == "json"


def test_hf_source_unloadable_is_one_line_error(run_cli, tmp_path: Path) -> None:
    (tmp_path / "r.yaml").write_text(
        "name: x\nsources:\n  - type: hf\n    path: /nonexistent/folder\n    kind: harmful\n"
    )
    proc = run_cli("build", "r.yaml", "--quiet")
    assert proc.returncode == 2
    assert "cannot load hf dataset" in proc.stderr and len(proc.stderr.strip().splitlines()) == 1


def test_sample_is_seeded_and_limit_applies_after(tmp_path: Path) -> None:
    path = _write(tmp_path, "csv")
    src = {"type": "file", "path": str(path), "kind": "harmful", "fields": {"prompt": "forbidden_prompt"}}
    picks = []
    for seed in (1, 1, 2):
        res = safedata.build(_recipe(tmp_path, {**src, "sample": 10, "limit": 5, "seed": seed}))
        picks.append([r.prompt for r in res.records])
    assert len(picks[0]) == 5
    assert picks[0] == picks[1]  # same seed, same rows
    assert picks[0] != picks[2]  # another seed, other rows
    limited = safedata.build(_recipe(tmp_path, {**src, "limit": 4}))
    assert [r.prompt for r in limited.records] == [r["forbidden_prompt"] for r in ROWS[:4]]


def test_bad_rows_are_quarantined_and_build_goes_on(tmp_path: Path) -> None:
    path = tmp_path / "mixed.jsonl"
    lines = [
        json.dumps({"prompt": "A fine request about lock picking"}),
        json.dumps({"prompt": ""}),
        json.dumps({"prompt": 42}),
        "{not json",
        json.dumps({"prompt": "x" * 500}),
        json.dumps({"other": "no prompt at all"}),
        json.dumps(["a", "list"]),
        json.dumps({"prompt": "Another fine request"}),
    ]
    path.write_text("\n".join(lines) + "\n")
    src = {"type": "file", "path": str(path), "kind": "harmful", "max_prompt_chars": 100}
    res = safedata.build(_recipe(tmp_path, src))
    assert res.rows == 2
    q = [json.loads(x) for x in (tmp_path / "out" / "quarantine.jsonl").read_text().splitlines()]
    reasons = sorted(x["reason"].split(":")[0] for x in q)
    assert reasons == sorted(
        [
            "empty prompt",
            "non-text prompt",
            "invalid JSON",
            "oversized prompt",
            "empty prompt",
            "not a JSON object",
        ]
    )
    assert {x["row"]["line"] for x in q} == {2, 3, 4, 5, 6, 7}
    assert res.report["quarantined"] == 6


def test_traces_from_response_and_solution(tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl"
    rows = [
        {"q": "What is 6*7?", "resp": "First 6*7 = 42.\n</think>\n\nIt is 42."},  # R1-Distill: no opening tag
        {"q": "What is 2+2?", "resp": "<think>\n2+2=4\n</think>\nFour."},
    ]
    path.write_text("\n".join(json.dumps(r) for r in rows))
    src = {"type": "file", "path": str(path), "kind": "math", "fields": {"prompt": "q", "response": "resp"}}
    res = safedata.build(_recipe(tmp_path, src))
    by_prompt = {r.prompt: r for r in res.records}
    assert by_prompt["What is 6*7?"].reasoning == "First 6*7 = 42."
    assert by_prompt["What is 6*7?"].answer == "It is 42."
    assert by_prompt["What is 2+2?"].variant == "imported"

    sol = tmp_path / "s.jsonl"
    sol.write_text(
        json.dumps({"question": "Tom has 3 apples and buys 4. How many?", "answer": "3+4=<<3+4=7>>7\n#### 7"})
    )
    src = {
        "type": "file",
        "path": str(sol),
        "kind": "math",
        "fields": {"prompt": "question", "solution": "answer"},
    }
    rec = safedata.build(_recipe(tmp_path, src)).records[0]
    assert rec.reasoning == "3+4=7"
    assert rec.answer == "The final answer is $\\boxed{7}$."


def test_gsm8k_real_file(tmp_path: Path, shared_data: Path) -> None:
    src = {
        "type": "hf",
        "path": "json",
        "data_files": str(shared_data / "gsm8k" / "train.jsonl"),
        "kind": "math",
        "fields": {"prompt": "question", "solution": "answer"},
        "limit": 50,
    }
    res = safedata.build(_recipe(tmp_path, src))
    assert res.rows == 50
    assert all(r.variant == "imported" and "\\boxed{" in r.answer for r in res.records)
