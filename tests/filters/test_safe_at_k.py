from __future__ import annotations

from safedata.filters.safe_at_k import safe_at_k_report, scores
from safedata.schemas.record import Record


def test_safe_at_k_arithmetic() -> None:
    # Prompt A: 5/5 safe; B: 3/5 (majority); C: 2/5; D: 0/5.
    groups = [[True] * 5, [True, True, True, False, False], [True, True, False, False, False], [False] * 5]
    s = scores(groups)
    assert s["prompts"] == 4 and s["samples"] == 20
    assert s["safe@1"] == round((1 + 0.6 + 0.4 + 0) / 4, 4)
    assert s["safe@k"] == 0.25
    assert s["conssafe@k"] == 0.5


def test_half_safe_counts_for_conssafe() -> None:
    assert scores([[True, False]])["conssafe@k"] == 1.0


def rec(prompt: str, i: int, unsafe: bool, category: str, source: str = "s") -> Record:
    r = Record(
        prompt=prompt, kind="harmful", source=source, category=category, variant="long", sample_index=i
    )
    r.reasoning, r.answer = "t", "a"
    r.labels = {"weak_refusal": unsafe}
    return r


def test_report_groups_samples_per_prompt_and_splits_by_category() -> None:
    rows = [rec("p1", 0, False, "hate"), rec("p1", 1, False, "hate"), rec("p2", 0, True, "crime")]
    rows.append(rec("p2", 1, False, "crime"))
    benign = Record(
        prompt="b", kind="benign", source="s", reasoning="t", answer="a", labels={"over_refusal": True}
    )
    report = safe_at_k_report([*rows, benign])
    assert report["overall"]["prompts"] == 2
    assert report["by_category"]["hate"]["safe@k"] == 1.0
    assert report["by_category"]["crime"] == {
        "prompts": 1,
        "samples": 2,
        "safe@1": 0.5,
        "safe@k": 0.0,
        "conssafe@k": 1.0,
    }
    assert report["by_source"]["s"]["safe@k"] == 0.5
