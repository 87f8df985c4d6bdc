"""Semantic duplicates: cosine similarity of sentence embeddings, compared only within k-means buckets."""

from __future__ import annotations

import numpy as np

from safedata.dedup.embed import kmeans

# Up to this many rows all pairs are compared directly (in row blocks); above, rows are bucketed first.
_DIRECT = 4096
_BLOCK = 1024


def _pairs_within(emb: np.ndarray, rows: np.ndarray, threshold: float) -> set[tuple[int, int]]:
    found: set[tuple[int, int]] = set()
    sub = emb[rows]
    for lo in range(0, len(rows), _BLOCK):
        sims = sub[lo : lo + _BLOCK] @ sub.T
        a, b = np.nonzero(sims >= threshold)
        a = a + lo
        later = a > b
        found.update(zip(rows[a[later]].tolist(), rows[b[later]].tolist(), strict=True))
    return found


def semantic_pairs(emb: np.ndarray, threshold: float, seed: int = 0) -> list[tuple[int, int]]:
    """(later, earlier) index pairs with cosine >= threshold.

    Above _DIRECT rows: k ≈ 2·sqrt(n) k-means buckets, each row placed in its two nearest buckets (so a
    pair split by a boundary still meets), pairs compared inside buckets: about O(n·sqrt(n)), not O(n²).
    """
    n = len(emb)
    if n <= _DIRECT:
        return sorted(_pairs_within(emb, np.arange(n), threshold))
    _, centres = kmeans(emb, int(2 * np.sqrt(n)), seed)
    near = np.concatenate(  # in row blocks: n × k similarities at once would not fit for large n
        [np.argpartition(-(emb[lo : lo + 65536] @ centres.T), 1, axis=1)[:, :2] for lo in range(0, n, 65536)]
    )
    found: set[tuple[int, int]] = set()
    for c in range(len(centres)):
        rows = np.flatnonzero((near == c).any(axis=1))
        if len(rows) > 1:
            found |= _pairs_within(emb, rows, threshold)
    return sorted(found)
