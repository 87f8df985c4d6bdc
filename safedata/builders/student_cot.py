"""Student variants: the model being trained writes its own training traces.

- `student`: K samples per prompt from the student itself; harmful prompts get a short safety primer
  pre-filled at the start of the thought (benign and math prompts none), so the kept traces stay in the
  student's own distribution (ThinkSafe, SafePath) instead of a stronger teacher's (the "safety tax").
- `student_rewrite`: the student restates each row of another variant (`of`: template, long, short, ...) in
  its own words (DGR). A rewrite whose answer flips the refusal decision of the row it restates (refusal
  into compliance, or the reverse) is dropped and counted.

Both then go through the same filters, Safe@K selection and repair as teacher rows; every record's
`teacher` says which model wrote it (`role: student`).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator
from typing import Any

from safedata.builders.student_prompts import student_request
from safedata.builders.teacher_cot import NAME, Job, count_kept, notes_over_blocks, teacher_notes
from safedata.engines import build_teacher
from safedata.engines.generation import add_usage, ask, take_reply
from safedata.filters import is_refusal
from safedata.pipeline import BuildContext
from safedata.schemas.record import Record
from safedata.schemas.teacher import TeacherBase


def decision(answer: str) -> str:
    return "refusal" if is_refusal(answer) else "compliance"


def student_samples(jobs: list[Job], ctx: BuildContext) -> Iterator[Record]:
    """`jobs`: (prompt row, "student") or (row to rewrite, "student_rewrite")."""
    spec = ctx.recipe.student
    assert spec is not None, "the recipe validator requires a student for student variants"
    student = build_teacher(spec, ctx)
    info = student.info.model_copy(update={"role": "student"})
    # A prompt gets K steered samples; a row to rewrite is one sample already and keeps its index.
    owners = [
        (j, k)
        for j, (rec, variant) in enumerate(jobs)
        for k in ([rec.sample_index] if variant == "student_rewrite" else range(spec.samples))
    ]
    requests = [student_request(jobs[j][0], jobs[j][1], spec, k) for j, k in owners]
    replies = ask(student, requests, spec, ctx.progress, role="student")
    usage: dict[str, Counter[str]] = defaultdict(Counter)
    flips: Counter[str] = Counter()
    steered = 0
    for (j, k), reply, request in zip(owners, replies, requests, strict=True):
        rec, variant = jobs[j]
        if not reply.ok:
            ctx.drop(NAME, rec, f"student request failed ({reply.error}); sent again on the next run")
            continue
        add_usage(usage[variant], reply)  # paid, whether the row is kept or not
        detail = f"{spec.engine} {spec.model}"
        if variant == "student_rewrite":
            before, after = decision(rec.answer or ""), decision(reply.answer)
            if before != after:
                flips[f"{before} -> {after}"] += 1
                ctx.drop(NAME, rec, f"student_rewrite flipped the decision ({before} -> {after})")
                continue
            writer = rec.teacher.model if rec.teacher else "safedata"
            detail += f"; rewrote {rec.variant} sample {k} (written by {writer}); kept the {after}"
        elif request.prefill:
            steered += 1
            detail += "; safety primer pre-filled in the thought"
        count_kept(usage[variant], reply)
        base = rec.model_copy(deep=True, update={"variant": variant, "sample_index": k})
        yield take_reply(base, reply, info).with_id().touched(NAME, variant, detail)
    notes: dict[str, Any] = teacher_notes(spec, usage, getattr(student, "book", None))
    notes["steered_samples"] = steered
    notes["rewrite_flipped"] = dict(flips)
    ctx.stage_stats(NAME).notes["student"] = notes


def student_notes(spec: TeacherBase, merged: dict[str, Any], ctx: BuildContext) -> dict[str, Any]:
    """The student's notes over all blocks (steering and flip counts add up across blocks)."""
    notes = notes_over_blocks(spec, merged, ctx)
    notes["steered_samples"] = merged["steered_samples"]
    notes["rewrite_flipped"] = merged["rewrite_flipped"]
    return notes
