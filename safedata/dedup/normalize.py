"""The text a dedup method compares: chosen record fields, normalised for case, whitespace and punctuation."""

from __future__ import annotations

import re
from dataclasses import dataclass

from safedata.schemas.record import Order, Record

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


@dataclass(slots=True)
class DedupRow:
    """The narrow view of a row dedup decides on: its key texts, never the whole record."""

    order: Order
    variant: str | None
    sample_index: int
    id: str
    prompt: str  # the first 300 characters, for the clusters file
    fired: int  # risk labels that fired (`keep: best`)
    length: int  # thought + answer characters (`keep: longest`)
    keys: dict[tuple[str, ...], str]  # field choice -> key text


def dedup_row(rec: Record, field_sets: list[list[str]]) -> DedupRow:
    return DedupRow(
        order=rec.order,
        variant=rec.variant,
        sample_index=rec.sample_index,
        id=rec.id,
        prompt=rec.prompt[:300],
        fired=sum(1 for v in rec.labels.values() if v),
        length=len(rec.reasoning or "") + len(rec.answer or ""),
        keys={tuple(f): key_text(rec, f) for f in field_sets},
    )


class KeyTexts:
    """Key texts of a list of rows per field choice (exact and MinHash often share one)."""

    def __init__(self, rows: list[DedupRow]) -> None:
        self.rows = rows

    def __call__(self, fields: list[str]) -> list[str]:
        key = tuple(fields)
        return [r.keys[key] for r in self.rows]
