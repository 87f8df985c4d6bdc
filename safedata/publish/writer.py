"""Write records as a Hub-style parquet dataset: data/<config>/<split>-XXXXX-of-YYYYY-<hash>.parquet.

Configs: `default` (the whole mix, every kind and variant), `prompt_completion` (the same rows in TRL's
conversational prompt/completion form: loss on the answer under any chat template), and one per variant.
Splits: `train` and, when the recipe holds prompts out (`output.test_size`), `test`.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from safedata.dedup.exact import digest
from safedata.publish.columns import prompt_completion, record_rows, to_table
from safedata.publish.report import Composition
from safedata.publish.splits import group_hash, test_groups
from safedata.schemas.record import Record


def _id_hash(row_id: str) -> int:
    """A row id as a signed 64-bit digest, the same in every process (Python's str hash is salted per
    interpreter, so chunks made by workers not forked from the driver would not compare)."""
    return int.from_bytes(digest(row_id)[:8], "little", signed=True)


DEFAULT = "default"
PROMPT_COMPLETION = "prompt_completion"
RESERVED = (DEFAULT, PROMPT_COMPLETION)
ROW_GROUP = 10_000  # rows per parquet row group: the writer holds about this many per config and split


def _scrubbed(value: Any, scrub: Callable[[str], str]) -> Any:
    if isinstance(value, str):
        return scrub(value)
    if isinstance(value, list):
        return [_scrubbed(v, scrub) for v in value]
    if isinstance(value, dict):
        return {k: _scrubbed(v, scrub) for k, v in value.items()}
    return value


def _final_name(tmp: Path, split: str, k: int, n_shards: int) -> Path:
    # A content hash in the name: `load_dataset(folder, config)` caches by file names, so a rebuild into the
    # same folder would otherwise load the previous build's rows from its cache.
    content = hashlib.sha256(tmp.read_bytes()).hexdigest()[:10]
    return tmp.with_name(f"{split}-{k:05d}-of-{n_shards:05d}-{content}.parquet")


def _write_split(table: Any, folder: Path, split: str, shard_rows: int, root: Path) -> list[str]:
    import pyarrow.parquet as pq

    folder.mkdir(parents=True, exist_ok=True)
    n_shards = max(1, -(-table.num_rows // shard_rows))
    paths = []
    for k in range(n_shards):
        tmp = folder / f".{split}-{k:05d}.tmp"
        pq.write_table(table.slice(k * shard_rows, shard_rows), tmp)
        path = _final_name(tmp, split, k, n_shards)
        tmp.rename(path)
        paths.append(path.relative_to(root).as_posix())
    return paths


class _Shards:
    """One config's split, written as it streams: shards of `shard_rows` rows, row groups of a fixed size
    (so the bytes, and the names' hashes, do not depend on how the rows arrived)."""

    def __init__(self, folder: Path, split: str, shard_rows: int) -> None:
        self.folder, self.split, self.shard_rows = folder, split, shard_rows
        self.group_rows = min(shard_rows, ROW_GROUP)
        self.pending: list[Any] = []
        self.held = 0  # rows in `pending`
        self.in_shard = 0  # rows in the open shard
        self.tmps: list[Path] = []
        self.schema: Any = None
        self._writer: Any = None

    def add(self, table: Any) -> None:
        if self.schema is None:
            self.schema = table.schema
        if table.num_rows:
            self.pending.append(table)
            self.held += table.num_rows
        while self.held >= min(self.group_rows, self.shard_rows - self.in_shard):
            self._write(min(self.group_rows, self.shard_rows - self.in_shard))

    def _write(self, n: int) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        table = pa.concat_tables(self.pending) if self.pending else self.schema.empty_table()
        self.pending = [table.slice(n)] if table.num_rows > n else []
        self.held -= min(n, table.num_rows)
        if self._writer is None:
            self.folder.mkdir(parents=True, exist_ok=True)
            self.tmps.append(self.folder / f".{self.split}-{len(self.tmps):05d}.tmp")
            self._writer = pq.ParquetWriter(str(self.tmps[-1]), self.schema)
        self._writer.write_table(table.slice(0, n), row_group_size=n or None)
        self.in_shard += min(n, table.num_rows)
        if self.in_shard >= self.shard_rows:
            self._writer.close()
            self._writer, self.in_shard = None, 0

    def close(self, root: Path) -> list[str]:
        if self.held:
            self._write(self.held)
        if self._writer is not None:
            self._writer.close()
        if not self.tmps:  # an empty train split still gets its (empty) shard
            self._write(0)
            self._writer.close()
        paths = []
        for k, tmp in enumerate(self.tmps):
            path = _final_name(tmp, self.split, k, len(self.tmps))
            tmp.rename(path)
            paths.append(path.relative_to(root).as_posix())
        return paths


def _conformed(table: Any, schema: Any, ids: dict[str, int]) -> Any:
    """A chunk cast to the build's schema (inferred per chunk, unified over all), its repeated ids made
    unique in order (`make_ids_unique`'s `-2`, `-3`, ...)."""
    import pyarrow as pa

    table = table.cast(schema)
    if ids:
        column = table.column("id").to_pylist()
        for i, v in enumerate(column):
            if v in ids:
                ids[v] += 1
                if ids[v] > 1:
                    column[i] = f"{v}-{ids[v]}"
        table = table.set_column(table.schema.get_field_index("id"), "id", pa.array(column, pa.string()))
    return table


def _write_chunk(path: Path, table: Any) -> None:
    import pyarrow as pa

    with pa.OSFile(str(path), "wb") as f, pa.ipc.new_file(f, table.schema) as w:
        w.write_table(table)


def _read_chunk(path: Path) -> Any:
    import pyarrow as pa

    with pa.memory_map(str(path)) as source:
        table = pa.ipc.open_file(source).read_all()
    path.unlink(missing_ok=True)
    return table


@dataclass
class Chunk:
    """A block of final rows as the writer keeps it: an Arrow file under `work` (its types inferred, as
    `to_table` does for one table), two integers per row (its id's hash, its prompt group's) and the rows'
    composition. Made by `ConfigWriter.view`, in a worker process when the build has them."""

    path: Path
    schema: Any
    ids: Any
    groups: Any
    counts: Composition


class ConfigWriter:
    """Every config's splits under out_dir/data, from the final rows' blocks as they come (`add`), written at
    `finish`: config -> split -> shard paths (relative), and the rows' composition.

    Memory holds a block, not the dataset: each block becomes a `Chunk` on disk (`view`, which a worker may
    run; `add_chunk` here, in block order); `finish` casts every chunk to the union of their types and
    streams it into the shards."""

    def __init__(
        self,
        out_dir: Path,
        shard_rows: int,
        work: Path,
        *,
        test_size: float = 0.0,
        seed: int = 0,
        scrub: Callable[[str], str] | None = None,
    ) -> None:
        self.out_dir, self.shard_rows, self.work = out_dir, shard_rows, work
        self.test_size, self.seed, self.scrub = test_size, seed, scrub
        self.chunks: list[Path] = []
        self.schemas: list[Any] = []
        self.ids: list[Any] = []
        self.groups: list[Any] = []
        self.counts = Composition()

    def view(self, block: list[Record], ctx: object = None) -> Chunk | None:
        """A block as a `Chunk` (None: an empty block). Touches nothing of this writer's state, so the
        runner may call it in its workers (the `then` of its last pooled stages)."""
        import numpy as np

        if not block:
            return None
        counts = Composition()
        counts.add(block)
        rows = record_rows(block)
        if self.scrub is not None:  # a secret that reached a record (an ${ENV} in a source id, say) stays out
            rows = [_scrubbed(row, self.scrub) for row in rows]
        table = to_table(rows)
        ids = np.array([_id_hash(r.id) for r in block], dtype=np.int64)
        groups = None
        if self.test_size > 0:
            groups = np.array([group_hash(r, self.seed) for r in block], dtype=np.uint64)
        self.work.mkdir(parents=True, exist_ok=True)
        path = self.work / f"chunk-{uuid.uuid4().hex}.arrow"
        _write_chunk(path, table)
        return Chunk(path, table.schema, ids, groups, counts)

    def add(self, block: list[Record]) -> None:
        self.add_chunk(self.view(block))

    def add_chunk(self, chunk: Chunk | None) -> None:
        """The next block's chunk, in order."""
        if chunk is None:
            return
        self.counts.merge(chunk.counts)
        self.ids.append(chunk.ids)
        if chunk.groups is not None:
            self.groups.append(chunk.groups)
        self.chunks.append(chunk.path)
        self.schemas.append(chunk.schema)

    def _schema(self) -> Any:
        import pyarrow as pa

        try:
            return pa.unify_schemas(self.schemas, promote_options="permissive")
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            # A free-form column (meta, judgements) whose types differ between chunks: typed as one table,
            # as `to_table` does (its text fallback), in memory. Rare: a source whose column mixes types.
            table = to_table([row for path in self.chunks for row in _read_chunk(path).to_pylist()])
            del self.chunks[1:]
            _write_chunk(self.chunks[0], table)
            return table.schema

    def finish(self) -> tuple[dict[str, dict[str, list[str]]], dict[str, dict[str, int]]]:
        import numpy as np
        import pyarrow as pa
        import pyarrow.compute as pc

        if not self.chunks:
            return {}, self.counts.result()
        schema = self._schema()
        # Repeated ids (the same prompt twice in a source): only those are tracked through the second pass.
        values, n = np.unique(np.concatenate(self.ids), return_counts=True)
        repeated = set(values[n > 1].tolist())
        groups = np.concatenate(self.groups) if self.groups else np.zeros(0, np.uint64)
        test = test_groups(groups, self.test_size)
        in_test = np.isin(groups, np.array(sorted(test), dtype=np.uint64)) if test else None
        self.ids = self.groups = []
        sinks: dict[tuple[str, str], _Shards] = {}

        def sink(config: str, split: str, part: Any) -> None:
            if (config, split) not in sinks:
                sinks[config, split] = _Shards(self.out_dir / "data" / config, split, self.shard_rows)
            sinks[config, split].add(part)

        seen: dict[str, int] = {}
        at = 0
        for path in self.chunks:
            table = _read_chunk(path)
            if repeated:
                ids = table.column("id").to_pylist()
                seen.update({v: 0 for v in ids if _id_hash(v) in repeated and v not in seen})
            table = _conformed(table, schema, seen)
            rows_here = slice(at, at + table.num_rows)
            mask = pa.array(in_test[rows_here] if in_test is not None else np.zeros(table.num_rows, bool))
            at += table.num_rows
            for split, rows in (("train", pc.invert(mask)), ("test", mask)):
                part = table.filter(rows)
                if not part.num_rows and split == "test":
                    continue
                sink(DEFAULT, split, part)
                sink(PROMPT_COMPLETION, split, prompt_completion(part))
                for v in sorted(set(part.column("variant").to_pylist()) - set(RESERVED)):
                    sink(v, split, part.filter(pc.equal(part.column("variant"), v)))
        files: dict[str, dict[str, list[str]]] = {}
        for config in (DEFAULT, PROMPT_COMPLETION, *sorted({c for c, _ in sinks} - set(RESERVED))):
            files[config] = {}
            for split in ("train", "test"):
                if (config, split) in sinks:
                    files[config][split] = sinks[config, split].close(self.out_dir)
                elif split == "train":  # every config has a train split, empty if all its rows were held out
                    empty = _Shards(self.out_dir / "data" / config, split, self.shard_rows)
                    empty.add(sinks[config, "test"].schema.empty_table())
                    files[config][split] = empty.close(self.out_dir)
        return files, self.counts.result()


def write_config(
    rows: list[dict[str, Any]],
    out_dir: Path,
    config: str,
    shard_rows: int,
    scrub: Callable[[str], str] | None = None,
) -> dict[str, list[str]]:
    """A config of other rows than records (the preference pairs) as data/<config>/train-*.parquet; returns
    split -> shard paths (relative to out_dir), the shape `ConfigWriter` gives each config."""
    import pyarrow as pa

    if scrub is not None:
        rows = [_scrubbed(row, scrub) for row in rows]
    table = pa.Table.from_pylist(rows)
    return {"train": _write_split(table, out_dir / "data" / config, "train", shard_rows, out_dir)}
