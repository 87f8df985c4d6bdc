"""The generate stage: rows with a trace pass through as `imported`; the rest get each variant.

A row stage: the teacher requests of a block are sent together, so the engine keeps its concurrency busy
(see builders/teacher_cot.py). Each output row's order key gets its variant's position in the recipe (1, 2,
...; `imported` is 0) and its sample index.
"""

from __future__ import annotations

from itertools import takewhile

from safedata.builders import OFFLINE_BUILDERS
from safedata.builders.teacher_cot import Job, estimate, teacher_notes, teacher_samples
from safedata.builders.teachers import build_teacher
from safedata.pipeline import BuildContext
from safedata.runners.contract import RowStage
from safedata.schemas.record import Record
from safedata.schemas.variants import Variant

NAME = "generate"


def variants_for(rec: Record, ctx: BuildContext) -> list[Variant]:
    """The recipe's variants that apply to a row of this kind (validation fills every variant's kinds)."""
    return [v for v in ctx.recipe.variants if rec.kind in (v.kinds or [])]


class GenerateStage(RowStage):
    name = NAME

    def plan(self, ctx: BuildContext) -> str:
        names = ", ".join(v.name + (" (teacher)" if v.teacher else "") for v in ctx.recipe.variants)
        line = f"variants [{names}] for rows without a trace; rows with one pass through as `imported`"
        if ctx.recipe.teacher is None:
            return f"{line}; no teacher requests (teacher-free variants)"
        from safedata.runners.local import collect
        from safedata.stages import assemble  # the stages before this one give the rows a teacher will see

        before = list(takewhile(lambda stage: stage.name != NAME, assemble(ctx.recipe)))
        jobs: list[Job] = [
            (rec, v.name)
            for rec in collect(before, ctx.for_block())
            if not rec.has_trace
            for v in variants_for(rec, ctx)
            if v.teacher
        ]
        return f"{line}; {estimate(jobs, ctx.recipe.teacher)}"

    def map_block(self, block: list[Record], ctx: BuildContext) -> list[Record]:
        seed = ctx.recipe.seed
        jobs: list[Job] = []
        out: list[Record] = []
        for rec in block:
            if rec.has_trace:
                rec.variant = "imported"
                out.append(rec.with_id().touched(NAME, "imported"))
                continue
            variants = variants_for(rec, ctx)
            if not variants:
                ctx.drop(NAME, rec, f"{rec.kind} row without a trace and no variant for it")
                continue
            for v in variants:
                if v.teacher:
                    jobs.append((rec, v.name))
                else:
                    out.append(OFFLINE_BUILDERS[v.name](rec, seed))
        if jobs:
            out.extend(teacher_samples(jobs, ctx))
        position = {v.name: i for i, v in enumerate(ctx.recipe.variants, 1)}
        return [r.reordered(variant=position.get(r.variant or "", 0)) for r in out]

    def finish(self, ctx: BuildContext) -> None:
        notes = ctx.stage_stats(NAME).notes
        spec = ctx.recipe.teacher
        if spec is None or "teacher" not in notes:
            return
        # The blocks' usage sums are exact; settings, costs and this run's engine counters are set once here.
        usage = {
            variant: {k: v for k, v in row.items() if k != "cost_usd"}
            for variant, row in notes["teacher"]["usage_by_variant"].items()
        }
        book = getattr(build_teacher(spec, ctx), "book", None)
        notes["teacher"] = teacher_notes(spec, usage, book)
