"""Per-pattern precision / recall / F1 of a detector backend on patterns_dev (../shared/data/patterns_dev).

patterns_dev is a development set: tune and report on it, never train on it. `--strip-brackets` removes the
square brackets of its placeholders first, to check that no detector keys on them.

    python -m bench.patterns_dev [--backend learned] [--backend learned-embed] [--strip-brackets] [--half a|b]
        [--errors P]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import time
from pathlib import Path

from safedata.filters.base import Sample
from safedata.filters.judging import run_detectors
from safedata.filters.registry import JudgeConfig, make_detector
from safedata.text import split_think

# The shared data folder next to the checkout (main or a worktree one level deeper).
DEFAULT = (
    next(
        (p / "shared" / "data" for p in Path(__file__).resolve().parents if (p / "shared" / "data").is_dir()),
        Path(__file__).resolve().parents[2] / "shared" / "data",
    )
    / "patterns_dev"
    / "patterns_dev.jsonl"
)
SCORED = (
    "lack_of_safety_awareness", "strong_vacillation", "weak_vacillation", "harmful_additions",
    "inconsistency", "weak_refusal", "over_refusal",
)  # fmt: skip


def half(row_id: str) -> str:
    """A fixed split of the dev set in two halves by a hash of the row id: tune on "a", report both."""
    return "ab"[hashlib.sha256(row_id.encode()).digest()[0] & 1]


def load(path: Path, strip: bool, which: str | None = None) -> list[tuple[dict, Sample]]:
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        if which and half(row["id"]) != which:
            continue
        response = re.sub(r"\[([^\]\n]{1,60})\]", r"\1", row["response"]) if strip else row["response"]
        trace = split_think(response)
        out.append((row, Sample(row["prompt"], trace.reasoning, trace.answer, row["kind"])))
    return out


def score(rows: list[tuple[dict, Sample]], backend: str) -> tuple[dict[str, dict[str, float]], list, float]:
    t0 = time.perf_counter()
    # "learned-embed": the learned backend with its embedding stage on.
    name, _, stage = backend.partition("-")
    config = JudgeConfig(options={"embed": stage == "embed"})
    judged = run_detectors([s for _, s in rows], [make_detector(name, config)])
    secs = time.perf_counter() - t0
    table = {}
    for p in SCORED:
        tp = fp = fn = 0
        for (row, s), j in zip(rows, judged, strict=True):
            if (p == "over_refusal") == (s.kind == "harmful"):
                continue
            gold, pred = bool(row["labels"].get(p)), bool(j.labels.get(p))
            tp, fp, fn = tp + (gold and pred), fp + (pred and not gold), fn + (gold and not pred)
        prec = tp / (tp + fp) if tp + fp else 0.0
        rec = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
        table[p] = {"P": prec, "R": rec, "F1": f1, "tp": tp, "fp": fp, "fn": fn}
    return table, judged, secs


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", type=Path, default=DEFAULT)
    ap.add_argument("--backend", action="append")
    ap.add_argument("--strip-brackets", action="store_true")
    ap.add_argument("--half", choices=("a", "b"), help="score one fixed half of the dev set only")
    ap.add_argument("--errors", help="print the misses and false flags of this pattern (learned detail)")
    args = ap.parse_args()
    rows = load(args.data, args.strip_brackets, args.half)
    for backend in args.backend or ["heuristic", "learned"]:
        table, judged, secs = score(rows, backend)
        macro = sum(t["F1"] for t in table.values()) / len(table)
        print(f"\n{backend}: {len(rows)} rows in {secs:.2f}s; macro-F1 {macro:.3f}")
        for p, t in table.items():
            counts = f"tp {t['tp']} fp {t['fp']} fn {t['fn']}"
            print(f"  {p:26s} P {t['P']:.2f} R {t['R']:.2f} F1 {t['F1']:.2f}  ({counts})")
        if args.errors:
            for (row, s), j in zip(rows, judged, strict=True):
                gold, pred = bool(row["labels"].get(args.errors)), bool(j.labels.get(args.errors))
                if gold != pred and (args.errors == "over_refusal") != (s.kind == "harmful"):
                    print(f"\n--- {row['id']} gold={gold} pred={pred} labels={sorted(row['labels'])}")
                    print("PROMPT:", s.prompt[:200])
                    print("THOUGHT:", s.reasoning[:1500])
                    print("ANSWER:", s.answer[:800])
                    detail = j.judgements.get(backend.partition("-")[0], {})
                    print("DETAIL:", json.dumps(detail, ensure_ascii=False)[:1500])


if __name__ == "__main__":
    main()
