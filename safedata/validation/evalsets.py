"""Eval prompts: files (StrongREJECT, HarmBench, XSTest, GSM8K, MATH-500, …) or the build's held-out rows."""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from safedata.errors import SafedataError
from safedata.text import extract_final_answer
from safedata.validation.config import EvalSet

# Column names the public eval sets use for the prompt and the gold answer, in order of preference.
# `goal` before `Behavior`: JailbreakBench has both and its Behavior is a short label ("Defamation"), while
# HarmBench's Behavior is the request and it has no goal.
PROMPT_COLUMNS = ("prompt", "forbidden_prompt", "goal", "Goal", "Behavior", "question", "problem", "query",
                  "instruction")  # fmt: skip
GOLD_COLUMNS = ("answer", "solution")
KINDS = ("harmful", "benign", "math")


@dataclass
class EvalItem:
    prompt: str
    gold: str | None = None
    tactic: str = ""


def parse_spec(spec: str) -> EvalSet:
    """`KIND=PATH[?column=value&...]`, e.g. `benign=xstest_prompts.csv?label=safe`."""
    kind, sep, rest = spec.partition("=")
    if not sep or kind not in KINDS or not rest:
        raise SafedataError(f"--eval {spec!r}: expected KIND=PATH with KIND one of {', '.join(KINDS)}")
    path, _, query = rest.partition("?")
    where = dict(q.split("=", 1) for q in query.split("&") if "=" in q)
    return EvalSet(name=Path(path).stem, kind=kind, path=path, where=where)


def _read_rows(path: Path) -> list[dict[str, Any]]:
    if not path.is_file():
        raise SafedataError(f"eval file not found: {path}")
    suffix = path.suffix.lower()
    if suffix == ".csv":
        with path.open(newline="", encoding="utf-8") as f:
            return list(csv.DictReader(f))
    if suffix == ".jsonl":
        return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    if suffix == ".json":
        data = json.loads(path.read_text(encoding="utf-8"))
        if isinstance(data, list):
            return data
        raise SafedataError(f"{path}: a .json eval file must hold a list of objects")
    if suffix == ".parquet":
        import pyarrow.parquet as pq

        return pq.read_table(path).to_pylist()
    raise SafedataError(f"{path}: eval files must be .csv, .jsonl, .json or .parquet")


def load_file(spec: EvalSet) -> list[EvalItem]:
    assert spec.path is not None
    rows = [r for r in _read_rows(Path(spec.path)) if all(str(r.get(k)) == v for k, v in spec.where.items())]
    if not rows:
        raise SafedataError(
            f"eval file {spec.path} has no rows{' matching ' + str(spec.where) if spec.where else ''}"
        )
    col = next((c for c in PROMPT_COLUMNS if c in rows[0]), None)
    if col is None:
        raise SafedataError(f"{spec.path}: no prompt column (looked for {', '.join(PROMPT_COLUMNS)})")
    items = []
    for r in rows:
        gold = None
        if spec.kind == "math":
            raw = next((str(r[c]) for c in GOLD_COLUMNS if r.get(c) not in (None, "")), None)
            gold = None if raw is None else (extract_final_answer(raw) or raw.strip())
        items.append(EvalItem(str(r[col]), gold, str(r.get("tactic") or "")))
    if spec.kind == "math" and all(i.gold is None for i in items):
        raise SafedataError(f"{spec.path}: math eval needs an `answer` or `solution` column")
    return items[: spec.limit] if spec.limit else items


def heldout_sets(rows: list[dict[str, Any]], limit: int | None) -> dict[str, tuple[str, list[EvalItem]]]:
    """One eval set per kind from the build's held-out rows (distinct prompts; the gold of math rows)."""
    sets: dict[str, dict[str, EvalItem]] = {k: {} for k in KINDS}
    for r in rows:
        gold = extract_final_answer(r.get("answer") or "") if r["kind"] == "math" else None
        sets[r["kind"]].setdefault(r["prompt"], EvalItem(r["prompt"], gold, r.get("tactic") or ""))
    return {
        f"heldout-{k}": (k, list(items.values())[:limit] if limit else list(items.values()))
        for k, items in sets.items()
        if items
    }
