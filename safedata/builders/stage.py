"""The generate stage: rows with a trace pass through as `imported`; the rest get each variant."""

from __future__ import annotations

from collections.abc import Iterator

from safedata.builders import OFFLINE_BUILDERS
from safedata.pipeline import BuildContext
from safedata.schemas.record import Record

NAME = "generate"


class GenerateStage:
    name = NAME

    def plan(self, ctx: BuildContext) -> str:
        names = ", ".join(v.name for v in ctx.recipe.variants)
        return f"variants [{names}] for rows without a trace; rows with one pass through as `imported`"

    def run(self, records: Iterator[Record], ctx: BuildContext) -> Iterator[Record]:
        seed = ctx.recipe.seed
        for rec in records:
            if rec.has_trace:
                rec.variant = "imported"
                yield rec.with_id().touched(NAME, "imported")
                continue
            variants = [v for v in ctx.recipe.variants if rec.kind in v.kinds]
            if not variants:
                ctx.drop(NAME, rec, f"{rec.kind} row without a trace and no variant for it")
                continue
            for v in variants:
                yield OFFLINE_BUILDERS[v.name](rec, seed)
