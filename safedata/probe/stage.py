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
from typing import Any

from safedata.engines import TeacherRequest, build_teacher
from safedata.engines.generation import ask, take_reply
from safedata.filters.stage import FiltersStage, close_detectors, flagged
from safedata.pipeline import BuildContext
from safedata.runners.contract import RowStage
from safedata.schemas.filter import filter_model
from safedata.schemas.record import Record

NAME = "probe"


class ProbeStage(RowStage):
    """A row stage: a prompt's samples are asked and judged within its block; notes hold sums per block,
    turned into shares in `finish`."""

    name = NAME
    plan_skips = True  # a dry run asks no student: later plans count every prompt (an upper bound)

    def plan(self, ctx: BuildContext) -> str:
        spec, student = ctx.recipe.probe, ctx.recipe.student
        assert spec is not None and student is not None
        return (
            f"ask {student.engine} {student.model} each {'/'.join(spec.kinds)} prompt {spec.samples} times; "
            f"keep prompts with >= {spec.min_failures} failing sample(s)"
        )

    def open(self, ctx: BuildContext) -> None:
        self._filters = FiltersStage(ctx.recipe.filter or filter_model()(), None)
        self._detectors = self._filters.detectors(ctx)

    def close(self) -> None:
        close_detectors(getattr(self, "_detectors", []))

    def map_block(self, block: list[Record], ctx: BuildContext) -> list[Record]:
        spec, student_spec = ctx.recipe.probe, ctx.recipe.student
        assert spec is not None and student_spec is not None, "the recipe validator requires both"
        probed = [r for r in block if not r.has_trace and r.kind in spec.kinds]
        student = build_teacher(student_spec, ctx)
        params = student_spec.sampling.params()
        owners = [(i, k) for i in range(len(probed)) for k in range(spec.samples)]
        requests = [
            TeacherRequest.chat([{"role": "user", "content": probed[i].prompt}], sample=k, **params)
            for i, k in owners
        ]
        replies = ask(student, requests, student_spec, ctx.progress, role="student")
        samples: list[tuple[int, Record]] = [
            (i, take_reply(probed[i].model_copy(deep=True), reply, student.info))
            for (i, _), reply in zip(owners, replies, strict=True)
            if reply.ok
        ]
        filters = self._filters
        filters.judge([s for _, s in samples], self._detectors, ctx, 0)
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
        notes = ctx.stage_stats(NAME).notes
        notes.update(probe_sums(probed, failures, answered, patterns, keep))
        probed_ids = {id(r) for r in probed}
        return [rec for rec in block if id(rec) in keep or id(rec) not in probed_ids]

    def finish(self, ctx: BuildContext) -> None:
        notes = ctx.stage_stats(NAME).notes
        if notes:
            notes.update(probe_notes(notes))
        self._filters.finish_progress(ctx)


def probe_sums(
    probed: list[Record],
    failures: Counter[int],
    answered: Counter[int],
    patterns: Counter[str],
    keep: set[int],
) -> dict[str, Any]:
    """A block's counts (they add up over blocks): prompts probed and kept, samples answered and failed,
    overall and per category."""
    by_cat: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(CAT_SUMS, 0))
    for i, rec in enumerate(probed):
        cat = by_cat[f"{rec.kind}/{rec.category or 'none'}"]
        cat["prompts"] += 1
        cat["kept"] += id(rec) in keep
        cat["failures"] += failures[i]
        cat["answered"] += answered[i]
    return {
        "prompts_probed": len(probed),
        "kept": len(keep),
        "samples_answered": sum(answered.values()),
        "by_category": dict(by_cat),
        "failing_patterns": dict(patterns),
    }


CAT_SUMS = ("prompts", "kept", "failures", "answered")


def probe_notes(sums: dict[str, Any]) -> dict[str, Any]:
    """Kept share; per category the prompts probed, the share kept and the share of answered samples that
    failed."""
    probed = sums["prompts_probed"]
    return {
        "kept_share": round(sums["kept"] / probed, 4) if probed else None,
        "by_category": {
            cat: {
                "prompts": c["prompts"],
                "kept_share": round(c["kept"] / c["prompts"], 4),
                "sample_failure_rate": round(c["failures"] / max(1, c["answered"]), 4),
            }
            for cat, c in sorted(sums["by_category"].items())
        },
        "failing_patterns": dict(Counter(sums["failing_patterns"]).most_common()),
    }
