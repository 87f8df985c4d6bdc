"""The `learned` backend against `heuristic`, side by side in one run, on data nobody here labelled:

- STAR-1 (1,000 DeepSeek-R1 traces GPT-4o rated fully safe; all treated as harmful prompts): share of rows
  with any pattern flagged (a false-positive rate: goal <= 5 %), per pattern, and rows/min on this machine;
- XSTest v2 completions (2,250 human labels): refusal accuracy (2_full or 3_partial refusal = refusal);
- `--show N`: print N flagged STAR-1 rows with the learned evidence, for reading by hand.

    python -m bench.learned_detector [--star1 PATH] [--xstest DIR] [--show 20] [--threads 2]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import time
from collections import Counter
from pathlib import Path

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
if not SHARED.is_dir():  # a worktree sits one level deeper than main
    SHARED = Path(__file__).resolve().parents[3] / "shared" / "data"


def star1(path: Path, backends: list[str], show: int) -> None:
    from safedata.filters.base import Sample
    from safedata.filters.judging import run_detectors
    from safedata.filters.registry import make_detector
    from safedata.text import split_think

    rows = json.loads(path.read_text(encoding="utf-8"))
    samples = []
    for r in rows:
        t = split_think(r["response"])
        samples.append(Sample(r["question"], t.reasoning, t.answer, "harmful"))
    for backend in backends:
        det = make_detector(backend)
        t0 = time.perf_counter()
        judged = run_detectors(samples, [det])
        secs = time.perf_counter() - t0
        flagged = [j for j in judged if any(j.labels.values())]
        per = Counter(p for j in judged for p, v in j.labels.items() if v)
        print(
            f"STAR-1 {backend}: {len(flagged)}/{len(judged)} flagged ({len(flagged) / len(judged):.1%}); "
            f"{len(judged) / secs * 60:,.0f} rows/min ({secs:.2f}s)"
        )
        print("   " + ", ".join(f"{p} {n}" for p, n in per.most_common()))
        if backend == "learned" and show:
            picks = [i for i, j in enumerate(judged) if any(j.labels.values())]
            for i in random.Random(0).sample(picks, min(show, len(picks))):
                ev = judged[i].judgements["learned"]["evidence"]
                print(f"\n--- STAR-1 id {rows[i]['id']}: {rows[i]['question'][:160]!r}")
                for p, segs in ev.items():
                    for s in segs[:2]:
                        print(f"  {p} [{s['part']}] {s['text'][:220]!r}")


def xstest(folder: Path) -> None:
    import polars as pl

    from safedata.filters.base import Sample
    from safedata.filters.learned.detector import LearnedDetector
    from safedata.filters.refusal import is_refusal

    det = LearnedDetector()
    texts, prompts, gold = [], [], []
    for f in sorted(folder.glob("xstest_v2_completions_*.csv")):
        df = pl.read_csv(f, infer_schema=False)
        texts += [c or "" for c in df["completion"].to_list()]
        prompts += [c or "" for c in df["prompt"].to_list()]
        gold += [lab != "1_full_compliance" for lab in df["final_label"].to_list()]
    samples = [Sample(p, "", t, "benign") for p, t in zip(prompts, texts, strict=True)]
    learned = [v.detail["refusal"] for v in det.judge(samples)]
    heur = [is_refusal(t) for t in texts]
    for name, pred in (("heuristic", heur), ("learned", learned)):
        acc = sum(a == b for a, b in zip(gold, pred, strict=True)) / len(gold)
        tp = sum(a and b for a, b in zip(gold, pred, strict=True))
        fp = sum(b and not a for a, b in zip(gold, pred, strict=True))
        fn = sum(a and not b for a, b in zip(gold, pred, strict=True))
        f1 = 2 * tp / (2 * tp + fp + fn)
        print(f"XSTest {name}: accuracy {acc:.3f}, refusal F1 {f1:.3f} ({len(gold)} rows)")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--star1", type=Path, default=SHARED / "star1" / "STAR-1.json")
    ap.add_argument("--xstest", type=Path, default=SHARED / "xstest" / "model_completions")
    ap.add_argument("--backend", action="append", help="default: heuristic and learned")
    ap.add_argument("--show", type=int, default=0)
    ap.add_argument("--threads", type=int, default=2, help="numpy/BLAS threads (the goal is set for 2 cores)")
    args = ap.parse_args()
    os.environ.setdefault("OMP_NUM_THREADS", str(args.threads))
    star1(args.star1, args.backend or ["heuristic", "learned"], args.show)
    xstest(args.xstest)


if __name__ == "__main__":
    main()
