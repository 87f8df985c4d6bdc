"""Detect the failure patterns of safety reasoning data, judge thought and answer apart, repair or drop.

Function API (the audit command and validate use it; nothing here imports torch):

    from safedata.filters import detect, is_refusal, PATTERNS

    detect(prompt, reasoning, answer, kind="harmful", backend="heuristic") -> dict[str, bool]
        One boolean per pattern in PATTERNS (patterns that do not apply to `kind` are False).
        backend "llm" needs `teacher=` (any safedata teacher engine); `judges=["rs_match", ...]` adds safety
        judges for unsafe_thought / unsafe_answer (model judges use the same teacher).
    is_refusal(answer) -> bool
        Does the answer (the text after </think>) refuse, fully or partly?

Batch use: `make_detector(name, JudgeConfig(...))` from filters.registry and
`run_detectors(samples, detectors)` from filters.judging, with samples as
`filters.base.Sample(prompt, reasoning, answer, kind)`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from safedata.filters.patterns import PATTERNS
from safedata.filters.refusal import is_refusal

if TYPE_CHECKING:
    from safedata.engines.base import Teacher

__all__ = ["PATTERNS", "detect", "is_refusal"]


def detect(
    prompt: str,
    reasoning: str,
    answer: str,
    kind: str = "harmful",
    backend: str = "heuristic",
    judges: Sequence[str] = (),
    teacher: Teacher | None = None,
) -> dict[str, bool]:
    # Imported here: `import safedata.filters` (the recipe schema reads judges' options from their modules)
    # stays free of the judges themselves.
    from safedata.filters.base import Sample
    from safedata.filters.judging import run_detectors
    from safedata.filters.registry import JudgeConfig, make_detector

    config = JudgeConfig(teacher=teacher)
    detectors = [make_detector(name, config) for name in (backend, *judges)]
    return run_detectors([Sample(prompt, reasoning, answer, kind)], detectors)[0].labels
