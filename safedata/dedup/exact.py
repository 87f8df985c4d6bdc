"""Exact duplicates: equal normalised text (case, whitespace and punctuation ignored), compared by hash."""

from __future__ import annotations

import hashlib

import numpy as np

EMPTY = bytes(16)  # the digest kept for an empty key text: such rows match nothing


def digest(text: str) -> bytes:
    """128 bits of the key text (bounded memory for long texts; collisions are out of reach)."""
    return hashlib.blake2b(text.encode(), digest_size=16).digest() if text else EMPTY


def digests(texts: list[str]) -> np.ndarray:
    """(len(texts), 2) uint64: each text's digest; all zeros for an empty text."""
    return np.frombuffer(b"".join(map(digest, texts)), dtype=np.uint64).reshape(len(texts), 2)


def star_edges(keys: np.ndarray) -> np.ndarray:
    """(m, 2) (later, first) row pairs: every row linked to the earliest row with an equal key.

    `keys`: one uint64 per row, or a (rows, words) array compared word by word.
    """
    cols = keys.reshape(len(keys), -1)
    # Sorted by key, then by row: within a run of equal keys, the earliest row comes first.
    order = np.lexsort((np.arange(len(cols)), *cols.T[::-1]))
    sk = cols[order]
    head = np.ones(len(order), dtype=bool)
    head[1:] = (sk[1:] != sk[:-1]).any(axis=1)
    first = order[np.flatnonzero(head)[np.cumsum(head) - 1]]
    linked = order != first
    return np.stack([order[linked], first[linked]], axis=1)


def exact_pairs(keys: np.ndarray) -> np.ndarray:
    """(later, first) for every row whose digest equals an earlier row's; empty texts match nothing."""
    idx = np.flatnonzero(keys.any(axis=1))
    return idx[star_edges(keys[idx])]
