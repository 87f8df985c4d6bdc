"""`type: file` — local jsonl, json, csv or parquet."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from safedata.schemas.sources import FileSource

Row = dict[str, Any]


def read_jsonl(path: Path) -> Iterator[tuple[int, Row | str]]:
    """Yield (line number, row), or (line number, error text) for a line that is not a JSON object.

    Parsed line by line (not with polars) so that one bad line is quarantined, not fatal.
    """
    with path.open(encoding="utf-8", errors="replace") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as e:
                yield n, f"invalid JSON: {e.msg}"
                continue
            yield n, row if isinstance(row, dict) else f"not a JSON object: {type(row).__name__}"


def read_file(spec: FileSource) -> Iterator[tuple[int, Row | str]]:
    path = Path(spec.path)
    if spec.format == "jsonl":
        yield from read_jsonl(path)
        return
    import polars as pl

    if spec.format == "csv":
        df = pl.read_csv(path, infer_schema=False)  # keep every cell as text; mapping decides types
    elif spec.format == "parquet":
        df = pl.read_parquet(path)
    else:
        data = json.loads(path.read_text(encoding="utf-8"))
        if isinstance(data, dict):  # {"data": [...]} style files
            lists = [v for v in data.values() if isinstance(v, list)]
            data = lists[0] if len(lists) == 1 else [data]
        df = pl.DataFrame(data, strict=False, infer_schema_length=None)
    yield from enumerate(df.iter_rows(named=True), 1)


def default_id(spec: FileSource) -> str:
    return Path(spec.path).stem
