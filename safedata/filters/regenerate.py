"""Repair by regeneration: ask the recipe's teacher again with escalated guidelines.

Each round moves a row one step up default -> realsafe -> improved (LRM-Safety-Study: RealSafe for missing
safety awareness, Improved CoT for overthinking and inconsistency); a row already at `improved` is drawn
again under it. Every round asks for a fresh sample (its own cache key), so a cached bad reply is not reused.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence

from safedata.engines import Teacher
from safedata.engines.generation import add_usage, send, take_reply, teacher_request, usage_rows
from safedata.engines.prompts import over_short_cap
from safedata.filters.repair import NAME, RepairRound
from safedata.pipeline import merge_notes
from safedata.schemas.record import Record
from safedata.schemas.teacher import GUIDELINES, TeacherBase

TEACHER_VARIANTS = ("long", "short", "template")
# Sample keys for repair draws start here, far above any K a recipe asks for (K <= 64).
REPAIR_SAMPLE_BASE = 1000


def escalate(current: str) -> str:
    i = GUIDELINES.index(current) if current in GUIDELINES else 0
    return GUIDELINES[min(i + 1, len(GUIDELINES) - 1)]


def regenerate(
    records: Sequence[Record],
    teacher: Teacher,
    spec: TeacherBase,
    round_: int,
    usage: dict[str, Counter[str]] | None = None,
) -> list[Record]:
    """Replace the thought and answer of each record in place; returns the records that got a new reply.
    The tokens of every reply (kept or not) are added to `usage` per variant."""
    plans, requests = [], []
    for rec in records:
        guidelines = escalate(rec.teacher.guidelines if rec.teacher else "default")
        variant = rec.variant if rec.variant in TEACHER_VARIANTS else "long"
        plans.append(guidelines)
        requests.append(
            teacher_request(rec, variant, guidelines, spec, REPAIR_SAMPLE_BASE * round_ + rec.sample_index)
        )
    replies = send(teacher, requests, spec)  # as the generate stage asks: the same decoding strategy
    changed = []
    for rec, guidelines, reply in zip(records, plans, replies, strict=True):
        if usage is not None and reply.ok:
            add_usage(usage[rec.variant or "none"], reply)
        if not reply.ok or reply.aborted:
            why = reply.error or "thought aborted as unsafe while streaming"
            rec.touched("filters", "repair:regenerate-failed", f"round {round_}: {why}")
            continue
        if over_short_cap(rec.variant, reply.reasoning, spec.short_thought_words):
            rec.touched("filters", "repair:regenerate-failed", f"round {round_}: thought over the short cap")
            continue
        changed.append(take_reply(rec, reply, teacher.info.model_copy(update={"guidelines": guidelines})))
    return changed


def repair(rows: list[Record], round_: RepairRound) -> list[Record]:
    """The `regenerate` repair action: ask the recipe's teacher again, one guideline level up."""
    spec = round_.ctx.recipe.teacher
    if not rows or spec is None:  # the recipe validator requires a teacher for `regenerate`
        return []
    usage: dict[str, Counter[str]] = defaultdict(Counter)  # this round's tokens, per variant
    changed = regenerate(rows, round_.engine(spec), spec, round_.n, usage)
    notes = round_.ctx.stage_stats(NAME).notes
    # Added to the block's earlier rounds; blocks' partial reports add up the same way.
    notes["teacher"] = merge_notes(notes.get("teacher", {}), {"usage_by_variant": usage_rows(spec, usage)})
    for rec in changed:
        rec.touched(NAME, "repair:regenerate", f"round {round_.n}: guidelines {rec.teacher.guidelines}")  # type: ignore[union-attr]
    return changed
