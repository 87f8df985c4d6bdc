"""Dedup's bucketing on the driver against the same as a hash shuffle on a private Ray cluster, side by side.

Synthetic LSH input: `--rows` rows of `--bands` band keys (uint64), 3 % of rows repeating an earlier row's
keys in every band and 5 % in one band, plus a two-word exact digest column with 2 % repeats. Each column goes
through `star_edges` on the driver and through `RayBuckets` (map tasks split chunks by key hash, one reduce
task per partition returns its edges); the edges must be equal. Reports seconds for each and the bytes that
came back (the edges) against the bytes sent (the key columns).

    python -m bench.dedup_shuffle --rows 1000000 --cpus 2
"""

from __future__ import annotations

import argparse
import json
import os
import time

import numpy as np

from safedata.dedup.exact import star_edges
from safedata.dedup.minhash import candidate_pairs
from safedata.dedup.shuffle import RayBuckets


def columns(rows: int, bands: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    keys = rng.integers(0, 2**63, size=(rows, bands), dtype=np.int64).astype(np.uint64)
    copies = rng.choice(np.arange(1, rows), size=rows * 3 // 100, replace=False)
    keys[copies] = keys[rng.integers(0, copies)]  # whole-row copies of an earlier row
    near = rng.choice(np.arange(1, rows), size=rows * 5 // 100, replace=False)
    band = rng.integers(0, bands, size=len(near))
    keys[near, band] = keys[rng.integers(0, near), band]  # one shared band
    exact = rng.integers(0, 2**63, size=(rows, 2), dtype=np.int64).astype(np.uint64)
    same = rng.choice(np.arange(1, rows), size=rows * 2 // 100, replace=False)
    exact[same] = exact[rng.integers(0, same)]
    return keys, exact


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rows", type=int, default=1_000_000)
    p.add_argument("--bands", type=int, default=12)
    p.add_argument("--cpus", type=int, default=2, help="CPUs of the private Ray cluster (= partitions)")
    args = p.parse_args()
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    os.environ.setdefault("RAY_AUTH_MODE", "disabled")  # a private, throwaway cluster
    import ray

    keys, exact = columns(args.rows, args.bands)
    has = np.ones(args.rows, dtype=bool)
    t = time.perf_counter()
    local = (candidate_pairs(keys.T, has), star_edges(exact))
    local_s = time.perf_counter() - t
    t = time.perf_counter()
    ray.init(address="local", num_cpus=args.cpus, include_dashboard=False, log_to_driver=False)
    start_s = time.perf_counter() - t
    try:
        buckets = RayBuckets(ray, args.cpus, 0)
        buckets(exact[:10])  # workers started before the clock
        t = time.perf_counter()
        shuffled = (candidate_pairs(keys.T, has, buckets), buckets(exact))
        ray_s = time.perf_counter() - t
    finally:
        ray.shutdown()
    same = np.array_equal(local[0], shuffled[0]) and sorted(map(tuple, local[1].tolist())) == sorted(
        map(tuple, shuffled[1].tolist())
    )
    sent = keys.nbytes + exact.nbytes
    back = shuffled[0].nbytes + shuffled[1].nbytes
    print(
        json.dumps(
            {
                "rows": args.rows,
                "bands": args.bands,
                "cpus": args.cpus,
                "driver_s": round(local_s, 2),
                "ray_s": round(ray_s, 2),
                "ray_over_driver": round(ray_s / local_s, 2),
                "ray_start_s": round(start_s, 1),
                "candidate_pairs": len(shuffled[0]),
                "exact_pairs": len(shuffled[1]),
                "sent_mb": round(sent / 2**20, 1),
                "edges_back_mb": round(back / 2**20, 1),
                "same_edges": bool(same),
            }
        )
    )


if __name__ == "__main__":
    main()
