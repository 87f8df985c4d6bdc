"""Heuristic backend throughput on STAR-1, this checkout against another one, side by side in one run.

Each checkout labels the 1,000 STAR-1 traces in its own process (the package name is the same), alternating
A, B, A, B ... so both see the same load; each run reports its best of `--repeat` passes, in rows/s, and a
digest of its labels (a speed-up that changes a label shows as `same labels: False`).

    python -m bench.heuristic_speed --other /path/to/main [--pairs 3] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

from bench.calibrate import DATA

# Run inside the checkout under test: label every trace `repeat` times, print the best rows/s.
_CHILD = """
import hashlib, json, sys, time
from safedata.filters.base import Sample
from safedata.filters import heuristic
from safedata.filters.heuristic import label
from safedata.text import split_think
rows = json.loads(open(sys.argv[1], encoding="utf-8").read())
samples = []
for r in rows:
    t = split_think(r["response"])
    samples.append(Sample(r["question"], t.reasoning, t.answer, "harmful"))
best = 0.0
# The backend memoises labels and answer facts: each pass starts cold, or later passes time cache hits.
caches = [f for f in vars(heuristic).values() if hasattr(f, "cache_clear")]
for _ in range(int(sys.argv[2])):
    for f in caches:
        f.cache_clear()
    t0 = time.perf_counter()
    labels = [label(s) for s in samples]
    best = max(best, len(samples) / (time.perf_counter() - t0))
# A digest of every label: a speed-up must not change one.
print(f"{best:.1f} {hashlib.sha256(repr(labels).encode()).hexdigest()[:16]}")
"""


def rows_per_second(checkout: Path, star1: Path, repeat: int) -> tuple[float, str]:
    """Best rows/s, and a digest of the labels the checkout gave."""
    env = {**os.environ, "PYTHONPATH": str(checkout), "PYTHONDONTWRITEBYTECODE": "1"}
    out = subprocess.run(
        [sys.executable, "-c", _CHILD, str(star1), str(repeat)],
        env=env,
        cwd=checkout,
        capture_output=True,
        text=True,
        check=True,
    )
    speed, digest = out.stdout.split()
    return float(speed), digest


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--other", type=Path, required=True, help="the checkout to compare with (e.g. main)")
    ap.add_argument("--star1", type=Path, default=DATA / "star1" / "STAR-1.json")
    ap.add_argument("--pairs", type=int, default=3)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    if not args.star1.is_file():
        raise SystemExit(f"no STAR-1 at {args.star1}")
    here = Path(__file__).resolve().parents[1]
    print("| pair | other rows/s | this rows/s | ratio | same labels |\n|---|---|---|---|---|")
    for i in range(args.pairs):
        other, other_labels = rows_per_second(args.other.resolve(), args.star1, args.repeat)
        this, these_labels = rows_per_second(here, args.star1, args.repeat)
        print(f"| {i + 1} | {other:.0f} | {this:.0f} | {this / other:.2f} | {these_labels == other_labels} |")


if __name__ == "__main__":
    main()
