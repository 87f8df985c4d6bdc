"""MinHash signatures and LSH banding: planted near duplicates found, distinct texts kept apart."""

from __future__ import annotations

import random

import numpy as np

from safedata.dedup.minhash import lsh_params, signatures, similar_pairs


def _shingles(text: str, n: int) -> set[str]:
    w = text.split()
    return {" ".join(w[i : i + n]) for i in range(max(1, len(w) - n + 1))}


def _jaccard(a: str, b: str, n: int = 5) -> float:
    x, y = _shingles(a, n), _shingles(b, n)
    return len(x & y) / len(x | y)


def _corpus(seed: int = 0) -> tuple[list[str], set[tuple[int, int]]]:
    rng = random.Random(seed)
    vocab = [f"w{i}" for i in range(3000)]
    docs = [" ".join(rng.choices(vocab, k=80)) for _ in range(400)]
    planted = set()
    for orig in range(0, 400, 8):  # 50 near copies: one word changed (true 5-gram Jaccard about 0.88)
        words = docs[orig].split()
        words[rng.randrange(80)] = "changed"
        planted.add((len(docs), orig))
        docs.append(" ".join(words))
    return docs, planted


def test_planted_near_duplicates_found_and_distinct_rows_kept() -> None:
    docs, planted = _corpus()
    sig, has = signatures(docs, "word", 5, 128)
    # 32 bands × 4 rows: a pair at Jaccard 0.88 is a candidate with probability ~1; 0.8 then checks it.
    later, earlier, est = similar_pairs(sig, has, 32, 4, 0.8)
    found = set(zip(later.tolist(), earlier.tolist(), strict=True))
    assert found == planted
    assert np.all(est >= 0.8)


def test_threshold_picks_datasketch_bands_and_keeps_precision() -> None:
    docs, planted = _corpus()
    sig, has = signatures(docs, "word", 5, 128)
    bands, rows = lsh_params(128, 0.7, None, None)
    assert bands * rows <= 128
    later, earlier, _ = similar_pairs(sig, has, bands, rows, 0.7)
    found = set(zip(later.tolist(), earlier.tolist(), strict=True))
    assert found <= planted  # no pair of unrelated texts
    assert len(found) >= 0.9 * len(planted)


def test_estimate_tracks_true_jaccard() -> None:
    rng = random.Random(1)
    base = [f"t{i}" for i in range(200)]
    texts, truth = [], []
    for keep in (0.95, 0.8, 0.6, 0.4):
        other = [w if rng.random() < keep else f"x{rng.random()}" for w in base]
        texts += [" ".join(base), " ".join(other)]
        truth.append(_jaccard(" ".join(base), " ".join(other)))
    sig, _ = signatures(texts, "word", 5, 256)
    est = [float(np.mean(sig[2 * k] == sig[2 * k + 1])) for k in range(4)]
    assert np.max(np.abs(np.array(est) - np.array(truth))) < 0.1


def test_char_shingles_and_short_or_empty_texts() -> None:
    texts = ["how do i make a cake", "how do i make a cake!", "", "", "hi", "hi"]
    sig, has = signatures(texts, "char", 5, 128)
    assert has.tolist() == [True, True, False, False, True, True]
    later, earlier, _ = similar_pairs(sig, has, *lsh_params(128, 0.8, None, None), 0.8)
    pairs = set(zip(later.tolist(), earlier.tolist(), strict=True))
    assert (5, 4) in pairs  # texts shorter than n are one shingle
    assert not any(2 in p or 3 in p for p in pairs)  # empty texts match nothing


def test_explicit_bands_rows_accept_every_candidate() -> None:
    docs, _ = _corpus(2)
    sig, has = signatures(docs, "word", 5, 128)
    loose = similar_pairs(sig, has, 32, 4, None)[0]
    strict = similar_pairs(sig, has, 32, 4, 0.8)[0]
    assert len(loose) >= len(strict) > 0


def test_words_split_like_polars_regex() -> None:
    """Signatures keep their values: Python's split gives polars' `\\S+` tokens, whatever the whitespace
    (U+001C..U+001F are whitespace to Python only; a multi-field key holds U+001F)."""
    import polars as pl

    from safedata.dedup.minhash import words

    rng = random.Random(3)
    odd = [
        "\t",
        "\n",
        "\x0b",
        "\x1c",
        "\x1d",
        "\x1e",
        "\x1f",
        "\x85",
        "\xa0",
        "\u2003",
        "\u2028",
        "\u3000",
        " ",
    ]
    texts = ["", " ", "a \x1f b", "plain words here"]
    texts += [
        "".join(rng.choice([*odd, "w", "é", "語", "x"]) for _ in range(rng.randint(0, 30)))
        for _ in range(300)
    ]
    expected = pl.Series(texts).str.extract_all(r"\S+").to_list()
    assert [words(t) for t in texts] == [e or [] for e in expected]
