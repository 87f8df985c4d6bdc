"""build_report.json: counts in and out of every stage, and the final dataset's composition."""

from __future__ import annotations

from collections import Counter
from typing import Any

from safedata.pipeline import BuildContext
from safedata.schemas.record import Record


def composition(records: list[Record]) -> dict[str, dict[str, int]]:
    out: dict[str, Counter[str]] = {
        "kind": Counter(),
        "category": Counter(),
        "variant": Counter(),
        "source": Counter(),
    }
    for r in records:
        out["kind"][r.kind] += 1
        out["category"][r.category or "none"] += 1
        out["variant"][r.variant or "none"] += 1
        out["source"][r.source] += 1
        if r.attack is not None:
            out.setdefault("tactic", Counter())[r.attack.tactic] += 1
        if "category_source" in r.meta:  # template rows: category from the label, classified, or unknown
            out.setdefault("category_source", Counter())[str(r.meta["category_source"])] += 1
    return {k: dict(sorted(v.items())) for k, v in out.items()}


def build_report(
    ctx: BuildContext, records: list[Record], files: dict[str, list[str]], seconds: float
) -> dict[str, Any]:
    teacher = getattr(ctx.recipe, "teacher", None)  # the teacher section comes with the generation stage
    return {
        "recipe": ctx.recipe.name,
        "description": ctx.recipe.description,
        "license": ctx.recipe.output.license,
        "language": ctx.recipe.output.language,
        "teacher": f"{teacher.engine} / {getattr(teacher, 'model', '?')}" if teacher is not None else None,
        "output_dir": str(ctx.out_dir),
        "seconds": round(seconds, 2),
        "rows": len(records),
        "quarantined": len(ctx.quarantined),
        "stages": [s.to_dict() for s in ctx.stats.values()],
        "final": composition(records),
        "files": files,
    }
