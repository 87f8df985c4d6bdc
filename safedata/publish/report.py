"""build_report.json: counts in and out of every stage, and the final dataset's composition."""

from __future__ import annotations

from collections import Counter
from typing import Any

from safedata.pipeline import BuildContext
from safedata.schemas.recipe import Recipe
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


def sources(recipe: Recipe) -> list[dict[str, str]]:
    """Each source, where it came from and its license (as the recipe gives it): listed in the card."""
    from safedata.schemas.sources import SeedsSource
    from safedata.sources.stage import source_id

    out = []
    for spec in recipe.sources:
        seeds = isinstance(spec, SeedsSource)
        where = f"safedata's bundled `{spec.set}` seeds" if seeds else getattr(spec, "path", "")
        # The bundled seeds were written for safedata and ship under its license.
        license_ = spec.license or ("apache-2.0" if seeds else "not given in the recipe")
        out.append({"id": source_id(spec), "from": str(where), "license": license_})
    return out


def methods(recipe: Recipe) -> list[str]:
    """Papers whose methods this build used (keys of card.CITATIONS), for the card's citation block."""
    used = ["lrm-safety-study"]  # failure patterns, template/no-CoT variants, the safety/math mix
    teacher = getattr(recipe, "teacher", None)
    flt = recipe.filter
    judges = [j.name for j in flt.judges] if flt is not None else []
    if (
        (flt is not None and flt.selection == "all_safe_then_pick_one")
        or "rs_match" in judges
        or getattr(teacher, "decoding", "normal") != "normal"
    ):
        used.append("safechain")
    if getattr(teacher, "guidelines", None) == "realsafe":
        used.append("realsafe-r1")
    return used


def build_report(
    ctx: BuildContext,
    final: dict[str, dict[str, int]],
    files: dict[str, dict[str, list[str]]],
    seconds: float,
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
        "sources": sources(ctx.recipe),
        "methods": methods(ctx.recipe),
        "test_size": ctx.recipe.output.test_size,
        "seconds": round(seconds, 2),
        "rows": sum(final["kind"].values()),
        "quarantined": len(ctx.quarantined),
        "stages": [s.to_dict() for s in ctx.stats.values()],
        "final": final,
        "files": files,
    }
