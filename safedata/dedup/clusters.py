"""Union-find over duplicate edges, and which row of each cluster stays."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from safedata.schemas.record import Record


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


def _fired(rec: Record) -> int:
    return sum(1 for v in rec.labels.values() if v)


def _length(rec: Record) -> int:
    return len(rec.reasoning or "") + len(rec.answer or "")


# Policy -> sort key over (position, record); the smallest key stays. Ties always go to the earliest row.
KEEP: dict[str, Callable[[int, Record], tuple[int, ...]]] = {
    "first": lambda i, r: (i,),
    "longest": lambda i, r: (-_length(r), i),
    "best": lambda i, r: (_fired(r), i),
}
