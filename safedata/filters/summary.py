"""Pattern rates as tables: a rich table for `safedata audit`, markdown for the dataset card."""

from __future__ import annotations

from typing import Any

from rich.table import Table

from safedata.registry import REPAIR_ACTIONS


def round_counts() -> tuple[str, ...]:
    """A repair round's counts per pattern (filters stage notes), in the card's column order: each repair
    action's, weakest first (`regenerated`, `templated`, `dropped`)."""
    return ("detected", *dict.fromkeys(e.counted_as for e in reversed(REPAIR_ACTIONS.entries())))


def rates_table(summary: dict[str, Any]) -> Table:
    table = Table(title=f"patterns ({summary['rows']} rows, safe: {summary['safe_rate']})")
    for col in ("pattern", "rows judged", "fired", "rate"):
        table.add_column(col, justify="left" if col == "pattern" else "right")
    for name, p in summary["patterns"].items():
        table.add_row(name, str(p["rows"]), str(p["fired"]), f"{p['rate']:.1%}")
    return table


def calibration_lines(calib: dict[str, dict[str, Any]]) -> list[str]:
    """How each detector used agrees with human labels (bench/calibrate.py), with its version."""
    if not calib:
        return []
    lines = [
        "",
        "How far to trust these labels: each detector's agreement with human labels, measured by "
        "`bench/calibrate.py` (XSTest: refusal accuracy on 2,250 human-labelled completions; STAR-1: share "
        "of 1,000 traces rated safe that get flagged, lower is better; dev: macro-F1 over 7 patterns on "
        "patterns_dev, 266 hand-labelled traces).",
        "",
        "| detector | version | XSTest refusal acc | STAR-1 flag rate | dev macro-F1 | measured | note |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, c in calib.items():
        figures = [c.get(k) for k in ("xstest_refusal_acc", "star1_flag_rate", "dev_macro_f1", "measured")]
        shown = " | ".join("-" if v is None else str(v) for v in figures)
        lines.append(f"| {name} | {c.get('version') or '-'} | {shown} | {c.get('note', '')} |")
    return lines


def card_section(report: dict[str, Any]) -> str:
    """Card markdown: Safe@K and counts per pattern (detected, repaired, dropped); empty without filters."""
    stage = next((s for s in report["stages"] if s["name"] == "filters"), None)
    if stage is None or "notes" not in stage:
        return ""
    notes = stage["notes"]
    k = notes["safe_at_k"]["overall"]
    lines = [
        "## Filters",
        "",
        f"Harmful samples judged before repair: Safe@1 {k['safe@1']}, Safe@K {k['safe@k']}, "
        f"ConsSafe@K {k['conssafe@k']} over {k['prompts']} prompts.",
        "",
        "| pattern | detected | repaired | dropped |",
        "|---|---|---|---|",
    ]
    lines += [
        f"| {p} | {c['detected']} | {c['repaired']} | {c['dropped']} |" for p, c in notes["patterns"].items()
    ]
    if not notes["patterns"]:
        lines.append("| (none fired) | 0 | 0 | 0 |")
    lines += calibration_lines(notes.get("calibration", {}))
    if len(notes["rounds"]) > 1:
        lines += ["", "Per repair round (round 0 is the first judgement):", ""]
        counts = round_counts()
        lines += [f"| round | pattern | {' | '.join(counts)} |", "|---|---|" + "---|" * len(counts)]
        for r in notes["rounds"]:
            names = sorted({p for key in counts for p in r.get(key, {})})
            lines += [
                f"| {r['round']} | {p} | "
                + " | ".join(str(r.get(key, {}).get(p, 0)) for key in counts)
                + " |"
                for p in names
            ]
    return "\n".join(lines) + "\n"
