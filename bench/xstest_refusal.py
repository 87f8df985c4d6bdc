"""Refusal detection against human labels: XSTest v2 model completions (2,250 rows, 5 model files).

Gold: `final_label` 2_full_refusal or 3_partial_refusal = refusal. Compares RS-Match (SafeChain's string
list, case-sensitive) with safedata's `is_refusal`, per file and overall: accuracy and F1 (refusal is the
positive class).

Leave-one-file-out (--lofo): the cue list was tuned by reading errors of four files (mistralinstruct was
never inspected). To check that the *selection* of cues is not fit to a file, each fold starts from the full
cue list, greedily drops cues while that improves accuracy on the other four files, and scores the fifth.

    python -m bench.xstest_refusal [--data ../shared/data/xstest/model_completions] [--lofo]
"""

from __future__ import annotations

import argparse
import re
import time
from pathlib import Path

import numpy as np
import polars as pl

from safedata.filters.refusal import DEFLECTION_CUES, REFUSAL_CUES, answers_anyway, is_refusal, opening
from safedata.filters.rs_match import rs_refusal

DEFAULT = Path(__file__).resolve().parents[2] / "shared" / "data" / "xstest" / "model_completions"


def metrics(gold: np.ndarray, pred: np.ndarray) -> tuple[float, float]:
    tp = int((gold & pred).sum())
    fp = int((~gold & pred).sum())
    fn = int((gold & ~pred).sum())
    f1 = 2 * tp / (2 * tp + fp + fn) if tp else 0.0
    return float((gold == pred).mean()), f1


def load(folder: Path) -> dict[str, tuple[list[str], np.ndarray]]:
    out = {}
    for f in sorted(folder.glob("xstest_v2_completions_*.csv")):
        df = pl.read_csv(f, infer_schema=False)
        texts = [c or "" for c in df["completion"].to_list()]
        gold = np.array([lab != "1_full_compliance" for lab in df["final_label"].to_list()])
        out[f.stem.removeprefix("xstest_v2_completions_")] = (texts, gold)
    return out


def cue_matrix(texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """rows x cues: does cue i fire in the opening of text j; and the rows whose opening answers anyway."""
    cues = [re.compile(c, re.IGNORECASE | re.MULTILINE) for c in REFUSAL_CUES + DEFLECTION_CUES]
    heads = [opening(t) for t in texts]
    m = np.array([[bool(c.search(h)) for c in cues] for h in heads])
    return m, np.array([answers_anyway(h) for h in heads])


def predict(m: np.ndarray, excluded: np.ndarray, keep: np.ndarray) -> np.ndarray:
    return m[:, keep].any(axis=1) & ~excluded


def select(m: np.ndarray, excluded: np.ndarray, gold: np.ndarray) -> np.ndarray:
    keep = np.ones(m.shape[1], bool)
    best = (predict(m, excluded, keep) == gold).mean()
    while True:
        trials = []
        for i in np.flatnonzero(keep):
            k = keep.copy()
            k[i] = False
            trials.append(((predict(m, excluded, k) == gold).mean(), i))
        acc, i = max(trials)
        if acc <= best:
            return keep
        best, keep[i] = acc, False


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", type=Path, default=DEFAULT)
    ap.add_argument("--lofo", action="store_true")
    args = ap.parse_args()
    files = load(args.data)
    if not files:
        raise SystemExit(f"no xstest_v2_completions_*.csv under {args.data}; pass --data FOLDER")
    t0 = time.perf_counter()
    rows = []
    all_gold, all_rs, all_ours = [], [], []
    for name, (texts, gold) in files.items():
        rs = np.array([rs_refusal(t) for t in texts])
        ours = np.array([is_refusal(t) for t in texts])
        rows.append((name, len(texts), int(gold.sum()), *metrics(gold, rs), *metrics(gold, ours)))
        all_gold.append(gold), all_rs.append(rs), all_ours.append(ours)
    g, rs, ours = (np.concatenate(x) for x in (all_gold, all_rs, all_ours))
    rows.append(("overall", len(g), int(g.sum()), *metrics(g, rs), *metrics(g, ours)))
    elapsed = time.perf_counter() - t0
    print("| file | rows | refusals | RS-Match acc | RS-Match F1 | is_refusal acc | is_refusal F1 |")
    print("|---|---|---|---|---|---|---|")
    for name, n, pos, a1, f1, a2, f2 in rows:
        print(f"| {name} | {n} | {pos} | {a1:.3f} | {f1:.3f} | {a2:.3f} | {f2:.3f} |")
    print(f"\n{len(g)} completions scored by both detectors in {elapsed:.2f} s")
    if args.lofo:
        mats = {n: (*cue_matrix(t), gold) for n, (t, gold) in files.items()}
        n_cues = len(REFUSAL_CUES) + len(DEFLECTION_CUES)
        print(f"\n| held-out file | cues kept (of {n_cues}) | held-out acc: selected | all cues |")
        print("|---|---|---|---|")
        total = np.zeros(2)
        for held in mats:
            train = [mats[n] for n in mats if n != held]
            keep = select(*(np.concatenate(x) for x in zip(*train, strict=True)))
            m, ex, gold = mats[held]
            sel = (predict(m, ex, keep) == gold).mean()
            full = (predict(m, ex, np.ones(m.shape[1], bool)) == gold).mean()
            total += np.array([sel, full]) * len(gold)
            print(f"| {held} | {int(keep.sum())} | {sel:.3f} | {full:.3f} |")
        n = sum(len(x[2]) for x in mats.values())
        print(f"| overall (pooled) | | {total[0] / n:.3f} | {total[1] / n:.3f} |")


if __name__ == "__main__":
    main()
