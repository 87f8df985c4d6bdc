"""The generate stage: rows with a trace pass through as `imported`; the rest get each variant.

Teacher-free variants stream out one row at a time; teacher variants are collected and sent together, so
the engine can keep its full concurrency busy (see builders/teacher_cot.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import takewhile

from safedata.builders import OFFLINE_BUILDERS
from safedata.builders.student_cot import student_samples
from safedata.builders.teacher_cot import Job, estimate, teacher_samples
from safedata.pipeline import BuildContext, run_stages
from safedata.schemas.record import Record
from safedata.schemas.variants import STUDENT, Variant

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
        student = ctx.recipe.student
        if student is not None and any(v.name in STUDENT for v in ctx.recipe.variants):
            line += f"; student {student.engine} {student.model} writes its own samples"
        if ctx.recipe.teacher is None:
            return f"{line}; no teacher requests (teacher-free variants)"
        from safedata.stages import assemble  # the stages before this one give the rows a teacher will see

        # The probe would ask the student: a dry run counts every prompt (an upper bound) instead.
        stages = takewhile(lambda stage: stage.name != NAME, assemble(ctx.recipe))
        before = [stage for stage in stages if stage.name != "probe"]
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
        # Rows of a variant a `student_rewrite` restates are copied as they go by, rewritten at the end.
        rewrite = {v.of: v for v in ctx.recipe.variants if v.name == "student_rewrite"}
        student_jobs: list[Job] = []  # prompts for `student` first, then rows to rewrite
        rewrites: list[Job] = []
        for rec in self.samples(records, ctx, student_jobs):
            v = rewrite.get(rec.variant)
            if v is not None and rec.kind in (v.kinds or []):
                rewrites.append((rec.model_copy(deep=True), v.name))
            yield rec
        if student_jobs or rewrites:
            yield from student_samples(student_jobs + rewrites, ctx)

    def samples(
        self, records: Iterator[Record], ctx: BuildContext, for_student: list[Job]
    ) -> Iterator[Record]:
        """Imported, teacher-free and teacher rows; prompts for the `student` variant go to `for_student`."""
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
                if v.name == "student":
                    for_student.append((rec, v.name))
                elif v.name in STUDENT:
                    continue  # student_rewrite: written from another variant's rows, not from the prompt
                elif v.teacher:
                    jobs.append((rec, v.name))
                else:
                    yield OFFLINE_BUILDERS[v.name](rec, seed)
        if jobs:
            yield from teacher_samples(jobs, ctx)
