"""Which rows of a kind the mix keeps: stratified by variant (and category), then random / diverse / hardest.

`diverse` is k-center greedy (farthest-first) on normalised prompt embeddings: start from a seeded random
row, then repeatedly add the row farthest (cosine) from everything chosen so far. Each step is one
matrix-vector product, so n rows and k picks cost O(n·k·dim), never O(n²). Chosen over cluster-balanced
sampling because k-means spends its centres where the mass is: on the planted test set (one topic of 150
prompts, nine of 4) ten k-means-balanced picks covered 5 topics, k-center covers all 10. Rare topics are what
a diverse pick is for; its known weakness, reaching for outliers first, is softened by dedup running before.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass

import numpy as np

from safedata.mixing.targets import equal_split, largest_remainder
from safedata.schemas.mix import Mix
from safedata.schemas.record import Order, Record


@dataclass(slots=True)
class MixRow:
    """The narrow view of a row the mix decides on."""

    order: Order
    kind: str
    variant: str | None
    category: str | None
    judged: bool  # has risk labels (`hardest` needs them)
    hardness: int
    prompt: str  # only kept for `select: diverse` (embedded); empty otherwise
    prompt_len: int  # words or tokens, for the length report of the final rows
    response_len: int


def _random(rows: list[int], n: int, rng: random.Random) -> list[int]:
    return sorted(rng.sample(rows, n))


def hardness(rec: Record) -> int:
    """How often the filters flagged this row: risk labels firing now plus repairs it needed."""
    repairs = sum(1 for p in rec.provenance if p.stage == "filters" and p.action.startswith("repair:"))
    return sum(1 for v in rec.labels.values() if v) + repairs


def _hardest(recs: list[MixRow], rows: list[int], n: int, rng: random.Random) -> list[int]:
    tiebreak = {i: rng.random() for i in rows}
    return sorted(sorted(rows, key=lambda i: (-recs[i].hardness, tiebreak[i]))[:n])


def _k_center(rows: list[int], n: int, emb: np.ndarray, rng: random.Random) -> list[int]:
    x = emb[rows]
    first = rng.randrange(len(rows))
    chosen = [first]
    dist = 1.0 - x @ x[first]
    dist[first] = -1.0  # below any cosine distance, so the minimum keeps it: never picked twice
    for _ in range(n - 1):
        nxt = int(np.argmax(dist))
        chosen.append(nxt)
        np.minimum(dist, 1.0 - x @ x[nxt], out=dist)
        dist[nxt] = -1.0
    return sorted(rows[i] for i in chosen)


def select(
    recs: list[MixRow], rows: list[int], n: int, cfg: Mix, seed: int, emb: np.ndarray | None
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
            picked += _k_center(srows, sn, emb, rng)
        elif cfg.select == "hardest":
            picked += _hardest(recs, srows, sn, rng)
        else:
            picked += _random(srows, sn, rng)
    return sorted(picked)
