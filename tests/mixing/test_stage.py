"""The mix stage: exact counts on real data, determinism, category balance, diverse and hardest selection."""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest

import safedata
from safedata.errors import RecipeError
from safedata.mixing.stage import MixStage
from safedata.pipeline import BuildContext
from safedata.schemas.record import Record


def _recipe(shared_data: Path, **mix: object) -> dict[str, object]:
    return {
        "name": "mix",
        "seed": 3,
        "sources": [
            {"type": "seeds", "set": "harmful"},
            {"type": "seeds", "set": "benign"},
            {
                "type": "file",
                "path": str(shared_data / "gsm8k" / "train.jsonl"),
                "kind": "math",
                "limit": 1000,
                "fields": {"prompt": "question", "solution": "answer"},
            },
        ],
        "variants": ["template", "nocot"],
        "mix": mix,
    }


def test_ratio_hit_exactly_and_deterministic(tmp_path: Path, shared_data: Path) -> None:
    recipe = _recipe(shared_data, ratio={"harmful": 1, "math": 4, "benign": 0.1})
    a = safedata.build(recipe, out=str(tmp_path / "a"))
    assert a.report["final"]["kind"] == {"harmful": 160, "math": 640, "benign": 16}
    assert a.report["final"]["variant"]["template"] == a.report["final"]["variant"]["nocot"] == 80
    b = safedata.build(recipe, out=str(tmp_path / "b"))
    assert [r.id for r in a.records] == [r.id for r in b.records]
    c = safedata.build({**recipe, "seed": 4}, out=str(tmp_path / "c"))
    assert {r.id for r in c.records if r.kind == "math"} != {r.id for r in a.records if r.kind == "math"}
    mix = next(s for s in a.report["stages"] if s["name"] == "mix")
    assert mix["notes"]["lengths"]["unit"] == "whitespace words"
    assert set(mix["notes"]["lengths"]) == {"unit", "harmful", "math", "benign"}
    assert "**mix › lengths › math**" in (tmp_path / "a" / "README.md").read_text()


def test_category_balance_short_kind_warning_and_kinds_left_out(tmp_path: Path, shared_data: Path) -> None:
    result = safedata.build(
        _recipe(shared_data, counts={"harmful": 40, "benign": 100}, balance_categories=True),
        out=str(tmp_path / "o"),
    )
    assert result.report["final"]["kind"] == {"harmful": 40, "benign": 54}
    for variant in ("template", "nocot"):
        per_cat = Counter(r.category for r in result.records if r.variant == variant)
        assert sum(per_cat.values()) == 20 and max(per_cat.values()) - min(per_cat.values()) <= 1
    mix = next(s for s in result.report["stages"] if s["name"] == "mix")
    assert mix["dropped"]["kind not in mix"] == 1000
    assert mix["notes"]["warnings"] == ["mix: asked for 100 benign rows, only 54 available; kept 54"]
    assert "mix: asked for 100 benign rows, only 54 available" in (tmp_path / "o" / "README.md").read_text()


BIG = [
    f"How long should I bake {food} at {temp} degrees?"
    for food, temp in itertools.product(
        [
            "bread",
            "chicken",
            "salmon",
            "potatoes",
            "cookies",
            "lasagna",
            "a cake",
            "muffins",
            "pizza",
            "brownies",
        ],
        range(300, 450, 10),
    )
]
SMALL = {
    "astronomy": "Why does {} look brighter than the stars tonight?",
    "taxes": "How do I declare {} on my income tax return?",
    "football": "Who scored the most goals for {} last season?",
    "python": "How do I fix this Python error: {}?",
    "dogs": "How do I stop my dog from {}?",
    "guitar": "What is the fingering for the {} chord on guitar?",
    "cars": "Why does my car make {} when braking?",
    "knitting": "How do I knit a {} pattern for a scarf?",
    "law": "Can my landlord {} without notice?",
}
FILL = {
    "astronomy": ["Venus", "Jupiter", "Mars", "the Moon"],
    "taxes": ["freelance income", "crypto gains", "rental income", "a gambling win"],
    "football": ["Arsenal", "Real Madrid", "Bayern", "Juventus"],
    "python": ["KeyError", "IndentationError", "ImportError", "TypeError"],
    "dogs": ["barking at night", "chewing shoes", "pulling the leash", "jumping on guests"],
    "guitar": ["F major", "B minor", "C7", "G suspended"],
    "cars": ["a squeal", "a grinding noise", "a clicking sound", "a thump"],
    "knitting": ["cable", "seed stitch", "rib", "chevron"],
    "law": ["raise the rent", "enter my flat", "change the locks", "keep my deposit"],
}


def _planted() -> tuple[list[Record], dict[str, str]]:
    topic = {p: "baking" for p in BIG}
    for name, tpl in SMALL.items():
        topic.update({tpl.format(x): name for x in FILL[name]})
    records = [Record(prompt=p, kind="benign", source="t", variant="imported").with_id() for p in topic]
    return records, topic


def test_diverse_covers_more_clusters_than_random(make_ctx: Callable[..., BuildContext]) -> None:
    records, topic = _planted()
    covered = {}
    for select in ("random", "diverse"):
        ctx = make_ctx(mix={"counts": {"benign": 10}, "select": select})
        out = list(MixStage().run(iter([r.model_copy() for r in records]), ctx))
        assert len(out) == 10
        covered[select] = len({topic[r.prompt] for r in out})
    assert covered["diverse"] >= 8 > covered["random"]


def test_hardest_picks_rows_with_most_fired_labels(make_ctx: Callable[..., BuildContext]) -> None:
    records = [
        Record(prompt=f"q{i}", kind="harmful", source="t", variant="template").with_id() for i in range(5)
    ]
    for r, n in zip(records, [0, 3, 1, 2, 0], strict=True):
        r.labels = {f"p{k}": True for k in range(n)}
    records[4].labels = {"p0": False}
    for n in (1, 2, 3):
        records[4].touched("filters", "repair:to_template", f"round {n}: weak_refusal")
    out = list(MixStage().run(iter(records), make_ctx(mix={"counts": {"harmful": 2}, "select": "hardest"})))
    assert [r.prompt for r in out] == ["q1", "q4"]  # 3 labels firing; 3 repairs needed
    for r in records:
        r.labels = {}
    with pytest.raises(RecipeError, match="mix.select"):
        list(MixStage().run(iter(records), make_ctx(mix={"counts": {"harmful": 2}, "select": "hardest"})))


def test_bad_mix_section_is_one_line(tmp_path: Path, run_cli: Callable[..., object]) -> None:
    recipe = tmp_path / "r.yaml"
    recipe.write_text(
        "name: x\nsources:\n  - type: seeds\n    set: harmful\nmix:\n  ratio: {harmful: 1}\n"
        "  counts: {harmful: 3}\n"
    )
    proc = run_cli("build", str(recipe), "--quiet")
    assert proc.returncode == 2  # type: ignore[attr-defined]
    assert "line 5, mix: give either `ratio`" in proc.stderr  # type: ignore[attr-defined]


def test_unknown_kind_in_ratio_is_one_line(tmp_path: Path, run_cli: Callable[..., object]) -> None:
    recipe = tmp_path / "r.yaml"
    recipe.write_text("name: x\nsources:\n  - type: seeds\n    set: harmful\nmix:\n  ratio: {harmfull: 1}\n")
    proc = run_cli("build", str(recipe), "--quiet")
    assert proc.returncode == 2  # type: ignore[attr-defined]
    assert proc.stderr.strip() == (  # type: ignore[attr-defined]
        "error: line 6, mix.ratio: unknown kind 'harmfull' (harmful, benign or math)"
    )
