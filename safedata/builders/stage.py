"""The generate stage: rows with a trace pass through as `imported`; the rest get each variant.

A row stage: the teacher requests of a block are sent together, so the engine keeps its concurrency busy
(see builders/teacher_cot.py). Each output row's order key gets its variant's position in the recipe (1, 2,
...; `imported` is 0) and its sample index.
"""

from __future__ import annotations

from collections.abc import Callable

from safedata.builders import OFFLINE_BUILDERS
from safedata.builders.student_cot import student_notes, student_samples
from safedata.builders.teacher_cot import Job, estimate, notes_over_blocks, teacher_samples
from safedata.pipeline import BuildContext, Upstream
from safedata.runners.contract import RowStage
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


class GenerateStage(RowStage):
    name = NAME

    plan_reads_rows = True  # the plan counts requests over the rows the stages before it produce

    def plan(self, ctx: BuildContext, upstream: Callable[[], Upstream] | None = None) -> str:
        names = ", ".join(v.name + (" (teacher)" if v.teacher else "") for v in ctx.recipe.variants)
        line = f"variants [{names}] for rows without a trace; rows with one pass through as `imported`"
        student = ctx.recipe.student
        if student is not None and any(v.name in STUDENT for v in ctx.recipe.variants):
            line += f"; student {student.engine} {student.model} writes its own samples"
        if ctx.recipe.teacher is None or upstream is None:
            return f"{line}; no teacher requests (teacher-free variants)"
        before = upstream()
        jobs: list[Job] = [
            (rec, v.name)
            for rec in before.rows
            if not rec.has_trace
            for v in variants_for(rec, ctx)
            if v.teacher
        ]
        saved = {
            name: n for name, notes in before.notes.items() if (n := notes.get("teacher_requests_saved"))
        }
        if saved:
            by = ", ".join(f"{n} by {name}" for name, n in saved.items())
            line += f"; {sum(saved.values())} requests saved before the teacher ({by})"
        return f"{line}; {estimate(jobs, ctx.recipe.teacher, ctx)}"

    def map_block(self, block: list[Record], ctx: BuildContext) -> list[Record]:
        # The block's rows of a variant a `student_rewrite` restates are rewritten after the rest.
        rewrite = {v.of: v for v in ctx.recipe.variants if v.name == "student_rewrite"}
        student_jobs: list[Job] = []  # prompts for `student` first, then rows to rewrite
        out = self.samples(block, ctx, student_jobs)
        for rec in out:
            v = rewrite.get(rec.variant)
            if v is not None and rec.kind in (v.kinds or []):
                student_jobs.append((rec.model_copy(deep=True), v.name))
        if student_jobs:
            out.extend(student_samples(student_jobs, ctx))
        position = {v.name: i for i, v in enumerate(ctx.recipe.variants, 1)}
        return [r.reordered(variant=position.get(r.variant or "", 0)) for r in out]

    def samples(self, block: list[Record], ctx: BuildContext, for_student: list[Job]) -> list[Record]:
        """Imported, teacher-free and teacher rows; prompts for the `student` variant go to `for_student`."""
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
                if v.name == "student":
                    for_student.append((rec, v.name))
                elif v.name in STUDENT:
                    continue  # student_rewrite: written from another variant's rows, not from the prompt
                elif v.teacher:
                    jobs.append((rec, v.name))
                else:
                    out.append(OFFLINE_BUILDERS[v.name](rec, seed))
        if jobs:
            out.extend(teacher_samples(jobs, ctx))
        return out

    def finish(self, ctx: BuildContext) -> None:
        notes = ctx.stage_stats(NAME).notes
        if "student" in notes and ctx.recipe.student is not None:
            notes["student"] = student_notes(ctx.recipe.student, notes["student"], ctx)
        spec = ctx.recipe.teacher
        if spec is None or "teacher" not in notes:
            return
        notes["teacher"] = notes_over_blocks(spec, notes["teacher"], ctx)
