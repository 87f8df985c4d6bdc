"""Calibrate a filter backend against the human-labelled sets runnable here; optionally ship the figures.

Three measurements, each side by side for the backends named (one run, one box):

- XSTest v2 completions (2,250 human-labelled answers of 5 models to 450 prompts): every completion is
  judged as the answer of a benign request, so the backend's `over_refusal` label is its refusal call;
  accuracy and F1 (refusal, full or partial, is the positive class).
- STAR-1 (1,000 DeepSeek-R1 traces GPT-4o rated fully safe): share of rows where any harmful-prompt pattern
  fires. Every flag is a false positive to a first approximation (a false-positive check, not a recall test).
- patterns_dev (266 hand-written R1-style traces, labels with evidence): precision / recall / F1 per pattern,
  macro-F1 over the seven patterns, and the share of clean rows with any false flag. A dev set: report it,
  never train on it.

`--write` stores each backend's entry (with its version) in safedata/filters/calibration.json, which the build
copies into build_report.json, the card and the report for the backends it used. Sets that are missing are
skipped with a line saying so.

    python -m bench.calibrate --backend heuristic [--backend learned] [--write]

A model judge (`llm`, `qwen3guard`, `llama_guard`, `wildguard`) is measured through an OpenAI-compatible
endpoint, on the patterns it labels (a guard's refusal line stands in for `over_refusal` on XSTest; its
unsafe_thought/unsafe_answer flags count on STAR-1). `--limit` takes the first N rows of each set, since each
row is a paid request:

    python -m bench.calibrate --backend llm --judge-base-url https://api.example.com/v1 \
        --judge-model some-model [--judge-api-key-env API_KEY] [--limit 200] [--write]
"""

from __future__ import annotations

import argparse
import json
import os
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from bench.patterns_dev import half
from bench.xstest_refusal import DEFAULT as XSTEST
from bench.xstest_refusal import load, metrics
from safedata import api
from safedata.filters.base import Detector, Sample
from safedata.filters.calibration import record_entry
from safedata.filters.judging import run_detectors
from safedata.filters.patterns import HARMFUL_PATTERNS
from safedata.filters.registry import JudgeConfig, make_detector
from safedata.text import split_think

# The shared data folder next to the checkout (main or a worktree one level deeper).
DATA = next(
    (p / "shared" / "data" for p in Path(__file__).resolve().parents if (p / "shared" / "data").is_dir()),
    XSTEST.parents[1],
)
# The seven patterns patterns_dev labels (unsafe_thought/unsafe_answer come from safety judges).
DEV_PATTERNS = (*(p for p in HARMFUL_PATTERNS if not p.startswith("unsafe_")), "over_refusal")


def trace(prompt: str, response: str, kind: str) -> Sample:
    t = split_think(response)
    return Sample(prompt, t.reasoning, t.answer, kind)


def _refusal_call(det: Detector, judged: Any) -> bool | None:
    """The detector's call on "does this answer refuse": its over_refusal label, or a guard judge's refusal
    line for the answer (None when it gave neither)."""
    if "over_refusal" in det.patterns:
        return bool(judged.labels["over_refusal"])
    said = (judged.judgements.get(det.name) or {}).get("answer")
    return said.get("refusal") if isinstance(said, dict) else None


def xstest(det: Detector, folder: Path, limit: int | None = None) -> dict[str, Any] | None:
    files = load(folder)
    if not files:
        return None
    texts = [t for ts, _ in files.values() for t in ts][:limit]
    gold = np.concatenate([g for _, g in files.values()])[:limit]
    calls = [
        _refusal_call(det, j) for j in run_detectors([Sample("", "", t, "benign") for t in texts], [det])
    ]
    answered = [i for i, c in enumerate(calls) if c is not None]
    if not answered:
        return None
    acc, f1 = metrics(gold[answered], np.array([calls[i] for i in answered], bool))
    out = {"rows": len(answered), "accuracy": round(acc, 4), "f1": round(f1, 4)}
    if len(answered) < len(texts):
        out["no_verdict"] = len(texts) - len(answered)
    return out


def star1(det: Detector, path: Path, limit: int | None = None) -> dict[str, Any] | None:
    if not path.is_file():
        return None
    rows = json.loads(path.read_text(encoding="utf-8"))[:limit]
    samples = [trace(r["question"], r["response"], "harmful") for r in rows]
    t0 = time.perf_counter()
    judged = run_detectors(samples, [det])
    secs = time.perf_counter() - t0
    per = {p: sum(j.labels[p] for j in judged) for p in HARMFUL_PATTERNS}
    flagged = sum(any(j.labels.values()) for j in judged)
    return {
        "rows": len(rows),
        "flag_rate": round(flagged / len(rows), 4),
        "per_pattern": {p: round(n / len(rows), 4) for p, n in per.items() if n},
        "rows_per_second": round(len(rows) / secs, 1),
    }


def prf(gold: Sequence[bool], pred: Sequence[bool]) -> dict[str, float]:
    g, p = np.array(gold, bool), np.array(pred, bool)
    tp, fp, fn = int((g & p).sum()), int((~g & p).sum()), int((g & ~p).sum())
    prec = tp / (tp + fp) if tp + fp else 0.0
    rec = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * tp / (2 * tp + fp + fn) if tp else 0.0
    return {"precision": round(prec, 3), "recall": round(rec, 3), "f1": round(f1, 3), "support": int(g.sum())}


def patterns_dev(det: Detector, path: Path, limit: int | None = None) -> dict[str, Any] | None:
    scored = [p for p in DEV_PATTERNS if p in det.patterns]  # a safety judge labels none of them
    if not path.is_file() or not scored:
        return None
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    rows = [json.loads(line) for line in lines[:limit]]
    judged = run_detectors([trace(r["prompt"], r["response"], r["kind"]) for r in rows], [det])
    out = dev_scores(rows, judged, scored)
    halves = [half(r["id"]) for r in rows]
    out["halves_macro_f1"] = [
        dev_scores(
            [r for r, k in zip(rows, halves, strict=True) if k == h],
            [j for j, k in zip(judged, halves, strict=True) if k == h],
            scored,
        )["macro_f1"]
        for h in "ab"
    ]
    return out


def dev_scores(
    rows: Sequence[dict[str, Any]], judged: Sequence[Any], scored: Sequence[str]
) -> dict[str, Any]:
    per = {}
    for p in scored:
        kind = "benign" if p == "over_refusal" else "harmful"
        pairs = [
            (bool(r["labels"].get(p)), j.labels[p])
            for r, j in zip(rows, judged, strict=True)
            if r["kind"] == kind
        ]
        per[p] = prf([g for g, _ in pairs], [q for _, q in pairs])
    clean = [j for r, j in zip(rows, judged, strict=True) if not r["labels"]]
    flags = sum(any(j.labels[p] for p in scored) for j in clean)
    return {
        "rows": len(rows),
        "macro_f1": round(float(np.mean([v["f1"] for v in per.values()])), 3),
        "clean_rows_false_flag_rate": round(flags / len(clean), 3) if clean else None,
        "per_pattern": per,
    }


def measure(
    name: str,
    data: Path,
    config: JudgeConfig | None = None,
    limit: int | None = None,
    model: str | None = None,
) -> dict[str, Any]:
    det = make_detector(name, config)
    out: dict[str, Any] = {"version": getattr(det, "version", None)}
    if model and config and config.teacher is not None:  # a model judge's figures belong to its model
        out["model"] = model
    if limit:
        out["limit"] = limit
    for key, fn, where in (
        ("xstest_refusal", xstest, data / "xstest" / "model_completions"),
        ("star1_false_flags", star1, data / "star1" / "STAR-1.json"),
        ("patterns_dev", patterns_dev, data / "patterns_dev" / "patterns_dev.jsonl"),
    ):
        res = fn(det, where, limit)
        if res is None:
            print(f"[{name}] {key}: skipped (no data at {where}, or no pattern this detector labels)")
        else:
            out[key] = res
    return out


def judge_engine(base_url: str | None, model: str | None, key_env: str | None) -> Any:
    """The openai engine serving a model judge, or None without an endpoint."""
    if base_url and not model:
        raise SystemExit("--judge-base-url needs --judge-model")
    return api.judge_engine(model, base_url, os.environ.get(key_env) if key_env else None)


def main(argv: Sequence[str] | None = None) -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--backend", action="append", default=[], help="repeat for side-by-side runs")
    ap.add_argument("--data", type=Path, default=DATA, help="folder holding xstest/, star1/, patterns_dev/")
    ap.add_argument(
        "--write", action="store_true", help="store the entries in safedata/filters/calibration.json"
    )
    ap.add_argument("--judge-base-url", help="OpenAI-compatible endpoint serving a model judge")
    ap.add_argument("--judge-model", help="the model name at that endpoint")
    ap.add_argument("--judge-api-key-env", help="environment variable holding the endpoint's API key")
    ap.add_argument("--limit", type=int, help="first N rows of each set (each row is a request to a judge)")
    args = ap.parse_args(argv)
    config = JudgeConfig(teacher=judge_engine(args.judge_base_url, args.judge_model, args.judge_api_key_env))
    results = {
        name: measure(name, args.data, config, args.limit, args.judge_model)
        for name in args.backend or ["heuristic"]
    }
    print(json.dumps(results, indent=2))
    print("\n| backend | XSTest acc | STAR-1 flag rate | dev macro-F1 (halves a / b) | clean flagged |")
    print("|---|---|---|---|---|")
    for name, entry in results.items():
        x, s, d = (entry.get(k, {}) for k in ("xstest_refusal", "star1_false_flags", "patterns_dev"))
        halves = " / ".join(map(str, d.get("halves_macro_f1", [])))
        print(
            f"| {name} | {x.get('accuracy')} | {s.get('flag_rate')} | {d.get('macro_f1')} ({halves}) | "
            f"{d.get('clean_rows_false_flag_rate')} |"
        )
    for name, entry in results.items():
        if args.write:
            record_entry(name, entry)


if __name__ == "__main__":
    main()
