"""Blocks of records between stages: a parquet file under the output's work area (one row group per block),
or a list in memory for small runs (plans, direct calls). Each row is stored as its record's JSON, next to its
order key (so a runner can cut, drop and hand out rows without decoding them).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

from safedata.schemas.record import Order, Record


@dataclass
class Encoded:
    """A block as a worker hands it to a global stage (or the writer): its rows' JSON, their order keys and
    that stage's view of them, so the driver spills and views it without decoding a row."""

    texts: list[str]
    orders: list[Order]
    view: Any


class Line(NamedTuple):
    """A spilled row still encoded: its order key (what `cut` and a decision look at) and its JSON."""

    order: Order
    text: str


class Spill:
    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.rows = 0
        self._held: list[list[Record]] = []
        self._writer: Any = None

    def write(self, block: list[Record]) -> None:
        if not block:
            return
        if self.path is None:
            self.rows += len(block)
            self._held.append(block)
            return
        self.write_texts([r.model_dump_json() for r in block], [r.order for r in block])

    def write_texts(self, texts: list[str], orders: list[Order]) -> None:
        """A block already encoded (as record JSON, by a worker process), with its rows' order keys."""
        if not texts:
            return
        if self.path is None:
            self.write([Record.model_validate_json(t) for t in texts])
            return
        import numpy as np
        import pyarrow as pa
        import pyarrow.parquet as pq

        self.rows += len(texts)
        keys = pa.array(np.array(orders, dtype=np.int64).ravel())
        table = pa.table({"record": texts, "order": pa.FixedSizeListArray.from_arrays(keys, len(orders[0]))})
        if self._writer is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._writer = pq.ParquetWriter(str(self.path), table.schema, compression="zstd")
        self._writer.write_table(table)

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None

    def __len__(self) -> int:
        return self.rows

    def blocks(self) -> Iterator[list[Record]]:
        """The blocks as written, in order (decoded one row group at a time)."""
        self.close()
        if self.path is None:
            yield from self._held
            return
        for lines in self.lines():
            yield [Record.model_validate_json(line.text) for line in lines]

    def lines(self) -> Iterator[list[Line]]:
        """The blocks as written, still encoded: each row's order key and JSON."""
        self.close()
        if self.path is None:
            for block in self._held:
                yield [Line(r.order, r.model_dump_json()) for r in block]
            return
        if not self.path.exists():
            return
        import pyarrow.parquet as pq

        f = pq.ParquetFile(str(self.path))
        for g in range(f.num_row_groups):
            group = f.read_row_group(g, columns=["record", "order"])
            orders = group.column(1).combine_chunks()
            keys = orders.flatten().to_numpy().reshape(-1, orders.type.list_size).tolist()
            yield list(map(Line._make, zip(map(tuple, keys), group.column(0).to_pylist(), strict=True)))

    def records(self) -> list[Record]:
        return [r for block in self.blocks() for r in block]

    def moved(self) -> Spill:
        """This spill, its file moved to a temporary folder that goes when the returned spill is collected
        (a build's work area is removed when the build ends; its result may still read the rows)."""
        self.close()
        if self.path is None or not self.path.exists():
            return self
        import shutil
        import tempfile
        import weakref

        folder = Path(tempfile.mkdtemp(prefix="safedata-rows-"))
        moved = Spill(Path(shutil.move(str(self.path), folder / self.path.name)))
        moved.rows = self.rows
        weakref.finalize(moved, shutil.rmtree, folder, ignore_errors=True)
        return moved

    def remove(self) -> None:
        self.close()
        self._held = []
        if self.path is not None:
            self.path.unlink(missing_ok=True)
