"""Card sections for stages that leave figures in their notes (dedup, decontaminate, mix).

Each renderer takes the stage's entry in build_report.json and returns markdown; stages without one
appear only in the stage table.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def _table(rows: list[list[Any]], head: list[str]) -> str:
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += [
        "| " + " | ".join(str(c).replace("|", "\\|").replace("\n", " ") for c in row) + " |" for row in rows
    ]
    return "\n".join(lines)


def _dedup(notes: dict[str, Any]) -> str:
    removed = _table([[k, v] for k, v in notes.get("removed", {}).items()] or [["-", 0]], ["reason", "rows"])
    mh = notes.get("minhash")
    lsh = f" MinHash: {mh['bands']} bands × {mh['rows']} rows, threshold {mh['threshold']}." if mh else ""
    return (
        f"## Deduplication\n\nWithin each variant.{lsh} {notes.get('clusters', 0)} clusters of merged rows "
        f"are listed in `{notes.get('clusters_file')}`.\n\n{removed}"
    )


def _decontaminate(notes: dict[str, Any]) -> str:
    sets = notes.get("eval_sets", {})
    counts = _table(
        [
            [
                name,
                e["prompts"],
                e["removed"],
                ", ".join(f"{m}: {n}" for m, n in e["by_method"].items()) or "-",
            ]
            for name, e in sets.items()
        ],
        ["eval set", "eval prompts", "rows removed", "by method"],
    )
    examples = [
        [name, x["method"], x["row"][:120], x["eval"][:120]]
        for name, e in sets.items()
        for x in e["examples"]
    ]
    shown = (
        "\n\n" + _table(examples, ["eval set", "method", "training row", "eval prompt"]) if examples else ""
    )
    return f"## Decontamination\n\n{counts}{shown}"


def _mix(notes: dict[str, Any]) -> str:
    kinds = sorted(notes.get("available", {}))
    counts = _table(
        [[k, notes["available"].get(k, 0), notes["targets"].get(k, 0)] for k in kinds],
        ["kind", "available", "kept"],
    )
    lengths = notes.get("lengths", {})
    rows = [
        [k, part, s["mean"], s["p50"], s["p90"], s["max"]]
        for k, v in lengths.items()
        if k != "unit"
        for part, s in v.items()
    ]
    lt = _table(rows, ["kind", "text", "mean", "p50", "p90", "max"])
    warn = "".join(f"\n\n> {w}" for w in notes.get("warnings", []))
    return (
        f"## Mix\n\n{notes['requested']}, selection `{notes['select']}`.{warn}\n\n{counts}\n\n"
        f"Lengths in {lengths.get('unit', 'whitespace words')}:\n\n{lt}"
    )


SECTIONS: dict[str, Callable[[dict[str, Any]], str]] = {
    "dedup": _dedup,
    "decontaminate": _decontaminate,
    "mix": _mix,
}


def stage_sections(report: dict[str, Any]) -> str:
    parts = [
        SECTIONS[s["name"]](s["notes"]) for s in report["stages"] if s["name"] in SECTIONS and s.get("notes")
    ]
    return "\n\n".join(parts)
