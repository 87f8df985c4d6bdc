"""Safety judges rate the thought and the answer apart: which part feeds which pattern."""

from __future__ import annotations

from safedata.filters.base import Sample

PART_PATTERN = {"thought": "unsafe_thought", "answer": "unsafe_answer"}


def part_text(sample: Sample, part: str) -> str:
    return sample.reasoning if part == "thought" else sample.answer


def judged_parts(sample: Sample, parts: tuple[str, ...]) -> list[str]:
    """Parts to send; an empty thought (no-CoT rows) has nothing to judge."""
    return [p for p in parts if part_text(sample, p).strip()]
