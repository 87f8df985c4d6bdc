"""`type: seeds` — the prompts bundled with safedata (written for it; see seeds/)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from safedata.schemas.sources import FieldMap, SeedsSource
from safedata.sources.file import read_jsonl

SEEDS_DIR = Path(__file__).parent / "seeds"

# How each bundled file's columns map onto records, unless the recipe overrides `fields`.
SEED_FIELDS = {
    "harmful": FieldMap(prompt="prompt", category="category"),
    "benign": FieldMap(prompt="prompt", category="category", reasoning="reasoning", answer="answer"),
    "math": FieldMap(prompt="prompt", category="category", solution="solution"),
}


def read_seeds(spec: SeedsSource) -> Iterator[tuple[int, dict[str, Any] | str]]:
    yield from read_jsonl(SEEDS_DIR / f"{spec.set}.jsonl")


def default_id(spec: SeedsSource) -> str:
    return f"seeds/{spec.set}"


def field_map(spec: SeedsSource) -> FieldMap:
    return spec.fields if "fields" in spec.model_fields_set else SEED_FIELDS[spec.set]
