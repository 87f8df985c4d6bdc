"""MinHash near-dup detection: safedata's numpy path against a plain per-row datasketch loop, same rows.

    python -m bench.minhash_dedup                      # 200k rows: all paths side by side
    python -m bench.minhash_dedup --rows 1000000 --only safedata
    python -m bench.minhash_dedup --only stage           # the whole dedup stage on records (exact + MinHash)

Rows: originals of 80-120 words drawn from a 30k-word Zipf vocabulary, plus planted near copies (each an
original with one word substituted; true 5-gram Jaccard 0.91-0.94, above the 0.8 threshold). Every path
uses word 5-gram shingles and num_perm 128. The plain loop uses `MinHashLSH(threshold=0.8)` as people
write it (datasketch's balanced optimum, 9 bands × 13 rows); the other paths use safedata's recall-weighted
12 × 10 and then check each candidate's estimated Jaccard against 0.8. Recall: planted copies that end up
in their original's cluster; precision: merged pairs that are really one family.
"""

from __future__ import annotations

import argparse
import resource
import time
from collections.abc import Callable

import numpy as np

from safedata.dedup.clusters import UnionFind
from safedata.dedup.minhash import lsh_params, signatures, similar_pairs

NUM_PERM, NGRAM, THRESHOLD = 128, 5, 0.8


def make_rows(n: int, dup_share: float, seed: int = 0) -> tuple[list[str], np.ndarray]:
    """Texts and each text's family id (a copy shares its original's family)."""
    rng = np.random.default_rng(seed)
    vocab = np.array([f"w{i}" for i in range(30_000)])
    weights = 1.0 / np.arange(1, len(vocab) + 1)
    weights /= weights.sum()
    n_orig = int(n * (1 - dup_share))
    lengths = rng.integers(80, 121, size=n_orig)
    words = rng.choice(len(vocab), size=int(lengths.sum()), p=weights)
    cuts = np.concatenate([[0], np.cumsum(lengths)])
    originals = [words[cuts[i] : cuts[i + 1]] for i in range(n_orig)]
    texts = [" ".join(vocab[o]) for o in originals]
    family = list(range(n_orig))
    for _ in range(n - n_orig):
        src = int(rng.integers(n_orig))
        copy = originals[src].copy()
        copy[rng.integers(len(copy))] = rng.integers(len(vocab))
        texts.append(" ".join(vocab[copy]))
        family.append(src)
    order = rng.permutation(n)  # copies are not all at the end
    return [texts[i] for i in order], np.asarray(family)[order]


def score(n: int, pairs: list[tuple[int, int]], family: np.ndarray) -> tuple[float, float]:
    uf = UnionFind(n)
    uf.union_all(pairs)
    roots = np.asarray(uf.roots())
    # A planted copy is recalled when it shares a cluster with the first row of its family.
    first: dict[int, int] = {}
    hit = total = 0
    for i, f in enumerate(family.tolist()):
        if f in first:
            total += 1
            hit += roots[i] == roots[first[f]]
        else:
            first[f] = i
    good = sum(family[a] == family[b] for a, b in pairs)
    return hit / max(total, 1), good / max(len(pairs), 1)


def plain_datasketch(texts: list[str], bands: int, rows: int) -> list[tuple[int, int]]:
    """The loop most people write: MinHash per row, query the index, insert (datasketch's own banding)."""
    from datasketch import MinHash, MinHashLSH

    lsh = MinHashLSH(threshold=THRESHOLD, num_perm=NUM_PERM)
    pairs = []
    for i, text in enumerate(texts):
        w = text.split()
        m = MinHash(num_perm=NUM_PERM)
        m.update_batch([" ".join(w[k : k + NGRAM]).encode() for k in range(max(1, len(w) - NGRAM + 1))])
        pairs += [(i, j) for j in lsh.query(m)]
        lsh.insert(i, m)
    return pairs


def ours_with_datasketch_lsh(texts: list[str], bands: int, rows: int) -> list[tuple[int, int]]:
    """Our signatures, datasketch's MinHashLSH index (measured to show what the index costs)."""
    from datasketch import LeanMinHash, MinHashLSH

    sig, _ = signatures(texts, "word", NGRAM, NUM_PERM)
    lsh = MinHashLSH(num_perm=NUM_PERM, params=(bands, rows))
    pairs = []
    for i in range(len(texts)):
        m = LeanMinHash(seed=1, hashvalues=sig[i], scheme="affine32")
        pairs += [(i, j) for j in lsh.query(m) if np.mean(sig[i] == sig[j]) >= THRESHOLD]
        lsh.insert(i, m, check_duplication=False)
    return pairs


def rensa_loop(texts: list[str], bands: int, rows: int) -> list[tuple[int, int]]:
    """rensa (Rust MinHash + LSH) with Python shingling; it needs num_perm divisible by bands."""
    from rensa import RMinHash, RMinHashLSH

    nb = max(b for b in range(1, NUM_PERM + 1) if NUM_PERM % b == 0 and b <= bands)
    lsh = RMinHashLSH(threshold=THRESHOLD, num_perm=NUM_PERM, num_bands=nb)
    sketches, pairs = [], []
    for i, text in enumerate(texts):
        w = text.split()
        m = RMinHash(num_perm=NUM_PERM, seed=42)
        m.update([" ".join(w[k : k + NGRAM]) for k in range(max(1, len(w) - NGRAM + 1))])
        for j in lsh.query(m):
            if sketches[j].jaccard(m) >= THRESHOLD:
                pairs.append((i, j))
        lsh.insert(i, m)
        sketches.append(m)
    return pairs


def safedata_path(texts: list[str], bands: int, rows: int) -> list[tuple[int, int]]:
    sig, has = signatures(texts, "word", NGRAM, NUM_PERM)
    later, earlier, _ = similar_pairs(sig, has, bands, rows, THRESHOLD)
    return list(zip(later.tolist(), earlier.tolist(), strict=True))


def dedup_stage(texts: list[str], bands: int, rows: int) -> list[tuple[int, int]]:
    """The whole stage on records (built inside the timing): normalise, exact, MinHash, clusters file."""
    import json
    import tempfile
    from pathlib import Path

    from safedata.api import load
    from safedata.dedup.stage import DedupStage
    from safedata.pipeline import BuildContext
    from safedata.progress import Progress
    from safedata.schemas.record import Record

    recs = [
        Record(id=str(i), prompt=t, kind="harmful", source="b", variant="template")
        for i, t in enumerate(texts)
    ]
    out = Path(tempfile.mkdtemp())
    recipe = {"name": "b", "sources": [{"type": "seeds", "set": "harmful"}], "dedup": {"minhash": {}}}
    ctx = BuildContext(loaded=load(recipe, str(out)), out_dir=out, progress=Progress(False))
    kept = sum(1 for _ in DedupStage().run(iter(recs), ctx))
    # For scoring: each removed row paired with its cluster's kept row, read back from the clusters file.
    pairs = []
    for line in (out / "dedup_clusters.jsonl").read_text().splitlines():
        c = json.loads(line)
        pairs += [(int(x["id"]), int(c["kept"]["id"])) for x in c["removed"]]
    assert kept + len(pairs) == len(texts)
    return pairs


PATHS: dict[str, Callable[[list[str], int, int], list[tuple[int, int]]]] = {
    "plain datasketch loop": plain_datasketch,
    "safedata signatures + datasketch MinHashLSH": ours_with_datasketch_lsh,
    "rensa loop (python shingles)": rensa_loop,
    "safedata (numpy signatures + banding)": safedata_path,
    "safedata dedup stage on records (incl. Records)": dedup_stage,
}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=200_000)
    ap.add_argument("--dup-share", type=float, default=0.2)
    ap.add_argument("--only", choices=["all", "safedata", "stage"], default="all")
    args = ap.parse_args()
    t = time.perf_counter()
    texts, family = make_rows(args.rows, args.dup_share)
    print(
        f"{args.rows:,} rows ({args.dup_share:.0%} planted near copies) "
        f"generated in {time.perf_counter() - t:.1f} s"
    )
    bands, rows = lsh_params(NUM_PERM, THRESHOLD, None, None)
    print(
        f"word {NGRAM}-grams, num_perm {NUM_PERM}, threshold {THRESHOLD}; "
        f"safedata bands x rows {bands} x {rows}"
    )
    names = {
        "all": list(PATHS)[:4],
        "safedata": ["safedata (numpy signatures + banding)"],
        "stage": ["safedata dedup stage on records (incl. Records)"],
    }[args.only]
    base = None
    for name in names:
        t = time.perf_counter()
        pairs = PATHS[name](texts, bands, rows)
        secs = time.perf_counter() - t
        recall, precision = score(len(texts), pairs, family)
        base = base or secs
        print(
            f"{name:46s} {secs:8.1f} s {len(texts) / secs:10,.0f} rows/s  x{base / secs:5.1f}  "
            f"recall {recall:.4f}  precision {precision:.4f}"
        )
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2:.2f} GiB")


if __name__ == "__main__":
    main()
