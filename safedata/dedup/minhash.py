"""Near-duplicate detection with MinHash + LSH banding, vectorised over the whole batch with numpy.

Why not `datasketch.MinHash` per row plus `MinHashLSH`: bench/minhash_dedup.py measured both halves on this
project's 2-core box. Per-row datasketch hashing runs at a few thousand docs/s (sha1 per shingle in
Python), and `MinHashLSH` insert + query costs a Python call per row and band (about 7k rows/s), which alone
caps any faster hashing at about 2.5x the plain loop. So:

- tokens: words split in Python and hashed by polars (in Rust), or code points via one UTF-32 encode;
- shingles: a rolling 64-bit hash of n consecutive token ids, folded to 32 bits;
- permutations: datasketch 2.0's `affine32` scheme, a_k·x + b_k mod 2^32 with a_k odd (a bijection),
  computed as a (num_perm × shingles) uint32 block sized to stay in cache, reduced per document with
  `np.minimum.reduceat`;
- LSH: the same banding as datasketch (bands × rows, and datasketch's own optimiser picks them from a
  threshold), but each band's key is one vectorised hash and buckets come from a sort, not a dict.

Candidates are checked against the threshold on the estimated Jaccard before they count.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from functools import cache
from typing import Literal

import numpy as np

from safedata.dedup.exact import star_edges

Shingle = Literal["word", "char"]

_ROLL = np.uint64(0x9E3779B97F4A7C15)  # odd 64-bit multiplier for rolling n-gram and band hashes
_TEXTS = 20_000  # texts tokenised and shingled at once
_BLOCK = 8192  # shingles per (num_perm × shingles) uint32 block: 4 MiB at num_perm 128, stays in cache


def _mix64(h: np.ndarray) -> np.ndarray:
    """splitmix64 finaliser (in place): spreads a rolling hash over all 64 bits."""
    with np.errstate(over="ignore"):
        h ^= h >> np.uint64(30)
        h *= np.uint64(0xBF58476D1CE4E5B9)
        h ^= h >> np.uint64(27)
        h *= np.uint64(0x94D049BB133111EB)
        h ^= h >> np.uint64(31)
    return h


# Rust's `\s` (polars' `\S+` tokens until this module tokenised in Python): Unicode White_Space. Python's
# `str.split()` agrees except on U+001C..U+001F (whitespace to Python only), so texts holding one of those
# (a multi-field key's separator) are split by this class instead.
_NOT_SPACE = re.compile(r"[^\t-\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+")
_PY_ONLY_SPACE = re.compile(r"[\x1c-\x1f]")


def words(text: str) -> list[str]:
    """The text's whitespace-separated tokens, whitespace as Unicode's White_Space property defines it."""
    return _NOT_SPACE.findall(text) if _PY_ONLY_SPACE.search(text) else text.split()


def _token_ids(texts: list[str], shingle: Shingle) -> tuple[np.ndarray, np.ndarray]:
    """All texts' token ids concatenated (uint64), and each text's token count.

    Words are split in Python, not by polars' `str.extract_all`: signatures are taken in the runner's forked
    workers, where polars' thread pool (started in the parent) hangs on the first parallel call. Hashing a
    flat column of strings runs on the calling thread, and gives the ids the earlier polars split gave.
    """
    if shingle == "char":
        # UTF-32 gives one uint32 per code point: the whole batch is converted in one call.
        ids = np.frombuffer("".join(texts).encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
        return ids, np.fromiter((len(t) for t in texts), dtype=np.int64, count=len(texts))
    import polars as pl

    split = [words(t) for t in texts]
    lengths = np.fromiter((len(w) for w in split), dtype=np.int64, count=len(split))
    flat = [w for ws in split for w in ws]
    if not flat:
        return np.zeros(0, dtype=np.uint64), lengths
    return pl.Series(flat, dtype=pl.String).hash(seed=0).to_numpy(), lengths


def _shingle_hashes(ids: np.ndarray, lengths: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """32-bit hashes of every n-gram of token ids, and how many each text has.

    A text shorter than n is one shingle (all its tokens); an empty text has none.
    """
    counts = np.where(lengths >= n, lengths - n + 1, np.minimum(lengths, 1))
    doc_start = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64)
    owner = np.repeat(np.arange(len(lengths)), counts)
    first = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int64)
    starts = doc_start[owner] + (np.arange(int(counts.sum())) - first[owner])
    h = np.zeros(len(starts), dtype=np.uint64)
    short = np.repeat(lengths < n, counts)  # the one shingle of a text shorter than n
    with np.errstate(over="ignore"):
        if len(ids) >= n:
            # Every full window at once from contiguous slices: h[s] = sum_j ids[s + j] * ROLL^(n-1-j).
            windows = np.zeros(len(ids) - n + 1, dtype=np.uint64)
            for j in range(n):
                windows = windows * _ROLL + ids[j : len(ids) - n + 1 + j]
            h[~short] = windows[starts[~short]]
        ends = (doc_start + lengths)[owner[short]]
        for j in range(n):  # texts shorter than n: the same polynomial over the tokens they have
            pos = starts[short] + j
            tok = ids[np.minimum(pos, max(len(ids) - 1, 0))] if len(ids) else np.zeros(len(pos), np.uint64)
            h[short] = h[short] * _ROLL + np.where(pos < ends, tok, np.uint64(0))
    return (_mix64(h) >> np.uint64(32)).astype(np.uint32), counts


def _permutations(num_perm: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    a = rng.integers(0, 1 << 31, size=num_perm, dtype=np.uint32) * np.uint32(2) + np.uint32(1)  # odd
    b = rng.integers(0, 1 << 32, size=num_perm, dtype=np.uint64).astype(np.uint32)
    return a[:, None], b[:, None]


def _minhash_into(
    sig: np.ndarray, hashes: np.ndarray, counts: np.ndarray, a: np.ndarray, b: np.ndarray
) -> None:
    """Fill sig's rows of the texts that have shingles with the per-permutation minimum of their hashes."""
    docs = np.flatnonzero(counts > 0)
    ends = np.cumsum(counts)[docs]  # shingle offset where each non-empty doc ends
    i = 0
    with np.errstate(over="ignore"):
        while i < len(docs):
            lo = int(ends[i - 1]) if i else 0
            # Whole documents, until the block holds about _BLOCK shingles (at least one document).
            j = max(int(np.searchsorted(ends, lo + _BLOCK, side="right")), i + 1)
            hi = int(ends[j - 1])
            block = a * hashes[None, lo:hi]
            block += b
            cuts = np.concatenate([[0], ends[i : j - 1] - lo])
            sig[docs[i:j]] = np.minimum.reduceat(block, cuts, axis=1).T
            i = j


def signatures(
    texts: list[str], shingle: Shingle = "word", ngram: int = 5, num_perm: int = 128, seed: int = 1
) -> tuple[np.ndarray, np.ndarray]:
    """(len(texts), num_perm) uint32 MinHash signatures, and a mask of the texts that had any shingle.

    Texts go through in batches of _TEXTS so the per-shingle arrays stay small at a million rows.
    """
    a, b = _permutations(num_perm, seed)
    sig = np.full((len(texts), num_perm), np.iinfo(np.uint32).max, dtype=np.uint32)
    has = np.zeros(len(texts), dtype=bool)
    for lo in range(0, len(texts), _TEXTS):
        ids, lengths = _token_ids(texts[lo : lo + _TEXTS], shingle)
        hashes, counts = _shingle_hashes(ids, lengths, ngram)
        _minhash_into(sig[lo : lo + _TEXTS], hashes, counts, a, b)
        has[lo : lo + _TEXTS] = counts > 0
    return sig, has


@cache  # the view calls it per block: datasketch's optimiser integrates each time
def lsh_params(
    num_perm: int, threshold: float | None, bands: int | None, rows: int | None
) -> tuple[int, int]:
    """bands × rows: given, or datasketch's optimiser for the threshold, weighted towards recall.

    Weights 0.2 (false positives) / 0.8 (false negatives) rather than datasketch's 0.5 / 0.5: every
    candidate is checked against the threshold afterwards, so a false candidate costs one comparison,
    while a missed pair is a duplicate left in the data. At 0.8 and 128 permutations this gives 12 × 10
    (a pair at Jaccard 0.9 is found 99.4% of the time) instead of 9 × 13 (92.9%).
    """
    if bands is not None and rows is not None:
        return bands, rows
    from datasketch import MinHashLSH

    lsh = MinHashLSH(threshold=threshold or 0.8, num_perm=num_perm, weights=(0.2, 0.8))
    return lsh.b, lsh.r


def band_keys(sig: np.ndarray, bands: int, rows: int) -> np.ndarray:
    """(len(sig), bands) uint64: each band's `rows` signature values hashed into one key."""
    keys = np.empty((len(sig), bands), dtype=np.uint64)
    with np.errstate(over="ignore"):
        for bi in range(bands):
            key = np.zeros(len(sig), dtype=np.uint64)
            for k in range(bi * rows, (bi + 1) * rows):
                key = key * _ROLL + sig[:, k].astype(np.uint64)
            keys[:, bi] = _mix64(key)
    return keys


def candidate_pairs(keys_per_band: Iterable[np.ndarray], has: np.ndarray) -> np.ndarray:
    """(m, 2) distinct (later, earlier) rows that share a band bucket, sorted; rows without shingles skipped.

    Rows that share a bucket are linked to the bucket's earliest row (a star, not every pair, so a bucket of
    m copies costs m - 1 checks); transitive links come from the union-find of the caller.
    """
    idx = np.flatnonzero(has)
    found = [idx[e] for keys in keys_per_band if len(e := star_edges(keys[idx]))]
    if not found:
        return np.zeros((0, 2), dtype=np.int64)
    return np.unique(np.concatenate(found), axis=0)


def verified(
    pairs: np.ndarray, sig_rows: Callable[[np.ndarray], np.ndarray], threshold: float | None
) -> tuple[np.ndarray, np.ndarray]:
    """The pairs whose estimated Jaccard (share of equal signature values) reaches `threshold` (None: all),
    and their estimates; `sig_rows(i)` gives rows i's signatures."""
    est = np.empty(len(pairs))
    for lo in range(0, len(pairs), 65536):  # bounded memory for the (pairs × num_perm) comparison
        p = pairs[lo : lo + 65536]
        est[lo : lo + len(p)] = (sig_rows(p[:, 0]) == sig_rows(p[:, 1])).mean(axis=1)
    keep = est >= threshold if threshold is not None else np.ones(len(pairs), dtype=bool)
    return pairs[keep], est[keep]


def similar_pairs(
    sig: np.ndarray, has: np.ndarray, bands: int, rows: int, threshold: float | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Near-duplicate edges (later row, earlier row, estimated Jaccard), checked against `threshold`.

    With no threshold (explicit bands × rows) every candidate is accepted.
    """
    keys = band_keys(sig, bands, rows)
    pairs, est = verified(candidate_pairs(keys.T, has), sig.__getitem__, threshold)
    return pairs[:, 0], pairs[:, 1], est
