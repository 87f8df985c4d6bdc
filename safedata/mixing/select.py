"""Which rows of a kind the mix keeps: stratified by variant (and category), then random / diverse / hardest.

`diverse` is cluster-balanced sampling: k-means on the prompt embeddings (k = the target, at most 256 unless
`clusters` says), then an equal share per cluster (water-filling, so small clusters give all they have)
and a seeded random pick inside each cluster. Chosen over k-center greedy because k-center picks the
farthest rows first, which on scraped prompts are outliers (garbage, odd languages); balancing clusters
spreads rows over topics and still draws typical rows. Cost: O(n·k) per k-means pass, never O(n²).
"""

from __future__ import annotations

import random
from collections import defaultdict

import numpy as np

from safedata.mixing.targets import equal_split, largest_remainder
from safedata.schemas.mix import Mix
from safedata.schemas.record import Record

_MAX_CLUSTERS = 256


def _random(rows: list[int], n: int, rng: random.Random) -> list[int]:
    return sorted(rng.sample(rows, n))


def hardness(rec: Record) -> int:
    """Risk labels that fired on this row: rows the teacher got wrong more often are harder."""
    return sum(1 for v in rec.labels.values() if v)


def _hardest(recs: list[Record], rows: list[int], n: int, rng: random.Random) -> list[int]:
    tiebreak = {i: rng.random() for i in rows}
    return sorted(sorted(rows, key=lambda i: (-hardness(recs[i]), tiebreak[i]))[:n])


def _diverse(rows: list[int], n: int, emb: np.ndarray, cfg: Mix, seed: int, rng: random.Random) -> list[int]:
    from safedata.dedup.embed import kmeans

    labels, _ = kmeans(emb[rows], cfg.clusters or min(n, _MAX_CLUSTERS), seed)
    members: dict[str, list[int]] = defaultdict(list)
    for i, c in zip(rows, labels.tolist(), strict=True):
        members[str(c)].append(i)
    share = equal_split({c: len(m) for c, m in members.items()}, n)
    return sorted(i for c, m in members.items() for i in rng.sample(m, share[c]))


def select(
    recs: list[Record], rows: list[int], n: int, cfg: Mix, seed: int, emb: np.ndarray | None
) -> list[int]:
    """n of `rows` (indices into recs), stratified, then picked by `cfg.select`; sorted, deterministic."""
    by_variant: dict[str, list[int]] = defaultdict(list)
    for i in rows:
        by_variant[recs[i].variant or ""].append(i)
    # Variants keep their share of the kind; categories (when balanced) get equal shares.
    per_variant = largest_remainder({v: len(r) for v, r in by_variant.items()}, n)
    strata: list[tuple[str, list[int], int]] = []
    for variant, vrows in sorted(by_variant.items()):
        vn = per_variant[variant]
        if cfg.balance_categories and recs[vrows[0]].kind == "harmful":
            by_cat: dict[str, list[int]] = defaultdict(list)
            for i in vrows:
                by_cat[recs[i].category or ""].append(i)
            share = equal_split({c: len(r) for c, r in by_cat.items()}, vn)
            strata += [(f"{variant}/{c}", r, share[c]) for c, r in sorted(by_cat.items())]
        else:
            strata.append((variant, vrows, vn))
    picked: list[int] = []
    for name, srows, sn in strata:
        rng = random.Random(f"{seed}:{name}")
        if sn >= len(srows):
            picked += srows
        elif cfg.select == "diverse" and emb is not None:
            picked += _diverse(srows, sn, emb, cfg, seed, rng)
        elif cfg.select == "hardest":
            picked += _hardest(recs, srows, sn, rng)
        else:
            picked += _random(srows, sn, rng)
    return sorted(picked)
