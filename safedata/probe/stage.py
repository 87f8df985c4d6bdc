"""The probe stage: spend the build where the model being trained is actually unsafe.

Each prompt of the probed kinds is sent to the recipe's `student:` K times, as is (no primer, no
guidelines: what the student does on its own), and every sample is judged by the recipe's filters
(heuristic when the recipe has no `filter:`). A prompt is kept when at least `min_failures` of its
samples fail; the rest are dropped and counted. Training on the prompts where the model fails, with the
failure corrected, is what UnsafeChain (arXiv 2507.21652) found beats generic safety data.

Probe samples share the request cache with the `student` variant: a benign prompt's probe samples are the
same requests as its `student` samples, so they are paid once.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator
from typing import Any

from safedata.builders.teacher_cot import ask, take_reply
from safedata.builders.teachers import TeacherRequest, build_teacher
from safedata.filters.stage import FiltersStage, flagged
from safedata.pipeline import BuildContext
from safedata.schemas.filter import Filter
from safedata.schemas.record import Record

NAME = "probe"


class ProbeStage:
    name = NAME

    def plan(self, ctx: BuildContext) -> str:
        spec, student = ctx.recipe.probe, ctx.recipe.student
        assert spec is not None and student is not None
        return (
            f"ask {student.engine} {student.model} each {'/'.join(spec.kinds)} prompt {spec.samples} times; "
            f"keep prompts with >= {spec.min_failures} failing sample(s)"
        )

    def run(self, records: Iterator[Record], ctx: BuildContext) -> Iterator[Record]:
        spec, student_spec = ctx.recipe.probe, ctx.recipe.student
        assert spec is not None and student_spec is not None, "the recipe validator requires both"
        rows = list(records)
        probed = [r for r in rows if not r.has_trace and r.kind in spec.kinds]
        student = build_teacher(student_spec, ctx)
        params = student_spec.sampling.params()
        owners = [(i, k) for i in range(len(probed)) for k in range(spec.samples)]
        requests = [
            TeacherRequest.chat([{"role": "user", "content": probed[i].prompt}], sample=k, **params)
            for i, k in owners
        ]
        replies = ask(student, requests, student_spec, ctx, role="student")
        samples: list[tuple[int, Record]] = [
            (i, take_reply(probed[i].model_copy(deep=True), reply, student.info))
            for (i, _), reply in zip(owners, replies, strict=True)
            if reply.ok
        ]
        filters = FiltersStage(ctx.recipe.filter or Filter(), None)
        filters.judge([s for _, s in samples], filters.detectors(ctx), ctx, 0)
        counted = list(filters.spec.patterns)
        failures: Counter[int] = Counter()
        answered: Counter[int] = Counter()
        patterns: Counter[str] = Counter()
        for i, s in samples:
            fired = [p for p in flagged(s, counted) if p != "judge_failed"]  # no verdict is no failure
            failures[i] += bool(fired)
            answered[i] += 1
            patterns.update(fired)
        keep = {id(r) for i, r in enumerate(probed) if failures[i] >= spec.min_failures}
        for i, rec in enumerate(probed):
            detail = f"{failures[i]} of {answered[i]} student samples failed"
            if id(rec) in keep:
                rec.touched(NAME, "kept", detail)
            else:
                ctx.drop(
                    NAME, rec, f"probe: the student failed fewer than {spec.min_failures} of its samples"
                )
        ctx.stage_stats(NAME).notes.update(probe_notes(probed, failures, answered, patterns, keep))
        probed_ids = {id(r) for r in probed}
        for rec in rows:
            if id(rec) in keep or id(rec) not in probed_ids:
                yield rec


def probe_notes(
    probed: list[Record],
    failures: Counter[int],
    answered: Counter[int],
    patterns: Counter[str],
    keep: set[int],
) -> dict[str, Any]:
    """Kept share; per category the prompts probed, the share kept and the share of answered samples that
    failed."""
    by_cat: dict[str, list[int]] = defaultdict(list)
    for i, rec in enumerate(probed):
        by_cat[f"{rec.kind}/{rec.category or 'none'}"].append(i)
    return {
        "prompts_probed": len(probed),
        "kept": len(keep),
        "kept_share": round(len(keep) / len(probed), 4) if probed else None,
        "samples_answered": sum(answered.values()),
        "by_category": {
            cat: {
                "prompts": len(idx),
                "kept_share": round(sum(id(probed[i]) in keep for i in idx) / len(idx), 4),
                "sample_failure_rate": round(
                    sum(failures[i] for i in idx) / max(1, sum(answered[i] for i in idx)), 4
                ),
            }
            for cat, idx in sorted(by_cat.items())
        },
        "failing_patterns": dict(patterns.most_common()),
    }
