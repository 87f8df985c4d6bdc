"""Exact duplicates: equal normalised text (case, whitespace and punctuation ignored)."""

from __future__ import annotations

import hashlib


def exact_pairs(texts: list[str]) -> list[tuple[int, int]]:
    """(later, first) for every text equal to an earlier one; empty texts match nothing."""
    first: dict[bytes, int] = {}
    pairs = []
    for i, text in enumerate(texts):
        if not text:
            continue
        key = hashlib.blake2b(text.encode(), digest_size=16).digest()  # bounded memory for long texts
        j = first.setdefault(key, i)
        if j != i:
            pairs.append((i, j))
    return pairs
