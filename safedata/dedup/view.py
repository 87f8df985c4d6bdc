"""The narrow view dedup decides on, compact: a block of rows as a few fixed-size numpy columns.

A row costs the same few hundred bytes however long its texts are: its order key, its group label, the two
numbers the keep policies compare, a 128-bit digest of each exact key text, and for MinHash its signature and
LSH band keys. These are computed by `view()`, a block at a time, where the runner's workers run it; the
driver only groups, buckets and resolves. Semantic dedup alone keeps its key texts (it embeds them).
Previews for the clusters file (id, prompt head) are not in the view: the stage fetches them afterwards for
the rows that ended up in clusters (`Decision.fetch`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from safedata.dedup.exact import digests
from safedata.dedup.normalize import key_text
from safedata.schemas.dedup import Dedup
from safedata.schemas.record import Order, Record

Fields = tuple[str, ...]


@dataclass
class MinHashView:
    bands: np.ndarray  # (n, bands) uint64: the LSH band keys
    has: np.ndarray  # (n,) bool: the key text had a shingle
    # (n, num_perm) uint32, to check candidates against the threshold: in memory, or (most of a build's view
    # bytes) spilled to `file`, from which only the rows of candidate pairs are read back.
    sig: np.ndarray | None = None
    file: Path | None = None

    def signatures(self) -> np.ndarray:
        if self.sig is None:
            assert self.file is not None
            self.sig = np.load(self.file, mmap_mode="r")
        return self.sig

    def discard(self) -> None:
        """Remove the spilled signatures (the decision is taken), and their folders once empty (a dry run
        leaves no work folder behind)."""
        if self.file is not None:
            self.sig = None
            self.file.unlink(missing_ok=True)
            for folder in (self.file.parent, self.file.parent.parent):
                with suppress(OSError):  # not empty: other blocks' files, or the runner's spills
                    folder.rmdir()


@dataclass
class DedupBlock:
    """One block's view: row i of every column is the block's row i, in canonical order."""

    order: np.ndarray  # (n, 5) int64: canonical order keys
    label: np.ndarray  # (n,) int32: index into `labels`, the row's group label (its variant)
    labels: list[str | None]
    sample: np.ndarray  # (n,) int64: sample index
    fired: np.ndarray  # (n,) int64: risk labels that fired (`keep: best`)
    length: np.ndarray  # (n,) int64: thought + answer characters (`keep: longest`)
    exact: dict[Fields, np.ndarray] = field(default_factory=dict)  # field choice -> (n, 2) uint64 digests
    minhash: MinHashView | None = None
    texts: dict[Fields, list[str]] = field(default_factory=dict)  # semantic's key texts

    def __len__(self) -> int:
        return len(self.order)


def dedup_block(
    records: list[Record], cfg: Dedup, label: Callable[[Record], str | None], spill: Path | None = None
) -> DedupBlock:
    """The view of `records` for the methods `cfg` configures; `label` names each row's group. MinHash
    signatures go to a file in the folder `spill` when one is given."""
    names: dict[str | None, int] = {}
    codes = [names.setdefault(label(r), len(names)) for r in records]
    n = len(records)
    block = DedupBlock(
        order=np.array([r.order for r in records], dtype=np.int64).reshape(n, 5),
        label=np.array(codes, dtype=np.int32),
        labels=list(names),
        sample=np.fromiter((r.sample_index for r in records), dtype=np.int64, count=n),
        fired=np.fromiter((sum(1 for v in r.labels.values() if v) for r in records), dtype=np.int64, count=n),
        length=np.fromiter(
            (len(r.reasoning or "") + len(r.answer or "") for r in records), dtype=np.int64, count=n
        ),
    )
    keys: dict[Fields, list[str]] = {}

    def texts(fields: list[str]) -> list[str]:  # exact and MinHash often compare the same fields
        key = tuple(fields)
        if key not in keys:
            keys[key] = [key_text(r, fields) for r in records]
        return keys[key]

    if cfg.exact is not None:
        block.exact[tuple(cfg.exact.fields)] = digests(texts(cfg.exact.fields))
    if (mh := cfg.minhash) is not None:
        from safedata.dedup.minhash import band_keys, lsh_params, signatures

        sig, has = signatures(texts(mh.fields), mh.shingle, mh.ngram, mh.num_perm, mh.seed)
        bands = band_keys(sig, *lsh_params(mh.num_perm, mh.threshold, mh.bands, mh.rows))
        block.minhash = MinHashView(bands, has, sig)
        if spill is not None and len(records):
            spill.mkdir(parents=True, exist_ok=True)
            # Named by the block's first order key: blocks of one stage never share it.
            block.minhash.file = spill / f"{'-'.join(map(str, records[0].order))}.npy"
            np.save(block.minhash.file, sig)
            block.minhash.sig = None
    if cfg.semantic is not None:
        block.texts[tuple(cfg.semantic.fields)] = texts(cfg.semantic.fields)
    return block


class Group:
    """The rows of one dedup group, gathered from several blocks: item i is row `offset[i]` of part
    `part[i]`. Columns are concatenated on demand, one at a time."""

    def __init__(self, parts: list[tuple[DedupBlock, np.ndarray]]) -> None:
        self.parts = parts
        self.part = np.repeat(np.arange(len(parts)), [len(rows) for _, rows in parts])
        self.offset = np.concatenate([rows for _, rows in parts]) if parts else np.zeros(0, np.int64)

    def __len__(self) -> int:
        return len(self.offset)

    def column(self, get: Callable[[DedupBlock], np.ndarray]) -> np.ndarray:
        return np.concatenate([get(block)[rows] for block, rows in self.parts])

    def take(self, get: Callable[[DedupBlock], np.ndarray], items: np.ndarray) -> np.ndarray:
        """Rows `items` of a column, gathered block by block (never the whole group's column at once)."""
        part = self.part[items]
        by_part = np.argsort(part, kind="stable")
        first = get(self.parts[0][0])
        out = np.empty((len(items), *first.shape[1:]), dtype=first.dtype)
        for run in np.split(by_part, np.flatnonzero(np.diff(part[by_part])) + 1):
            if len(run):
                out[run] = get(self.parts[part[run[0]]][0])[self.offset[items[run]]]
        return out

    def texts(self, fields: list[str]) -> list[str]:
        key = tuple(fields)
        return [block.texts[key][i] for block, rows in self.parts for i in rows.tolist()]

    def order(self, item: int) -> Order:
        block = self.parts[self.part[item]][0]
        return tuple(block.order[self.offset[item]].tolist())  # type: ignore[return-value]


@contextmanager
def discarded(view: list[DedupBlock]) -> Iterator[None]:
    """The view's spilled signatures removed once the decision is taken (or fails)."""
    try:
        yield
    finally:
        for block in view:
            if block.minhash is not None:
                block.minhash.discard()
