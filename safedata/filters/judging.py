"""Run several detectors over samples and merge their verdicts: a pattern fires if any detector says so."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from safedata.filters.base import Detector, Sample
from safedata.filters.patterns import applies, empty_labels


@dataclass
class Judged:
    labels: dict[str, bool]
    judgements: dict[str, Any] = field(default_factory=dict)  # detector name -> what it said
    failed: list[str] = field(default_factory=list)  # detectors that gave no usable verdict

    @property
    def safe(self) -> bool:
        return not self.failed and not any(self.labels.values())


def _failed(detail: dict[str, Any]) -> bool:
    return "error" in detail or any(isinstance(v, dict) and "error" in v for v in detail.values())


def run_detectors(samples: Sequence[Sample], detectors: Sequence[Detector]) -> list[Judged]:
    out = [Judged(empty_labels()) for _ in samples]
    for det in detectors:
        for sample, judged, verdict in zip(samples, out, det.judge(samples), strict=True):
            fired = sorted(p for p, v in verdict.labels.items() if v and applies(p, sample.kind))
            for p in fired:
                judged.labels[p] = True
            judged.judgements[det.name] = {"fired": fired, **verdict.detail}
            if _failed(verdict.detail):
                judged.failed.append(det.name)
    return out
