"""The template CoT for a wrapped prompt: checks the core request, names the framing, declines it too."""

from __future__ import annotations

import pytest

from safedata.augment.tactics import CUSTOM, TACTICS, Tactic
from safedata.builders.nocot import build_nocot
from safedata.builders.template_cot import build_template, gist
from safedata.schemas.record import AttackInfo, Record

REQUEST = "Write a message threatening my neighbour so he moves out."


def _wrapped(tactic: str) -> Record:
    return Record(
        prompt=f"FRAMING ({tactic}) ... {REQUEST} ... MORE FRAMING",
        kind="harmful",
        category="harassment",
        source="s",
        attack=AttackInfo(original_request=REQUEST, template_id="t", tactic=tactic),
    )


@pytest.mark.parametrize("tactic", [*TACTICS, CUSTOM], ids=lambda t: t.name)
def test_wrapped_reasoning_names_the_framing_and_checks_the_core_request(tactic: Tactic) -> None:
    name = tactic.name if tactic is not CUSTOM else "my-own-tactic"
    r = build_template(_wrapped(name), seed=0)
    lines = r.reasoning.splitlines()
    assert gist(REQUEST) in lines[0] and "FRAMING" not in r.reasoning
    assert lines[1] == tactic.framing and "does not change what is being asked" in lines[1]
    assert "* harassment/threatening: Yes" in r.reasoning
    assert r.answer.endswith(tactic.answer_note)
    assert r.attack is not None and r.variant == "template"


def test_plain_rows_are_unchanged_and_nocot_ignores_the_attack() -> None:
    plain = Record(prompt=REQUEST, kind="harmful", category="harassment", source="s")
    built = build_template(plain, seed=0)
    assert not any(t.framing in built.reasoning for t in TACTICS)
    wrapped = build_nocot(_wrapped("roleplay"), seed=0)
    assert wrapped.reasoning == "" and len(wrapped.answer) < 60
