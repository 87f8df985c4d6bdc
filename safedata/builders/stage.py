"""The generate stage: rows with a trace pass through as `imported`; the rest get each variant.

Teacher-free variants stream out one row at a time; teacher variants are collected and sent together, so
the engine can keep its full concurrency busy (see builders/teacher_cot.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import takewhile

from safedata.builders import OFFLINE_BUILDERS
from safedata.builders.teacher_cot import Job, estimate, teacher_samples
from safedata.pipeline import BuildContext, run_stages
from safedata.schemas.record import Record
from safedata.schemas.variants import Variant

NAME = "generate"


def variants_for(rec: Record, ctx: BuildContext) -> list[Variant]:
    """The recipe's variants that apply to a row of this kind (validation fills every variant's kinds)."""
    return [v for v in ctx.recipe.variants if rec.kind in (v.kinds or [])]


def teacher_requests(rec: Record, ctx: BuildContext) -> int:
    """The teacher requests a prompt row leads to: K samples of each teacher variant for its kind (the first
    MoreThink round; none for a row with a trace)."""
    spec = ctx.recipe.teacher
    if rec.has_trace or spec is None:
        return 0
    return sum(1 for v in variants_for(rec, ctx) if v.teacher) * spec.samples


class GenerateStage:
    name = NAME

    def plan(self, ctx: BuildContext) -> str:
        names = ", ".join(v.name + (" (teacher)" if v.teacher else "") for v in ctx.recipe.variants)
        line = f"variants [{names}] for rows without a trace; rows with one pass through as `imported`"
        if ctx.recipe.teacher is None:
            return f"{line}; no teacher requests (teacher-free variants)"
        from safedata.stages import assemble  # the stages before this one give the rows a teacher will see

        before = list(takewhile(lambda stage: stage.name != NAME, assemble(ctx.recipe)))
        jobs: list[Job] = [
            (rec, v.name)
            for rec in run_stages(before, ctx)
            if not rec.has_trace
            for v in variants_for(rec, ctx)
            if v.teacher
        ]
        saved = {s.name: ctx.stats[s.name].notes.get("teacher_requests_saved", 0) for s in before}
        saved = {name: n for name, n in saved.items() if n}
        if saved:
            by = ", ".join(f"{n} by {name}" for name, n in saved.items())
            line += f"; {sum(saved.values())} requests saved before the teacher ({by})"
        return f"{line}; {estimate(jobs, ctx.recipe.teacher)}"

    def run(self, records: Iterator[Record], ctx: BuildContext) -> Iterator[Record]:
        seed = ctx.recipe.seed
        jobs: list[Job] = []
        for rec in records:
            if rec.has_trace:
                rec.variant = "imported"
                yield rec.with_id().touched(NAME, "imported")
                continue
            variants = variants_for(rec, ctx)
            if not variants:
                ctx.drop(NAME, rec, f"{rec.kind} row without a trace and no variant for it")
                continue
            for v in variants:
                if v.teacher:
                    jobs.append((rec, v.name))
                else:
                    yield OFFLINE_BUILDERS[v.name](rec, seed)
        if jobs:
            yield from teacher_samples(jobs, ctx)
