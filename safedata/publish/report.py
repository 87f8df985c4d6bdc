"""build_report.json: counts in and out of every stage, and the final dataset's composition."""

from __future__ import annotations

from collections import Counter
from typing import Any

from safedata.pipeline import BuildContext


def composition_of(columns: dict[str, list[str]]) -> dict[str, dict[str, int]]:
    """Counts per kind, category, variant, source (and tactic, for wrapped rows) from those columns."""
    out = {k: Counter(columns.get(k, [])) for k in ("kind", "category", "variant", "source")}
    tactics = Counter(t for t in columns.get("tactic", []) if t)
    if tactics:
        out["tactic"] = tactics
    return {k: dict(sorted(v.items())) for k, v in out.items()}


def build_report(
    ctx: BuildContext, final: dict[str, dict[str, int]], files: dict[str, list[str]], seconds: float
) -> dict[str, Any]:
    """`final` is the dataset's `composition`."""
    teacher = getattr(ctx.recipe, "teacher", None)  # the teacher section comes with the generation stage
    return {
        "recipe": ctx.recipe.name,
        "description": ctx.recipe.description,
        "license": ctx.recipe.output.license,
        "language": ctx.recipe.output.language,
        "teacher": f"{teacher.engine} / {getattr(teacher, 'model', '?')}" if teacher is not None else None,
        "output_dir": str(ctx.out_dir),
        "seconds": round(seconds, 2),
        "rows": sum(final["kind"].values()),
        "quarantined": len(ctx.quarantined),
        "stages": [s.to_dict() for s in ctx.stats.values()],
        "final": final,
        "files": files,
    }
