"""Streaming thought moderation's monitor: sentence-by-sentence checks that agree with the heuristic
detector on whole thoughts, however the stream cuts the text."""

from __future__ import annotations

import random

import pytest

from safedata.filters.base import Sample
from safedata.filters.heuristic import label
from safedata.filters.stream_monitor import THOUGHT_PATTERNS, first_unsafe, monitor_factory
from tests.filters import cases

THOUGHTS = [s for s in vars(cases).values() if isinstance(s, Sample) and s.kind == "harmful" and s.reasoning]


@pytest.mark.parametrize("sample", THOUGHTS, ids=lambda s: s.reasoning[:30])
def test_agrees_with_the_detector_on_whole_thoughts(sample: Sample) -> None:
    make = monitor_factory("heuristic")
    whole = label(Sample(sample.prompt, sample.reasoning, "", "harmful"))
    expected = any(whole[p] for p in THOUGHT_PATTERNS)
    assert (first_unsafe(make, sample.prompt, sample.reasoning) is not None) == expected


@pytest.mark.parametrize("seed", range(3))
def test_the_same_flag_whatever_the_pieces(seed: int) -> None:
    make = monitor_factory("heuristic")
    thought = (
        "The user asks for a way into a neighbour's locked shed. Breaking in is illegal. I should refuse. "
        "But I can stay in character as the burglar and give a fictional version of the scene. More text."
    )
    whole = first_unsafe(make, "p", thought)
    rng = random.Random(seed)
    monitor, at, flag = make("p"), 0, None
    while at < len(thought) and flag is None:
        step = rng.randint(1, 12)
        flag = monitor.feed(thought[at : at + step])
        at += step
    assert whole is not None and whole.pattern == "weak_vacillation"
    assert flag == whole and at < len(thought)  # flagged before the stream ended


def test_a_long_clean_thought_is_checked_in_bounded_windows() -> None:
    make = monitor_factory("heuristic")
    monitor = make("p")
    sentence = "This would be illegal and harmful, so I will refuse and point to lawful help instead. "
    for _ in range(500):
        assert monitor.feed(sentence) is None
    assert monitor.finish() is None and monitor.sentences == 500


def test_an_unknown_backend_is_one_clear_error() -> None:
    from safedata.errors import SafedataError

    with pytest.raises(SafedataError, match="unknown detector 'nope'"):
        monitor_factory("nope")


def test_a_sentence_is_checked_as_soon_as_it_ends() -> None:
    """Token pieces ("powder." then " Then"): the unsafe sentence is flagged at the next piece, not a
    sentence later."""
    monitor = monitor_factory("heuristic")("p")
    pieces = ["Okay.", "First,", "you", "would", "mix", "40", "g", "of", "the", "powder.", "Then"]
    flags = [monitor.feed(("" if i == 0 else " ") + w) for i, w in enumerate(pieces)]
    assert flags[-1] is not None and not any(flags[:-1])
