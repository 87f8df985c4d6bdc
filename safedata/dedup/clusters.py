"""Union-find over duplicate edges, and which row of each cluster stays."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from safedata.dedup.view import Group

# A method's edges over a group's items: (m, 2) (later, earlier) item pairs.
Pairs = Callable[[Group], np.ndarray]


class UnionFind:
    """Parents in one numpy array (8 bytes a row); unions one edge at a time (edges are few: duplicates),
    roots for all rows at once by pointer jumping."""

    def __init__(self, n: int) -> None:
        self.parent = np.arange(n, dtype=np.int64)

    def find(self, x: int) -> int:
        parent = self.parent
        root = x
        while parent[root] != root:
            root = int(parent[root])
        while parent[x] != root:  # path compression
            parent[x], x = root, int(parent[x])
        return root

    def union_all(self, edges: np.ndarray) -> None:
        for a, b in edges.tolist():
            ra, rb = self.find(a), self.find(b)
            if ra != rb:
                self.parent[max(ra, rb)] = min(ra, rb)  # the earliest row is the root: cheap `first` policy

    def roots(self) -> np.ndarray:
        roots = self.parent.copy()
        while True:
            up = roots[roots]
            if np.array_equal(up, roots):
                return roots
            roots = up


# Policy -> what a cluster's rows are ranked by (smallest stays); ties go to the earliest row, and rows are
# in canonical order (`Record.order`), so `first` is the earliest by that order whatever the blocks were.
KEEP: dict[str, Callable[[Group], list[np.ndarray]]] = {
    "first": lambda g: [],
    "longest": lambda g: [-g.column(lambda b: b.length)],
    "best": lambda g: [g.column(lambda b: b.fired)],
}


@dataclass
class Cluster:
    keeper: int  # index into items: the row kept, or the earlier published row that new rows duplicate
    published: bool
    removed: list[tuple[int, str]]  # (index into items, method that first joined it to the keeper)


def resolve(
    items: Group, n_published: int, passes: list[tuple[str, Pairs]], keep: str, seconds: Counter[str]
) -> list[Cluster]:
    """Run each method's edges through one union-find; pick each cluster's keeper by the policy.

    Items [0, n_published) are earlier output: never removed; a cluster holding one loses all its new rows.
    The roots are snapshotted after each method, so a removed row is credited to the first method that
    linked it to its keeper.
    """
    uf = UnionFind(len(items))
    snapshots: list[tuple[str, np.ndarray]] = []
    for method, pairs in passes:
        start = time.perf_counter()
        uf.union_all(pairs(items))
        snapshots.append((method, uf.roots()))
        seconds[method] += time.perf_counter() - start
    if not snapshots:
        return []
    roots = snapshots[-1][1]
    # Clusters in the order of their roots (each cluster's earliest item), members in item order. Only
    # clusters of two or more are cut out: one array per row would cost ~100 bytes a row at 10M rows.
    by_root = np.argsort(roots, kind="stable")
    starts = np.flatnonzero(np.diff(roots[by_root], prepend=-1))
    sizes = np.diff(starts, append=len(by_root))
    ranks = KEEP[keep](items)
    out = []
    for start, size in zip(starts[sizes > 1].tolist(), sizes[sizes > 1].tolist(), strict=True):
        comp = by_root[start : start + size]
        if comp[-1] < n_published:
            continue
        old = comp[comp < n_published]
        new = comp[comp >= n_published]
        if len(old):
            keeper = int(old[0])
        else:
            keeper = int(new[np.lexsort((new, *(r[new] for r in reversed(ranks))))[0]])
        removed = [
            (x, next(m for m, r in snapshots if r[x] == r[keeper])) for x in new.tolist() if x != keeper
        ]
        out.append(Cluster(keeper, bool(len(old)), removed))
    return out
