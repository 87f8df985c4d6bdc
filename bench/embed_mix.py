"""Embedding throughput on CPU (offline MiniLM) and the time of `diverse` selection at 100k rows.

    HF_HUB_OFFLINE=1 python -m bench.embed_mix

Sentences: 2,000 prompts of 8-30 words built from the bundled seeds' vocabulary. Selection: 100k unit
vectors (dim 384, the MiniLM size) in 50 planted clusters of very unequal size; k-center greedy picks
1,000 and 4,000 of them, side by side with seeded random picks of the same size, and the clusters each
covers are counted.
"""

from __future__ import annotations

import os
import random
import time

import numpy as np

from safedata.dedup.embed import embed
from safedata.mixing.select import select
from safedata.schemas.mix import Mix
from safedata.schemas.record import Record

SEEDS = os.path.join(os.path.dirname(__file__), "..", "safedata", "sources", "seeds")


def sentences(n: int) -> list[str]:
    import json

    words: list[str] = []
    for name in ("harmful", "benign", "math"):
        with open(os.path.join(SEEDS, f"{name}.jsonl"), encoding="utf-8") as f:
            for line in f:
                words += json.loads(line)["prompt"].split()
    rng = random.Random(0)
    return [" ".join(rng.choices(words, k=rng.randint(8, 30))) for _ in range(n)]


def clustered(n: int, dim: int = 384, k: int = 50) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    sizes = rng.zipf(1.6, size=k).astype(float)
    labels = rng.choice(k, size=n, p=sizes / sizes.sum())
    centres = rng.normal(size=(k, dim))
    x = centres[labels] + 0.3 * rng.normal(size=(n, dim))
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32), labels


def main() -> None:
    texts = sentences(2000)
    embed(texts[:64], "all-MiniLM-L6-v2")  # load the model and warm up
    for batch in (32, 128):
        t = time.perf_counter()
        embed(texts, "all-MiniLM-L6-v2", batch_size=batch)
        secs = time.perf_counter() - t
        print(f"embed 2,000 sentences, batch {batch}: {secs:.1f} s = {len(texts) / secs:,.0f} sentences/s")
    emb, labels = clustered(100_000)
    recs = [Record(prompt=str(i), kind="math", source="b", variant="imported") for i in range(len(emb))]
    rows = list(range(len(recs)))
    print(f"100,000 rows in 50 planted clusters, the largest holding {np.bincount(labels).max():,} rows")
    for n in (1000, 4000):
        for how in ("random", "diverse"):
            t = time.perf_counter()
            picked = select(recs, rows, n, Mix(counts={"math": n}, select=how), 0, emb)
            secs = time.perf_counter() - t
            covered = len(set(labels[picked].tolist()))
            print(f"select {n:,} of 100,000 {how:8s}: {secs:6.2f} s, clusters covered {covered}/50")


if __name__ == "__main__":
    main()
