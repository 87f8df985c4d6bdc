"""Union-find over duplicate edges, and which row of each cluster stays."""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from safedata.dedup.normalize import DedupRow, KeyTexts


class UnionFind:
    def __init__(self, n: int) -> None:
        self.parent = list(range(n))

    def find(self, x: int) -> int:
        root = x
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[x] != root:  # path compression
            self.parent[x], x = root, self.parent[x]
        return root

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)  # the earliest row is the root: cheap `first` policy

    def union_all(self, edges: Iterable[tuple[int, int]]) -> None:
        for a, b in edges:
            self.union(a, b)

    def roots(self) -> list[int]:
        return [self.find(x) for x in range(len(self.parent))]


# Policy -> sort key over (position, row); the smallest key stays. Ties go to the earliest row, and rows are
# in canonical order (`Record.order`), so `first` is the earliest by that order whatever the blocks were.
KEEP: dict[str, Callable[[int, DedupRow], tuple[int, ...]]] = {
    "first": lambda i, r: (i,),
    "longest": lambda i, r: (-r.length, i),
    "best": lambda i, r: (r.fired, i),
}


@dataclass
class Cluster:
    keeper: int  # index into items: the row kept, or the earlier published row that new rows duplicate
    published: bool
    removed: list[tuple[int, str]]  # (index into items, method that first joined it to the keeper)


def resolve(
    items: list[DedupRow],
    n_published: int,
    passes: list[tuple[str, Callable[[KeyTexts], list[tuple[int, int]]]]],
    keep: str,
    seconds: Counter[str],
) -> list[Cluster]:
    """Run each method's edges through one union-find; pick each cluster's keeper by the policy.

    Items [0, n_published) are earlier output: never removed; a cluster holding one loses all its new rows.
    The union-find is snapshotted after each method, so a removed row is credited to the first method
    that linked it to its keeper.
    """
    uf = UnionFind(len(items))
    texts = KeyTexts(items)
    snapshots: list[tuple[str, list[int]]] = []
    for method, pairs in passes:
        start = time.perf_counter()
        uf.union_all(pairs(texts))
        snapshots.append((method, uf.roots()))
        seconds[method] += time.perf_counter() - start
    comps: dict[int, list[int]] = defaultdict(list)
    for x, root in enumerate(snapshots[-1][1] if snapshots else range(len(items))):
        comps[root].append(x)
    out = []
    for comp in comps.values():
        new = [x for x in comp if x >= n_published]
        if len(comp) < 2 or not new:
            continue
        old = [x for x in comp if x < n_published]
        keeper = old[0] if old else min(new, key=lambda x: KEEP[keep](x, items[x]))
        removed = [
            (x, next(m for m, roots in snapshots if roots[x] == roots[keeper])) for x in new if x != keeper
        ]
        out.append(Cluster(keeper, bool(old), removed))
    return out
