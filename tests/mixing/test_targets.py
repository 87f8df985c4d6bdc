"""Targets per kind: exact ratios, counts, totals, and the warning when rows run short."""

from __future__ import annotations

from safedata.mixing.targets import equal_split, largest_remainder, plan_targets
from safedata.schemas.mix import Mix


def test_lrm_safety_study_ratio_is_hit_exactly() -> None:
    targets, warnings = plan_targets(
        Mix(ratio={"harmful": 1, "math": 4, "benign": 0.1}), {"harmful": 1000, "math": 7473, "benign": 500}
    )
    assert targets == {"harmful": 1000, "math": 4000, "benign": 100}
    assert warnings == []


def test_short_kind_limits_the_ratio_and_says_so() -> None:
    targets, warnings = plan_targets(Mix(ratio={"harmful": 1, "math": 4}), {"harmful": 1000, "math": 3000})
    assert targets == {"harmful": 750, "math": 3000}
    assert warnings == []  # 750 : 3000 is exactly 1 : 4
    targets, warnings = plan_targets(Mix(ratio={"harmful": 1, "math": 4}), {"harmful": 1000, "math": 2999})
    assert targets == {"harmful": 749, "math": 2999}
    assert "cannot be hit exactly" in warnings[0] and "math" in warnings[0]


def test_total_and_counts() -> None:
    targets, warnings = plan_targets(
        Mix(ratio={"harmful": 1, "math": 2}, total=300), {"harmful": 500, "math": 500}
    )
    assert targets == {"harmful": 100, "math": 200} and warnings == []
    targets, warnings = plan_targets(
        Mix(ratio={"harmful": 1, "math": 2}, total=3000), {"harmful": 500, "math": 500}
    )
    assert targets == {"harmful": 250, "math": 500}
    assert "total 3000" in warnings[0]
    targets, warnings = plan_targets(Mix(counts={"harmful": 10, "benign": 50}), {"harmful": 20, "benign": 30})
    assert targets == {"harmful": 10, "benign": 30}
    assert warnings == ["mix: asked for 50 benign rows, only 30 available; kept 30"]


def test_splits_sum_exactly() -> None:
    assert largest_remainder({"a": 1, "b": 1, "c": 1}, 10) == {"a": 4, "b": 3, "c": 3}
    assert equal_split({"a": 2, "b": 50, "c": 50}, 30) == {"a": 2, "b": 14, "c": 14}
    assert sum(equal_split({"a": 3, "b": 7, "c": 11}, 17).values()) == 17
    assert equal_split({"a": 3, "b": 4}, 100) == {"a": 3, "b": 4}
