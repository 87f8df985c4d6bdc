"""Row-level pattern heads: what `safedata judge distill` trains on a judge's labels.

Each row becomes a small vector (the rules' outputs, the strongest probability of each segment class in the
thought and in the answer, the last decision): a logistic head per pattern maps it to the judge's label. A
pattern with too few labels of either value keeps its rule.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from safedata.filters.learned.rules import Derived, Segment
from safedata.filters.patterns import PATTERNS

MIN_PER_CLASS = 3


def row_vector(
    derived: Derived, thought: Sequence[Segment], answer: Sequence[Segment], classes: dict[str, Sequence[str]]
) -> np.ndarray:
    feats = [float(derived.labels[p]) for p in PATTERNS]
    for part, segs in (("thought", thought), ("answer", answer)):
        for cls in classes[part]:
            feats.append(max((s.probs[cls] for s in segs), default=0.0))
    feats += [
        float(derived.last_decision == "refuse"),
        float(derived.last_decision == "help"),
        float(bool(thought)),
    ]
    return np.array(feats, dtype=np.float32)


def fit_patterns(
    x: np.ndarray, labels: Sequence[dict[str, bool]], patterns: Sequence[str]
) -> dict[str, tuple[np.ndarray, float]]:
    """pattern -> (weight, bias) for the patterns with enough labels of both values."""
    from sklearn.linear_model import LogisticRegression

    out = {}
    for p in patterns:
        idx = [i for i, lab in enumerate(labels) if p in lab]
        y = np.array([labels[i][p] for i in idx], dtype=bool)
        if y.sum() < MIN_PER_CLASS or (~y).sum() < MIN_PER_CLASS:
            continue
        lr = LogisticRegression(C=1.0, class_weight="balanced", max_iter=1000).fit(x[idx], y)
        out[p] = (lr.coef_[0].astype(np.float32), float(lr.intercept_[0]))
    return out
