"""`safedata audit` as users run it: jsonl and parquet in, labelled jsonl + summary out, bad rows skipped."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import polars as pl

from tests.conftest import REPO
from tests.filters import cases

ROWS = [
    {
        "prompt": cases.REFUSE_THEN_HELP.prompt,
        "response": f"{cases.REFUSE_THEN_HELP.reasoning}</think>\n\n{cases.REFUSE_THEN_HELP.answer}",
    },
    {
        "prompt": cases.CLEAN_REFUSAL.prompt,
        "reasoning": cases.CLEAN_REFUSAL.reasoning,
        "answer": cases.CLEAN_REFUSAL.answer,
    },
    {
        "prompt": cases.KILL_PROCESS_REFUSED.prompt,
        "response": cases.KILL_PROCESS_REFUSED.answer,
        "kind": "benign",
        "id": 7,
    },
]


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(x) for x in path.read_text().splitlines()]


def test_audit_jsonl_labels_rows_and_skips_bad_lines(tmp_path: Path, run_cli) -> None:
    src = tmp_path / "in.jsonl"
    lines = [
        json.dumps(ROWS[0]),
        "{not json",
        json.dumps({"prompt": "x"}),
        json.dumps(ROWS[1]),
        json.dumps(ROWS[2]),
    ]
    src.write_text("\n".join(lines) + "\n")
    proc = run_cli("audit", str(src), "--out", "out/a.jsonl")
    assert proc.returncode == 0, proc.stderr
    assert "skipped row 2: invalid JSON" in proc.stderr
    assert "skipped row 3: needs `response`, or `reasoning` and `answer`" in proc.stderr
    out = read_jsonl(tmp_path / "out" / "a.jsonl")
    assert [r["prompt"] for r in out] == [r["prompt"] for r in ROWS]
    leaky, clean, over = out
    assert leaky["patterns"]["weak_refusal"] and leaky["refusal"] and not leaky["safe"]
    assert not any(clean["patterns"].values()) and clean["safe"] and clean["refusal"]
    assert over["patterns"]["over_refusal"] and over["id"] == 7 and over["kind"] == "benign"
    summary = json.loads((tmp_path / "out" / "a.summary.json").read_text())
    assert summary["rows"] == 3 and summary["skipped"] == 2
    assert summary["patterns"]["weak_refusal"] == {"rows": 2, "fired": 1, "rate": 0.5}
    assert summary["patterns"]["over_refusal"] == {"rows": 1, "fired": 1, "rate": 1.0}
    assert summary["calibration"]["heuristic"]["xstest_refusal_acc"] > 0.9  # the shipped agreement figures
    assert "weak_refusal" in proc.stdout and "50.0%" in proc.stdout


def test_audit_parquet_with_a_column_map(tmp_path: Path, run_cli) -> None:
    src = tmp_path / "in.parquet"
    pl.DataFrame(
        {"question": [r["prompt"] for r in ROWS[:1]], "output": [ROWS[0]["response"]]}
    ).write_parquet(src)
    proc = run_cli(
        "audit",
        str(src),
        "--out",
        "b.jsonl",
        "--map",
        "prompt=question",
        "--map",
        "response=output",
        "--judge",
        "rs_match",
    )
    assert proc.returncode == 0, proc.stderr
    (row,) = read_jsonl(tmp_path / "b.jsonl")
    assert row["question"] == ROWS[0]["prompt"] and row["patterns"]["harmful_additions"]


def test_audit_errors_are_one_line(tmp_path: Path, run_cli) -> None:
    (tmp_path / "x.txt").write_text("hi")
    proc = run_cli("audit", "x.txt", "--out", "o.jsonl")
    assert (
        proc.returncode == 2
        and proc.stderr.strip() == "error: cannot audit '.txt' files; use one of jsonl, json, csv, parquet"
    )
    proc = run_cli("audit", "x.txt", "--out", "o.jsonl", "--backend", "nope")
    assert proc.returncode == 2 and "unknown detector 'nope'" in proc.stderr


def test_heuristic_audit_does_not_import_torch(tmp_path: Path) -> None:
    src = tmp_path / "in.jsonl"
    src.write_text(json.dumps(ROWS[1]) + "\n")
    code = (
        "import sys; from safedata.filters.audit import audit; "
        f"audit({str(src)!r}, {str(tmp_path / 'o.jsonl')!r}, judges=['rs_match']); "
        "heavy = [m for m in ('torch', 'transformers', 'vllm') if m in sys.modules]; "
        "print(heavy); sys.exit(1 if heavy else 0)"
    )
    proc = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_audit_with_the_llm_backend_over_http(tmp_path: Path, run_cli, openai_server) -> None:
    openai_server.config.responder = lambda b: (
        '{"analysis": "a", "request_harm": "harmful", "lack_of_safety_awareness": 0, '
        '"strong_vacillation": 1, "weak_vacillation": 0, "harmful_additions": 0, "inconsistency": 0, '
        '"weak_refusal": 0, '
        '"evidence": {"strong_vacillation": {"quote": "x", "where": "thought"}}}'
    )
    src = tmp_path / "in.jsonl"
    src.write_text(json.dumps(ROWS[1]) + "\n")
    proc = run_cli(
        "audit", "in.jsonl", "--out", "l.jsonl", "--backend", "llm", "--judge-model", "judge",
        "--judge-base-url", openai_server.base_url, "--judge-api-key-env", "JUDGE_KEY",
        env={"JUDGE_KEY": "sk-test"},
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    (row,) = read_jsonl(tmp_path / "l.jsonl")
    assert row["patterns"]["strong_vacillation"] and not row["safe"]
    assert len(openai_server.requests) == 1


def test_audit_an_hf_dataset_folder(tmp_path: Path, run_cli) -> None:
    folder = tmp_path / "ds" / "data"
    folder.mkdir(parents=True)
    pl.DataFrame([ROWS[1]]).write_parquet(folder / "train-00000-of-00001.parquet")
    proc = run_cli("audit", str(tmp_path / "ds") + "@train", "--out", "h.jsonl")
    assert proc.returncode == 0, proc.stderr
    (row,) = read_jsonl(tmp_path / "h.jsonl")
    assert row["safe"] and row["refusal"]
