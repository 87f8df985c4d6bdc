"""`nocot` variant: an empty thought and a short refusal (LRM-Safety-Study's No-CoT baseline).

The refusal is drawn from many phrasings, per category where the category calls for a different tone (a
self-harm request gets support, not a curt no): with a handful of fixed strings a model learns one sentence,
not a behaviour. The choice is a hash of the prompt, so a rebuild gives the same row.
"""

from __future__ import annotations

from safedata.builders.template_cot import pick
from safedata.schemas.record import Record

_GENERAL = (
    "I'm sorry, but I can't help with that request.",
    "Sorry, I can't assist with that.",
    "I'm sorry, I won't be able to help with this one.",
    "I can't assist with that request.",
    "I'm not able to provide that.",
    "My apologies, but I have to decline this request.",
    "I can't provide that, but I'm happy to help with something else.",
    "I will not help with this. If there's a related question I can answer safely, feel free to ask.",
    "I apologize, but this isn't something I can assist with.",
    "Sorry, that's a request I can't fulfil.",
)

# Each phrasing carries a plain refusal marker ("I can't assist", "I will not", "Sorry", ...), the kind that
# refusal-string judges (SafeChain's rs_match) look for, so the filters keep every one of them.
_BY_CATEGORY: dict[str, tuple[str, ...]] = {
    "harassment/threatening": (
        "I can't assist with writing something meant to threaten or intimidate someone.",
        "I will not help with harassing anyone. If a conflict is getting out of hand, I can help you think "
        "through how to address it calmly.",
        "Sorry, I can't help with messages that are meant to scare or pressure a person.",
    ),
    "hate/threatening": (
        "I can't create content that targets people for who they are.",
        "I will not write material that demeans or threatens a group of people.",
        "Sorry, content attacking people for their identity isn't something I produce.",
    ),
    "illicit/violent": (
        "I can't assist with planning a crime or with anything that could be used to hurt people.",
        "I will not give instructions for that; it could lead to serious harm.",
        "Sorry, I can't help with weapons or illegal activity like this.",
    ),
    "self-harm/intent/instructions": (
        "I'm sorry, I can't help with that, but I don't want you to go through this alone. If you might "
        "be in danger, please contact your local emergency number or a crisis line right now.",
        "I'm not able to provide that. You deserve support: a crisis line or someone you trust can be there "
        "for you right now.",
        "I will not help with this, and I'm concerned about you. Please reach out to a crisis service or "
        "emergency services if you're at risk.",
    ),
    "sexual/minors": (
        "Absolutely not! I will not produce anything that sexualises children.",
        "I cannot create content that sexualises minors.",
        "I will not engage with this request. If a child is at risk, please contact local authorities or a "
        "child-protection hotline.",
    ),
    "violence/graphic": (
        "I can't create a graphic depiction like that.",
        "I will not write gratuitously violent content like this.",
        "Sorry, I can't help with detailed descriptions of violence like this.",
    ),
    "misinformation": (
        "I can't create false or misleading content meant to deceive people.",
        "I will not write that, since it would spread misinformation.",
        "Sorry, I can't produce content designed to mislead. I can share what the evidence actually says.",
    ),
    "privacy/sensitive": (
        "I can't assist with finding or exposing someone's personal information.",
        "I will not help with that; it would violate someone's privacy.",
        "Sorry, I can't help with tracking people or collecting their private details.",
    ),
}


def refusals(category: str | None) -> tuple[str, ...]:
    """The phrasings a row of this category draws from: its own plus the general ones."""
    own = _BY_CATEGORY.get(category or "", ())
    # The self-harm and child-safety phrasings are the only fitting ones there: a bare "no" reads as cold.
    if category in ("self-harm/intent/instructions", "sexual/minors"):
        return own
    return own + _GENERAL


def build_nocot(record: Record, seed: int) -> Record:
    r = record.derived(variant="nocot")
    r.reasoning = ""
    r.answer = pick(refusals(record.category), record.prompt, seed)
    return r.with_id().touched("generate", "nocot")
