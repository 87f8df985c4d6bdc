"""The text a dedup method compares: chosen record fields, normalised for case, whitespace and punctuation."""

from __future__ import annotations

import re

from safedata.schemas.record import Record

_PUNCT = re.compile(r"[^\w\s]+")
# Joins fields so that `prompt + answer` never equals a different split of the same words.
FIELD_SEP = " \x1f "


def normalize(text: str) -> str:
    """Lowercase, punctuation to spaces, whitespace collapsed."""
    return " ".join(_PUNCT.sub(" ", text.lower()).split())


def field_values(rec: Record, name: str) -> list[str]:
    if name == "request_tactic":
        # Wrapped variants of one seed keep apart: the key is what was asked plus how it was framed.
        if rec.attack is None:
            return [rec.prompt]
        return [rec.attack.original_request, rec.attack.tactic]
    return [getattr(rec, name) or ""]


def key_text(rec: Record, fields: list[str]) -> str:
    """The compared text; empty when every chosen field is empty (such rows match nothing)."""
    parts = [normalize(v) for f in fields for v in field_values(rec, f)]
    return FIELD_SEP.join(parts) if any(parts) else ""
