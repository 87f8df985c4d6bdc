"""The sources stage: read every source, map fields, sample, and quarantine rows that cannot be used."""

from __future__ import annotations

import random
from collections.abc import Iterable, Iterator
from itertools import chain, islice
from typing import Any

from safedata.pipeline import BuildContext
from safedata.schemas.record import Record
from safedata.schemas.sources import FieldMap, SeedsSource, SourceBase
from safedata.sources import READERS
from safedata.sources.seeds import field_map as seed_field_map
from safedata.text import solution_to_trace, split_think, unencodable

NAME = "sources"


class SourcesStage:
    name = NAME

    def plan(self, ctx: BuildContext) -> str:
        parts = [
            f"{source_id(s)}: {n} rows" for s, n in zip(ctx.recipe.sources, count_rows(ctx), strict=True)
        ]
        return "read " + "; ".join(parts)

    def run(self, records: Iterator[Record], ctx: BuildContext) -> Iterator[Record]:
        for i, spec in enumerate(ctx.recipe.sources):
            yield from load_source(i, spec, ctx)


def source_id(spec: SourceBase) -> str:
    return spec.id or READERS[spec.type][1](spec)  # type: ignore[attr-defined]


def _fields(spec: SourceBase) -> FieldMap:
    return seed_field_map(spec) if isinstance(spec, SeedsSource) else spec.fields


def _select(rows: list[tuple[int, Any]], spec: SourceBase, seed: int) -> list[tuple[int, Any]]:
    if spec.sample is not None and spec.sample < len(rows):
        picked = random.Random(spec.seed if spec.seed is not None else seed).sample(
            range(len(rows)), spec.sample
        )
        rows = [rows[j] for j in sorted(picked)]  # keep file order: easier to read and to diff
    return rows[: spec.limit] if spec.limit is not None else rows


def _check_columns(i: int, spec: SourceBase, rows: list[tuple[int, Any]], ctx: BuildContext) -> None:
    columns: set[str] = set()
    for _, row in rows[:1000]:
        if isinstance(row, dict):
            columns.update(row)
    if not columns:
        return
    for key, col in _fields(spec).columns().items():
        if col not in columns:
            shown = ", ".join(sorted(columns)[:12])
            raise ctx.recipe_error(
                ("sources", i, "fields", key), f"column {col!r} not in the data (columns: {shown})"
            )


def read_rows(i: int, spec: SourceBase, ctx: BuildContext) -> Iterable[tuple[int, Any]]:
    """The source's (row index, row) pairs after `sample` and `limit`: streamed, unless `sample` needs every
    row first (a source as big as the build must not sit in memory as dicts)."""
    if i in ctx.planned_rows:
        return ctx.planned_rows[i]
    reader = READERS[spec.type][0]  # type: ignore[attr-defined]
    if spec.sample is not None:
        rows = list(reader(spec))
        _check_columns(i, spec, rows, ctx)
        return _select(rows, spec, ctx.recipe.seed)
    stream = iter(reader(spec))
    head = list(islice(stream, 1000))
    _check_columns(i, spec, head, ctx)
    return islice(chain(head, stream), spec.limit)


def count_rows(ctx: BuildContext) -> list[int]:
    """For the plan: rows per source, kept on the context so later plans do not read them again."""
    ctx.planned_rows = {i: list(read_rows(i, s, ctx)) for i, s in enumerate(ctx.recipe.sources)}
    return [len(rows) for rows in ctx.planned_rows.values()]


def _text(row: dict[str, Any], col: str | None) -> str | None:
    v = row.get(col) if col else None
    return v if isinstance(v, str) else None


def to_record(row: dict[str, Any], spec: SourceBase, sid: str) -> Record | str:
    """The record for a row, or the reason it must be quarantined."""
    for column, value in row.items():
        if isinstance(value, str) and (at := unencodable(value)) is not None:
            # Before it reaches a request or the cache: nothing downstream could write this text.
            return f"unencodable text: lone surrogate in column {column!r} at character {at}"
    fm = _fields(spec)
    prompt = row.get(fm.prompt)
    if prompt is None:
        return "empty prompt: missing"
    if not isinstance(prompt, str):
        return f"non-text prompt: {type(prompt).__name__}"
    if not prompt.strip():
        return "empty prompt: blank"
    if len(prompt) > spec.max_prompt_chars:
        return f"oversized prompt: {len(prompt)} chars > {spec.max_prompt_chars}"
    category = _text(row, fm.category) or spec.category
    reasoning = answer = None
    truncated = False
    if fm.response:
        text = _text(row, fm.response)
        if text:
            trace = split_think(text)
            reasoning, answer, truncated = trace.reasoning, trace.answer, not trace.closed
    elif fm.solution:
        text = _text(row, fm.solution)
        trace = solution_to_trace(text) if text else None
        if text and trace is None:
            return "unusable solution: no final answer (#### x, \\boxed{x} or 'The answer is x')"
        if trace:
            reasoning, answer = trace.reasoning, trace.answer
    elif fm.reasoning:
        reasoning, answer = _text(row, fm.reasoning), _text(row, fm.answer)
        if (reasoning is None) != (answer is None):
            return "half a trace: reasoning or answer missing"
    mapped = set(fm.columns().values())
    meta = {k: v for k, v in row.items() if k not in mapped and isinstance(v, str | int | float | bool)}
    return Record(
        prompt=prompt.strip(),
        kind=spec.kind,  # type: ignore[arg-type]
        category=category,
        source=sid,
        reasoning=reasoning,
        answer=answer,
        truncated=truncated,
        meta=meta,
    ).touched(NAME, "read", sid)


def load_source(i: int, spec: SourceBase, ctx: BuildContext) -> Iterator[Record]:
    """The source's rows, keyed (source i, row, 0, 0, 0). Rows with a trace whose prompt came earlier in the
    source are further samples of that prompt: key (i, its first row, 0, 0, k) and sample index k, so Safe@K
    and `all_safe_then_pick_one` see an imported prompt's K answers together."""
    sid = source_id(spec)
    # hash(prompt) -> (first row, samples so far), rows with a trace only: a hash per prompt, not its text
    first: dict[int, tuple[int, int]] = {}
    for line, row in read_rows(i, spec, ctx):
        if isinstance(row, str):
            ctx.quarantine(NAME, f"{row}", {"source": sid, "line": line})
            continue
        rec = to_record(row, spec, sid)
        if isinstance(rec, str):
            ctx.quarantine(NAME, rec, {"source": sid, "line": line, **_preview(row)})
            continue
        rec.order = (i, line, 0, 0, 0)
        if rec.has_trace:
            h = hash(rec.prompt)
            at, rec.sample_index = first.get(h, (line, 0))
            first[h] = (at, rec.sample_index + 1)
            rec.order = (i, at, 0, 0, rec.sample_index)
        yield rec


def _preview(row: dict[str, Any]) -> dict[str, Any]:
    # Quarantine keeps enough of the row to find and fix it, not whole documents; a lone surrogate is shown
    # as its escape (`\ud800`) so the quarantine file itself can be written.
    return {k: _writable(v[:500] if isinstance(v, str) else repr(v)[:200]) for k, v in row.items()}


def _writable(text: str) -> str:
    return text.encode("utf-8", "backslashreplace").decode("utf-8")
