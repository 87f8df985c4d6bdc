"""`type: file` — local jsonl, json, csv or parquet.

A bad row (a jsonl line that is not a JSON object, or not UTF-8) is handed back as its reason, to be
quarantined. A file that cannot be read as a whole (empty, truncated, ragged, wrongly encoded) stops the
build with one line naming the file and the line. A UTF-8 byte order mark is skipped, not read as data.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from safedata.errors import SafedataError, first_line
from safedata.schemas.sources import FileSource

Row = dict[str, Any]
BOM = b"\xef\xbb\xbf"


def file_error(path: Path, line: int | None, problem: str) -> SafedataError:
    return SafedataError(f"{path}{f', line {line}' if line else ''}: {problem}")


def read_jsonl(path: Path) -> Iterator[tuple[int, Row | str]]:
    """Yield (line number, row), or (line number, error text) for a line that is not a JSON object.

    Parsed line by line (not with polars) so that one bad line is quarantined, not fatal.
    """
    with path.open("rb") as f:
        for n, raw in enumerate(f, 1):
            try:
                line = raw.removeprefix(BOM if n == 1 else b"").decode("utf-8")
            except UnicodeDecodeError as e:
                yield n, f"invalid UTF-8 at byte {e.start} of the line"
                continue
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as e:
                yield n, f"invalid JSON: {e.msg}"
                continue
            yield n, row if isinstance(row, dict) else f"not a JSON object: {type(row).__name__}"


def _text(path: Path) -> str:
    """The whole file as text: strict UTF-8 (a bad byte is an error naming its line), BOM dropped."""
    data = path.read_bytes().removeprefix(BOM)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        raise file_error(path, line, "not UTF-8 text (save the file as UTF-8)") from None


def read_csv(path: Path) -> Iterator[tuple[int, Row]]:
    """Every cell as text (the mapping decides types); an empty cell is None, as a missing value."""
    text = _text(path)
    if not text.strip():
        raise file_error(path, None, "empty file: a CSV needs a header line")
    csv.field_size_limit(1 << 30)  # long prompts are quarantined by max_prompt_chars, not by the CSV reader
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)  # an unclosed quote is an error
    try:
        header = next(reader)
        if len(set(header)) != len(header):
            twice = next(h for h in header if header.count(h) > 1)
            raise file_error(path, 1, f"column {twice!r} appears twice in the header")
        n = 0
        for cells in reader:
            if not cells:
                continue  # a blank line
            if len(cells) != len(header):
                raise file_error(
                    path, reader.line_num, f"{len(cells)} fields where the header has {len(header)}"
                )
            n += 1
            yield n, {h: (v if v != "" else None) for h, v in zip(header, cells, strict=True)}
    except csv.Error as e:
        raise file_error(path, reader.line_num, f"not valid CSV ({first_line(e)})") from None


def read_json(path: Path) -> Iterator[tuple[int, Row | str]]:
    """A JSON array of objects, or `{"data": [...]}` style (one list in an object), or one object."""
    text = _text(path)
    if not text.strip():
        raise file_error(path, None, "empty file")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        raise file_error(path, e.lineno, f"invalid JSON ({e.msg}); is the file complete?") from None
    if isinstance(data, dict):
        lists = [v for v in data.values() if isinstance(v, list)]
        data = lists[0] if len(lists) == 1 else [data]
    if not isinstance(data, list):
        raise file_error(path, 1, f"expected a list of objects, found a JSON {type(data).__name__}")
    for n, row in enumerate(data, 1):
        yield n, row if isinstance(row, dict) else f"not a JSON object: {type(row).__name__}"


def read_parquet(path: Path) -> Iterator[tuple[int, Row]]:
    import polars as pl

    try:
        df = pl.read_parquet(path)
    except Exception as e:  # noqa: BLE001 - polars raises several kinds for a file it cannot read
        raise file_error(path, None, f"not a readable parquet file ({first_line(e)})") from None
    yield from enumerate(df.iter_rows(named=True), 1)


READERS = {"jsonl": read_jsonl, "csv": read_csv, "json": read_json, "parquet": read_parquet}


def read_file(spec: FileSource) -> Iterator[tuple[int, Row | str]]:
    path = Path(spec.path)
    if not path.is_file():
        raise file_error(path, None, "no such file")
    yield from READERS[spec.format](path)  # type: ignore[index]


def default_id(spec: FileSource) -> str:
    return Path(spec.path).stem
