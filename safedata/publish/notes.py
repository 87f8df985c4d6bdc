"""Turn any stage's `notes` (nested dicts and lists in build_report.json) into titled tables.

Stages put figures of their own shape in `ctx.stage_stats(name).notes`; the card (markdown) and the HTML
report render them through this one function, so a new stage's figures show up without touching either.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

MAX_ROWS = 20
MAX_CELL = 160
MAX_WIDE = 6  # dicts of flat dicts with at most this many distinct inner keys become one wide table


@dataclass
class Table:
    title: str
    head: list[str]
    rows: list[list[str]]
    more: int = 0  # rows left out


def cell(value: Any) -> str:
    if value in ({}, []):
        return "-"
    if isinstance(value, float):
        text = f"{value:.4g}"
    elif isinstance(value, (dict, list)):
        text = json.dumps(value, ensure_ascii=False, default=str)
    else:
        text = str(value)
    text = " ".join(text.split())
    return text if len(text) <= MAX_CELL else text[: MAX_CELL - 1] + "…"


def _scalar(v: Any) -> bool:
    return v is None or isinstance(v, (str, int, float, bool))


def _flat(v: Any) -> bool:
    """A scalar, a list of scalars, or an empty dict (all shown in one cell)."""
    return _scalar(v) or v == {} or (isinstance(v, list) and all(_scalar(x) for x in v))


def _records(title: str, items: list[dict[str, Any]]) -> Table:
    head: list[str] = []
    for item in items:
        head += [k for k in item if k not in head]
    rows = [[cell(item.get(k, "")) for k in head] for item in items[:MAX_ROWS]]
    return Table(title, head, rows, max(0, len(items) - MAX_ROWS))


def tables(title: str, value: Any) -> list[Table]:
    """Depth-first: scalars of a dict in one key/value table, dicts of flat dicts as one wide table."""
    if isinstance(value, list):
        if value and all(isinstance(x, dict) and all(_flat(v) for v in x.values()) for x in value):
            return [_records(title, value)]
        if all(_scalar(x) for x in value):
            return [
                Table(title, ["value"], [[cell(x)] for x in value[:MAX_ROWS]], max(0, len(value) - MAX_ROWS))
            ]
        return [t for i, x in enumerate(value[:MAX_ROWS]) for t in tables(f"{title} [{i}]", x)]
    if not isinstance(value, dict):
        return [Table(title, ["value"], [[cell(value)]])]
    out: list[Table] = []
    flat = {k: v for k, v in value.items() if _flat(v)}
    if flat:
        out.append(Table(title, ["", "value"], [[str(k), cell(v)] for k, v in flat.items()]))
    nested = {k: v for k, v in value.items() if k not in flat}
    flat_dicts = all(isinstance(v, dict) and all(_flat(x) for x in v.values()) for v in nested.values())
    if nested and flat_dicts and len({k for v in nested.values() for k in v}) <= MAX_WIDE:
        # e.g. {pattern: {detected, repaired, dropped}}: one row per pattern
        out.append(_records(title, [{"": k, **v} for k, v in nested.items()]))
        return out
    for k, v in nested.items():
        out += tables(f"{title} › {k}", v)
    return out
