"""Blocks of records between stages: a parquet file under the output's work area (one row group per block),
or a list in memory for small runs (plans, direct calls). Each row is stored as its record's JSON.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from safedata.schemas.record import Record


@dataclass
class Encoded:
    """A block as a worker hands it to a global stage: its rows' JSON and that stage's view of them, so the
    driver spills and views it without decoding a row."""

    texts: list[str]
    view: list[Any]


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
        self.write_texts([r.model_dump_json() for r in block])

    def write_texts(self, texts: list[str]) -> None:
        """A block already encoded (as record JSON, by a worker process)."""
        if not texts:
            return
        if self.path is None:
            self.write([Record.model_validate_json(t) for t in texts])
            return
        import pyarrow as pa
        import pyarrow.parquet as pq

        self.rows += len(texts)
        table = pa.table({"record": texts})
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
        if not self.path.exists():
            return
        import pyarrow.parquet as pq

        f = pq.ParquetFile(str(self.path))
        for g in range(f.num_row_groups):
            texts = f.read_row_group(g, columns=["record"]).column(0).to_pylist()
            yield [Record.model_validate_json(t) for t in texts]

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
