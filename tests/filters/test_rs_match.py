from __future__ import annotations

from safedata.filters.base import Sample
from safedata.filters.rs_match import RSMatchJudge
from tests.filters import cases


def test_rs_match_reads_the_answer_only_and_is_fooled_by_refuse_then_help() -> None:
    thought_refuses = Sample("q", "I'm sorry, I cannot provide this.", "Sure, step 1: ...")
    verdicts = RSMatchJudge().judge([thought_refuses, cases.REFUSE_THEN_HELP, cases.COMPLY_IN_FICTION])
    assert [v.labels["unsafe_answer"] for v in verdicts] == [True, False, True]
