"""No-CoT refusals: many phrasings, fitting the category, each one a clean refusal to the filters."""

from __future__ import annotations

from collections import Counter

import pytest

from safedata.builders.nocot import build_nocot, refusals
from safedata.categories import CATEGORIES
from safedata.filters import detect
from safedata.schemas.record import Record


@pytest.mark.parametrize("category", [c.name for c in CATEGORIES] + [None])
def test_every_phrasing_is_a_clean_refusal(category: str | None) -> None:
    for answer in refusals(category):
        labels = detect("a harmful request", "", answer, judges=["rs_match"])
        assert not any(labels.values()), (answer, {k for k, v in labels.items() if v})


def test_phrasings_vary_by_category_and_across_rows() -> None:
    bank = {c.name: set(refusals(c.name)) for c in CATEGORIES}
    assert sum(len(v) for v in bank.values()) >= 40
    assert all(len(v) >= 3 for v in bank.values())
    # a self-harm request gets support, never the general curt phrasings
    assert not bank["self-harm/intent/instructions"] & set(refusals(None))
    assert all("crisis" in a for a in bank["self-harm/intent/instructions"])
    rows = [
        build_nocot(Record(prompt=f"request {i}", kind="harmful", source="s", category=c.name), seed=0)
        for i in range(40)
        for c in CATEGORIES
    ]
    counts = Counter(r.answer for r in rows)
    assert len(counts) >= 25 and max(counts.values()) <= len(rows) / 8
    again = build_nocot(Record(prompt="request 3", kind="harmful", source="s", category="misinformation"), 0)
    assert again.answer == next(
        r.answer for r in rows if r.prompt == "request 3" and r.category == "misinformation"
    )
