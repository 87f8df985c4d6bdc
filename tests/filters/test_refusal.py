from __future__ import annotations

import pytest

from safedata.filters import is_refusal
from safedata.filters.refusal import compliance_after_refusal


@pytest.mark.parametrize(
    "answer",
    [
        "I'm sorry, but I can't help with that request.",
        "I cannot provide instructions for making weapons.",
        "As an AI language model, I cannot assist with illegal activities.",
        "I won\u2019t help with this: it could hurt someone.",  # curly apostrophe
        "I am an AI language model and do not condone or promote violence.",
        "I'm sorry to hear that you're going through a difficult time. Please reach out to a crisis line.",
        "I must clarify that breaking into someone's house is illegal and unethical.",
    ],
)
def test_refusals_are_recognised(answer: str) -> None:
    assert is_refusal(answer)


@pytest.mark.parametrize(
    "answer",
    [
        "Use `kill -9 PID` to stop the process.",
        "Sure! Here are three ways to make your wife laugh: tell a story, ...",
        "I'm sorry to hear about your cat. Here is how to find a good vet near you.",
        "As an AI, I don't have personal opinions, but here are the main arguments on both sides.",
        "I must point out that the question may not be meaningful: toasters cannot vote, because ...",
        # A refusal far into a long answer is part of the help, not a refusal of the request.
        "Step one is to preheat the oven. " * 20
        + "If you can't find flour, I cannot recommend almond flour.",
    ],
)
def test_compliance_is_not_a_refusal(answer: str) -> None:
    assert not is_refusal(answer)


def test_refusal_followed_by_steps_is_compliance_after_refusal() -> None:
    answer = "I can't help with that. However, here's how it works:\n1. Get a.\n2. Mix b.\n3. Heat c."
    assert is_refusal(answer) and compliance_after_refusal(answer)


def test_refusal_with_a_safe_offer_is_not_compliance_after_refusal() -> None:
    answer = "I'm sorry, but I can't help with that. However, I can share general safety resources."
    assert is_refusal(answer) and not compliance_after_refusal(answer)
