"""Repair by regeneration: ask the recipe's teacher again with escalated guidelines.

Each round moves a row one step up default -> realsafe -> improved (LRM-Safety-Study: RealSafe for missing
safety awareness, Improved CoT for overthinking and inconsistency); a row already at `improved` is drawn
again under it. Every round asks for a fresh sample (its own cache key), so a cached bad reply is not reused.
"""

from __future__ import annotations

from collections.abc import Sequence

from safedata.builders.decoding import PREFILLS, run_decoding
from safedata.builders.teacher_prompts import over_short_cap, user_message
from safedata.builders.teachers import Teacher, TeacherRequest
from safedata.schemas.record import Record, Usage
from safedata.schemas.teacher import GUIDELINES, TeacherBase

TEACHER_VARIANTS = ("long", "short", "template")
# Sample keys for repair draws start here, far above any K a recipe asks for (K <= 64).
REPAIR_SAMPLE_BASE = 1000


def escalate(current: str) -> str:
    i = GUIDELINES.index(current) if current in GUIDELINES else 0
    return GUIDELINES[min(i + 1, len(GUIDELINES) - 1)]


def regenerate(records: Sequence[Record], teacher: Teacher, spec: TeacherBase, round_: int) -> list[Record]:
    """Replace the thought and answer of each record in place; returns the records that got a new reply."""
    params = spec.sampling.params()
    plans, requests = [], []
    for rec in records:
        guidelines = escalate(rec.teacher.guidelines if rec.teacher else "default")
        variant = rec.variant if rec.variant in TEACHER_VARIANTS else "long"
        text = user_message(rec.prompt, variant, guidelines, rec.kind == "harmful", spec.short_thought_words)
        sample = REPAIR_SAMPLE_BASE * round_ + rec.sample_index
        plans.append(guidelines)
        requests.append(
            TeacherRequest.chat(
                [{"role": "user", "content": text}], prefill=PREFILLS[spec.decoding], sample=sample, **params
            )
        )
    replies = run_decoding(teacher, requests, spec.decoding, spec.morethink)
    changed = []
    for rec, guidelines, reply in zip(records, plans, replies, strict=True):
        if not reply.ok:
            rec.touched("filters", "repair:regenerate-failed", f"round {round_}: {reply.error}")
            continue
        if over_short_cap(rec.variant, reply.reasoning, spec.short_thought_words):
            rec.touched("filters", "repair:regenerate-failed", f"round {round_}: thought over the short cap")
            continue
        rec.reasoning, rec.answer, rec.truncated = reply.reasoning, reply.answer, reply.truncated
        rec.teacher = teacher.info.model_copy(update={"guidelines": guidelines})
        rec.usage = Usage(
            input_tokens=reply.input_tokens, output_tokens=reply.output_tokens, cached=reply.cached
        )
        changed.append(rec)
    return changed
