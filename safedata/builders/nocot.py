"""`nocot` variant: an empty thought and a short refusal (LRM-Safety-Study's No-CoT baseline)."""

from __future__ import annotations

from safedata.builders.template_cot import pick
from safedata.schemas.record import Record

_SHORT_REFUSALS = (
    "I'm sorry, but I can't help with that request.",
    "Sorry, I can't assist with that.",
    "I'm sorry, I won't be able to help with this.",
)


def build_nocot(record: Record, seed: int) -> Record:
    r = record.model_copy(deep=True, update={"variant": "nocot"})
    r.reasoning = ""
    r.answer = pick(_SHORT_REFUSALS, record.prompt, seed)
    return r.with_id().touched("generate", "nocot")
