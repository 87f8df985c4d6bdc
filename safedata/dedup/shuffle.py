"""Dedup's bucketing as a hash shuffle on a Ray cluster (`runner.dedup_shuffle`), for groups past one node.

Exact dedup and MinHash LSH both come down to buckets of equal keys: every row is linked to the earliest row
of its bucket (`star_edges`). On the driver that is one sort per key column. On a cluster, map tasks take
contiguous chunks of a column and split them by key hash into partitions; one reduce task per partition
sorts its keys and returns its star edges (pairs of row indices). A bucket lies whole in one partition, and
the chunks arrive in row order, so the edges are those the driver would find: only they come back, and the
driver resolves clusters (and checks MinHash candidates against the threshold) with the local code.

The Ray runner passes its `ray` module; nothing here imports Ray.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from safedata.dedup.exact import star_edges

CHUNK_ROWS = 1 << 20  # rows per map task


def _partition(keys: np.ndarray, parts: int) -> list[np.ndarray]:
    """Row positions of a chunk per partition, in row order (keys are hashes already: their low bits
    spread evenly)."""
    first = keys if keys.ndim == 1 else keys[:, 0]
    part = (first % np.uint64(parts)).astype(np.int64)
    by_part = np.argsort(part, kind="stable")
    return np.split(by_part, np.searchsorted(part[by_part], np.arange(1, parts)))


def _map(keys: np.ndarray, start: int, parts: int) -> list[tuple[np.ndarray, np.ndarray]]:
    return [(keys[rows], rows + start) for rows in _partition(keys, parts)]


def _reduce(*pieces: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    keys = np.concatenate([k for k, _ in pieces])
    rows = np.concatenate([r for _, r in pieces])
    return rows[star_edges(keys)]  # rows ascend (chunks in order, each split stably): ties go to the earliest


class RayBuckets:
    """`star_edges` over a key column, as a hash shuffle on the cluster once the column has `min_rows` rows
    (0: always); below that, on the driver."""

    def __init__(self, ray: Any, partitions: int, min_rows: int) -> None:
        self.ray, self.partitions, self.min_rows = ray, partitions, min_rows
        self.shuffles = 0  # columns bucketed on the cluster (for the report of a test or a bench)

    def __call__(self, keys: np.ndarray) -> np.ndarray:
        if len(keys) < max(self.min_rows, 1):
            return star_edges(keys)
        ray, parts = self.ray, self.partitions
        mapper = ray.remote(_map).options(num_returns=parts, num_cpus=1)
        reducer = ray.remote(_reduce).options(num_cpus=1)
        chunks = []
        for lo in range(0, len(keys), CHUNK_ROWS):
            out = mapper.remote(keys[lo : lo + CHUNK_ROWS], lo, parts)
            chunks.append(out if parts > 1 else [out])
        edges = ray.get([reducer.remote(*(c[p] for c in chunks)) for p in range(parts)])
        self.shuffles += 1
        return np.concatenate(edges) if edges else np.zeros((0, 2), dtype=np.int64)


def ray_buckets(ray: Any, mode: str, min_rows: int) -> RayBuckets | None:
    """The bucketing a Ray build's dedup uses: None keeps it on the driver."""
    if mode == "driver":
        return None
    cpus = max(2, int(ray.cluster_resources().get("CPU", 2)))
    return RayBuckets(ray, cpus, 0 if mode == "cluster" else min_rows)
