"""Seeded choice of templates and wrapping: counts per seed, determinism, tactic spread, benign wrapping."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter

import pytest

from safedata.augment.augmenter import Augmenter
from safedata.augment.tactics import BY_NAME
from safedata.augment.templates import TemplateError
from safedata.schemas.augment import Augment
from safedata.schemas.record import Record
from safedata.sources.file import read_jsonl
from safedata.sources.seeds import SEEDS_DIR
from tests.conftest import REPO


def _seeds() -> list[Record]:
    return [
        Record(prompt=row["prompt"], kind="harmful", category=row["category"], source="seeds/harmful")
        for _, row in read_jsonl(SEEDS_DIR / "harmful.jsonl")
    ]


def _benign() -> Record:
    return Record(
        prompt="How do vaccines train the immune system?",
        kind="benign",
        source="b",
        reasoning="r",
        answer="a",
    )


def _choices(aug: Augmenter, records: list[Record]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for rec in records:
        out[rec.prompt] = [r.attack.template_id for r in aug.augment(rec) if r.attack]
    return out


@pytest.mark.parametrize("k", [1, 3, 9, 12])
def test_per_seed_count_distinct_templates_and_plain_kept(k: int) -> None:
    seeds = _seeds()
    aug = Augmenter(Augment(per_seed=k), seed=0)
    for rec in seeds[:20]:
        out = list(aug.augment(rec))
        plain, wrapped = out[0], out[1:]
        assert plain is rec and plain.attack is None
        assert len(wrapped) == k
        assert len({r.attack.template_id for r in wrapped}) == k
        # Spread over tactics first: no tactic repeats until every tactic has been used once.
        tactics = [r.attack.tactic for r in wrapped]
        assert len(set(tactics)) == min(k, len(BY_NAME))
        for r in wrapped:
            assert r.kind == "harmful" and r.category == rec.category
            assert r.attack.original_request == rec.prompt and rec.prompt in r.prompt
            assert r.provenance[-1].stage == "augment"


def test_same_seed_same_choice_and_other_rows_do_not_matter() -> None:
    seeds = _seeds()
    first = _choices(Augmenter(Augment(per_seed=2), seed=7), seeds)
    again = _choices(Augmenter(Augment(per_seed=2), seed=7), list(reversed(seeds[10:30])))
    assert all(again[p] == first[p] for p in again)
    other = _choices(Augmenter(Augment(per_seed=2), seed=8), seeds)
    assert sum(other[p] != first[p] for p in first) > len(first) // 2


def test_choice_is_stable_across_processes() -> None:
    # A different hash seed in a fresh interpreter must not change the sampled templates.
    code = (
        "import json; from safedata.augment.augmenter import Augmenter;"
        "from safedata.schemas.augment import Augment;"
        "from safedata.schemas.record import Record;"
        "a = Augmenter(Augment(per_seed=3), seed=5);"
        "r = Record(prompt='p one', kind='harmful', source='s');"
        "print(json.dumps([x.attack.template_id for x in a.augment(r) if x.attack]))"
    )
    env = {**os.environ, "PYTHONHASHSEED": "123", "PYTHONPATH": str(REPO)}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env)
    here = [
        x.attack.template_id
        for x in Augmenter(Augment(per_seed=3), seed=5).augment(
            Record(prompt="p one", kind="harmful", source="s")
        )
        if x.attack
    ]
    assert json.loads(out.stdout) == here


def test_tactics_spread_evenly_over_a_seed_set() -> None:
    aug = Augmenter(Augment(per_seed=1), seed=0)
    counts = Counter(r.attack.tactic for rec in _seeds() for r in aug.augment(rec) if r.attack)
    assert set(counts) == set(BY_NAME)
    assert min(counts.values()) >= 3, counts  # 80 seeds over 9 tactics: about 9 each


def test_tactic_filter_exclusion_and_no_plain() -> None:
    spec = Augment(
        tactics=["roleplay", "persona"], exclude_templates=["persona-dual-answer"], keep_plain=False
    )
    aug = Augmenter(spec, seed=0)
    rows = [r for rec in _seeds() for r in aug.augment(rec)]
    assert len(rows) == 80 and all(r.attack for r in rows)
    assert {r.attack.tactic for r in rows} == {"roleplay", "persona"}
    assert "persona-dual-answer" not in {r.attack.template_id for r in rows}


def test_math_and_benign_pass_through_unless_wrap_benign() -> None:
    math = Record(prompt="What is 2+2?", kind="math", source="m", reasoning="2+2=4", answer="4")
    aug = Augmenter(Augment(per_seed=2, keep_plain=False), seed=0)
    assert list(aug.augment(math)) == [math]
    assert list(aug.augment(_benign())) == [_benign()]


def test_wrap_benign_keeps_the_answer_and_avoids_tactics_a_plain_answer_would_get_wrong() -> None:
    aug = Augmenter(Augment(per_seed=9, wrap_benign=True), seed=0)
    out = list(aug.augment(_benign()))
    wrapped = [r for r in out if r.attack]
    assert out[0].attack is None and wrapped
    for r in wrapped:
        assert r.kind == "benign" and (r.reasoning, r.answer) == ("r", "a")
        assert BY_NAME[r.attack.tactic].wraps_benign
    assert {r.attack.tactic for r in wrapped} == {t for t, v in BY_NAME.items() if v.wraps_benign}


def test_wrapped_harmful_row_drops_an_imported_trace() -> None:
    rec = Record(prompt="harm", kind="harmful", source="s", reasoning="plain refusal", answer="no")
    (wrapped,) = [r for r in Augmenter(Augment(), seed=0).augment(rec) if r.attack]
    assert wrapped.reasoning is None and wrapped.answer is None
    assert rec.reasoning == "plain refusal"  # the plain row is untouched


@pytest.mark.parametrize(
    ("spec", "loc", "message"),
    [
        (Augment(tactics=["roleplay", "telepathy"]), ("tactics", 1), "no template has tactic 'telepathy'"),
        (Augment(exclude_templates=["nope"]), ("exclude_templates", 0), "no template has id 'nope'"),
        (Augment(tactics=["persona"], per_seed=4), ("per_seed",), "per_seed 4 is more than the 3 templates"),
        (Augment(tactics=["prompt-injection"], wrap_benign=True), ("wrap_benign",), "wraps benign"),
    ],
)
def test_bad_settings_are_errors_with_their_location(spec: Augment, loc: tuple, message: str) -> None:
    with pytest.raises(TemplateError, match=message) as e:
        Augmenter(spec, seed=0)
    assert e.value.loc == loc
