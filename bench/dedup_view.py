"""Memory of the dedup stage's view per row, and its decision's cost, for one or more checkouts side by side.

The dedup view is what a global stage keeps for the whole build while the rows themselves are spilled, so it
is the part of the driver's memory that grows with the build. Each checkout runs in a child process on the
same synthetic rows (two variants, 2 % exact copies, 1 % near copies, prompts of 8-24 words, traces of
30-90 words) made a block at a time, so only the view accumulates. Per checkout: bytes of the view per row
(tracemalloc, which counts numpy's buffers too; imports warmed up first), seconds to take the views, peak
memory above the view while deciding and its seconds, and a digest of what was decided (drops, notes,
clusters file) that must be equal across checkouts.

    python -m bench.dedup_view --rows 100000 --rows 1000000 --repo /work/main --repo .
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import json
import os
import random
import string
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Iterator
from pathlib import Path
from typing import Any


def _vocab() -> list[str]:
    rng = random.Random(7)
    return [
        "".join(rng.choice(string.ascii_lowercase) for _ in range(rng.randint(3, 9))) for _ in range(3000)
    ]


def _blocks(rows: int, block_rows: int) -> Iterator[list[Any]]:
    """The same rows for every checkout, a block of `block_rows` prompts (two variants each) at a time."""
    from safedata.schemas.record import Record

    vocab = _vocab()
    rng, recent, n = random.Random(0), [], 0

    def text(lo: int, hi: int) -> str:
        return " ".join(rng.choice(vocab) for _ in range(rng.randint(lo, hi)))

    while n < rows:
        block = []
        for i in range(n, min(rows, n + block_rows)):
            r = rng.random()
            if recent and r < 0.02:
                prompt = rng.choice(recent)
            elif recent and r < 0.03:
                words = rng.choice(recent).split()
                words[rng.randrange(len(words))] = rng.choice(vocab)
                prompt = " ".join(words)
            else:
                prompt = f"How can I {text(8, 24)}?"
            recent = (recent + [prompt])[-200:]
            for v, variant in enumerate(("template", "nocot")):
                rec = Record(
                    prompt=prompt,
                    kind="harmful",
                    source="s",
                    variant=variant,
                    order=(0, i, 0, v, 0),
                    reasoning=text(30, 90),
                    answer=text(10, 30),
                    labels={"x": rng.random() < 0.1},
                )
                block.append(rec.with_id())
        n += block_rows
        yield block


def child(rows: int, block_rows: int, out: Path) -> dict[str, Any]:
    """In the checkout's own process: view, decide and apply, measured."""
    from safedata.api import load
    from safedata.dedup.stage import DedupStage
    from safedata.pipeline import BuildContext
    from safedata.progress import Progress
    from safedata.runners.contract import apply_decision
    from safedata.schemas.record import Record

    dedup = {"exact": {"fields": ["prompt"]}, "minhash": {"fields": ["prompt"], "threshold": 0.8}}
    recipe = {"name": "b", "seed": 0, "sources": [{"type": "seeds", "set": "harmful"}], "dedup": dedup}
    ctx = BuildContext(loaded=load(recipe, str(out)), out_dir=out, progress=Progress(False))
    stage = DedupStage()
    warm = [
        Record(prompt=f"warm up {i}", kind="harmful", source="s", order=(1, i, 0, 0, 0)) for i in range(50)
    ]
    stage.decide(stage.view(warm, ctx), ctx)  # imports and caches out of the figures
    ctx.stats.clear()
    gc.collect()
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    t = time.perf_counter()
    view = []
    for block in _blocks(rows, block_rows):
        view.extend(stage.view(block, ctx))
        del block  # only the view stays
    view_s = time.perf_counter() - t
    gc.collect()
    held = tracemalloc.get_traced_memory()[0] - base
    tracemalloc.reset_peak()
    t = time.perf_counter()
    decision = stage.decide(view, ctx)
    decide_s = time.perf_counter() - t
    peak = tracemalloc.get_traced_memory()[1] - base - held
    tracemalloc.stop()
    del view
    for block in _blocks(rows, block_rows):  # the pass that applies the decision (and feeds what it fetches)
        apply_decision("dedup", decision, block, ctx)
    notes = {**ctx.stage_stats("dedup").notes, "seconds": None}
    decided = [sorted(map(list, decision.drop)), sorted(decision.drop.values()), notes]
    digest = hashlib.sha256(json.dumps(decided, sort_keys=True).encode())
    digest.update((out / "dedup_clusters.jsonl").read_bytes())
    n = 2 * rows
    return {
        "rows": n,
        "view_bytes_per_row": round(held / n),
        "view_s": round(view_s, 1),
        "decide_peak_bytes_per_row": round(peak / n),
        "decide_s": round(decide_s, 1),
        "dropped": len(decision.drop),
        "digest": digest.hexdigest()[:16],
    }


def run(repo: Path, rows: int, block_rows: int, out: Path) -> dict:
    path = os.pathsep.join(p for p in (str(repo.resolve()), os.environ.get("PYTHONPATH", "")) if p)
    proc = subprocess.run(
        [sys.executable, __file__, "--child", str(rows), str(block_rows), str(out)],
        env={**os.environ, "PYTHONPATH": path},
        cwd=repo,
        capture_output=True,
        text=True,
    )
    if proc.returncode != 0:
        raise SystemExit(f"{repo}: {proc.stderr[-2000:]}")
    return {"repo": str(repo), **json.loads(proc.stdout.strip().splitlines()[-1])}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rows", type=int, action="append", help="prompts (each gets 2 variants); repeatable")
    p.add_argument("--repo", action="append", help="checkout to measure; repeat for side by side")
    p.add_argument("--block-rows", type=int, default=8192, help="prompts per block")
    p.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.child:
        rows, block_rows, out = args.child
        print(json.dumps(child(int(rows), int(block_rows), Path(out))))
        return
    repos = [Path(r) for r in (args.repo or [str(Path(__file__).resolve().parent.parent)])]
    with tempfile.TemporaryDirectory(prefix="safedata-dedup-view-") as tmp:
        for rows in args.rows or [100_000]:
            results = [
                run(repo, rows, args.block_rows, Path(tmp) / f"{rows}-{k}") for k, repo in enumerate(repos)
            ]
            for r in results:
                print(json.dumps(r), flush=True)
            base = results[0]
            for r in results[1:]:
                ratio = base["view_bytes_per_row"] / max(1, r["view_bytes_per_row"])
                same = "same decision" if r["digest"] == base["digest"] else "DECISIONS DIFFER"
                print(f"{rows:,} prompts: view {ratio:.1f}x smaller than {base['repo']}, {same}", flush=True)


if __name__ == "__main__":
    main()
