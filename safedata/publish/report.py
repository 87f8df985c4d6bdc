"""build_report.json: counts in and out of every stage, and the final dataset's composition."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any

from safedata.pipeline import BuildContext
from safedata.schemas.recipe import Recipe
from safedata.schemas.record import Record


class Composition:
    """The dataset's rows per kind, category, variant and source (tactic, category source), block by block."""

    def __init__(self) -> None:
        self.out: dict[str, Counter[str]] = {
            "kind": Counter(),
            "category": Counter(),
            "variant": Counter(),
            "source": Counter(),
        }

    def add(self, records: Iterable[Record]) -> None:
        out = self.out
        for r in records:
            out["kind"][r.kind] += 1
            out["category"][r.category or "none"] += 1
            out["variant"][r.variant or "none"] += 1
            out["source"][r.source] += 1
            if r.attack is not None:
                out.setdefault("tactic", Counter())[r.attack.tactic] += 1
            if "category_source" in r.meta:  # template rows: category from the label, classified, or unknown
                out.setdefault("category_source", Counter())[str(r.meta["category_source"])] += 1

    def merge(self, other: Composition) -> None:
        """Another block's counts, added after this one's (the axes keep the order they first appear in)."""
        for axis, counts in other.out.items():
            self.out.setdefault(axis, Counter()).update(counts)

    def result(self) -> dict[str, dict[str, int]]:
        return {k: dict(sorted(v.items())) for k, v in self.out.items()}


def composition(records: list[Record]) -> dict[str, dict[str, int]]:
    counts = Composition()
    counts.add(records)
    return counts.result()


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


TOKEN_FIELDS = ("requests", "input_tokens", "output_tokens", "thought_tokens", "answer_tokens", "cost_usd")


def teacher_usage(stages: list[dict[str, Any]], final_variants: dict[str, int]) -> dict[str, Any] | None:
    """What the teacher cost, per stage and per variant, and per row *kept* in the final dataset: every
    paid request counts (rows later dropped by filters, dedup or the mix included), divided by the rows
    that made it. None when no stage asked a teacher."""
    by_stage: dict[str, dict[str, float]] = {}
    by_variant: dict[str, Counter[str]] = {}
    for s in stages:
        usage = ((s.get("notes") or {}).get("teacher") or {}).get("usage_by_variant")
        if not usage:
            continue
        stage = by_stage.setdefault(s["name"], Counter())
        for variant, row in usage.items():
            paid = {k: row.get(k, 0) for k in TOKEN_FIELDS}
            stage.update(paid)
            by_variant.setdefault(variant, Counter()).update(paid)
    if not by_stage:
        return None
    saved = {
        s["name"]: s["notes"]["teacher_requests_saved"]
        for s in stages
        if (s.get("notes") or {}).get("teacher_requests_saved")
    }
    rows: dict[str, dict[str, Any]] = {}
    for variant, paid in sorted(by_variant.items()):
        kept = final_variants.get(variant, 0)
        row: dict[str, Any] = {k: _num(v) for k, v in paid.items() if k != "cost_usd" or v}
        row["kept_rows"] = kept
        if kept:
            row["output_tokens_per_kept_row"] = round(paid["output_tokens"] / kept, 1)
            row["thought_tokens_per_kept_row"] = round(paid["thought_tokens"] / kept, 1)
            if paid["cost_usd"]:
                row["cost_per_kept_row_usd"] = round(paid["cost_usd"] / kept, 6)
        rows[variant] = row
    return {
        "by_stage": {k: {f: _num(v) for f, v in c.items()} for k, c in by_stage.items()},
        "by_variant": rows,
        **({"requests_saved_before_teacher": saved} if saved else {}),
    }


def _num(v: float) -> float | int:
    return round(v, 4) if isinstance(v, float) else v


def build_report(
    ctx: BuildContext,
    final: dict[str, dict[str, int]],
    files: dict[str, dict[str, list[str]]],
    seconds: float,
) -> dict[str, Any]:
    """`final` is the dataset's `composition`."""
    teacher = getattr(ctx.recipe, "teacher", None)  # the teacher section comes with the generation stage
    stages = [s.to_dict() for s in ctx.stats.values()]
    usage = teacher_usage(stages, final["variant"])
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
        "stages": stages,
        "final": final,
        **({"teacher_usage": usage} if usage else {}),
        "files": files,
    }
