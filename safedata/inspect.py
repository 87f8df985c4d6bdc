"""Render build_report.json as rich tables (`safedata inspect`, and the summary after `build`)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from rich.table import Table

from safedata.errors import SafedataError


def read_report(out_dir: Path) -> dict[str, Any]:
    path = out_dir / "build_report.json"
    if not path.is_file():
        raise SafedataError(f"{out_dir} has no build_report.json (is it a safedata output folder?)")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as e:
        raise SafedataError(f"{path} is not valid JSON: {e.msg} (line {e.lineno})") from None


def stage_table(report: dict[str, Any]) -> Table:
    t = Table(title=f"{report['recipe']}: stages")
    for col in ("stage", "rows in", "rows out", "dropped"):
        t.add_column(col, justify="right" if col.startswith("rows") else "left")
    for s in report["stages"]:
        dropped = ", ".join(f"{k}: {v}" for k, v in s["dropped"].items()) or "-"
        t.add_row(s["name"], str(s["rows_in"]), str(s["rows_out"]), dropped)
    return t


def summary_table(report: dict[str, Any]) -> Table:
    t = Table(title=f"{report['recipe']}: {report['rows']} rows, {report['quarantined']} quarantined")
    t.add_column("by")
    t.add_column("value")
    t.add_column("rows", justify="right")
    for axis in ("variant", "kind", "category", "tactic"):
        for value, n in report["final"].get(axis, {}).items():
            t.add_row(axis, value, str(n))
    return t
