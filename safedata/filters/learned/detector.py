"""`learned` backend: segment the trace, classify each segment with trained heads, derive patterns by rules.

Stage 1 (always): hashed n-gram features and linear heads, conditioned on the request (features/heads).
Stage 2 (when a judge folder ships embedding heads): sentence embeddings for the segments stage 1 is unsure
about. A judge folder from `safedata judge distill` adds per-pattern heads trained on a judge's labels.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from safedata.filters.base import Sample, Verdict
from safedata.filters.learned import heads as H
from safedata.filters.learned.features import content_words, featurise
from safedata.filters.learned.rules import Derived, Segment, derive
from safedata.filters.learned.segment import passages, sentences
from safedata.filters.patterns import PATTERNS

DEFAULT_HEADS = Path(__file__).parent / "data" / "heads.npz"


class LearnedDetector:
    name = "learned"
    patterns = PATTERNS

    def __init__(self, heads_path: Path | str | None = None) -> None:
        self.heads, self.meta = H.load(Path(heads_path or DEFAULT_HEADS))

    def segments(self, sample: Sample) -> tuple[list[Segment], list[Segment], np.ndarray]:
        req = content_words(sample.prompt)
        out = []
        for part, texts in (("thought", sentences(sample.reasoning)), ("answer", passages(sample.answer))):
            head = self.heads[part]
            probs = head.hashed([featurise(t, req) for t in texts])
            out.append(
                [
                    Segment(part, i, t, dict(zip(head.classes, map(float, p), strict=True)))
                    for i, (t, p) in enumerate(zip(texts, probs, strict=True))
                ]
            )
        request = self.heads["request"].hashed([featurise(sample.prompt)])[0]
        return out[0], out[1], request

    def derive(self, sample: Sample) -> tuple[Derived, dict[str, float]]:
        thought, answer, request = self.segments(sample)
        req = dict(zip(self.heads["request"].classes, (round(float(p), 3) for p in request), strict=True))
        return derive(sample.kind, thought, answer), req

    def judge(self, samples: Sequence[Sample]) -> list[Verdict]:
        out = []
        for s in samples:
            d, req = self.derive(s)
            detail: dict[str, Any] = {"evidence": d.evidence, "request": req, "refusal": d.refusal}
            if d.last_decision:
                detail["last_decision"] = d.last_decision
            out.append(Verdict(d.labels, detail))
        return out
