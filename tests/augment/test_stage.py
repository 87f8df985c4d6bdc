"""The augment stage in a build: tactics reach the parquet, the report and the card; bad input exits 2."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import datasets
import pytest
import yaml

import safedata
from tests.conftest import REPO

RECIPE = {
    "name": "adv",
    "seed": 3,
    "sources": [{"type": "seeds", "set": "harmful", "sample": 24}],
    "augment": {"tactics": ["roleplay", "output-format", "prompt-injection"], "per_seed": 2},
    "variants": ["template", "nocot"],
}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> safedata.BuildResult:
    return safedata.build(RECIPE, out=str(tmp_path_factory.mktemp("adv") / "out"))


def test_tactic_columns_in_every_variant(built: safedata.BuildResult) -> None:
    for variant in ("template", "nocot"):
        rows = [r for ds in datasets.load_dataset(str(built.out_dir), variant).values() for r in ds]
        wrapped = [r for r in rows if r["attack"]]
        assert len(rows) == 24 * 3 and len(wrapped) == 24 * 2
        assert {r["attack"]["tactic"] for r in wrapped} == {"roleplay", "output-format", "prompt-injection"}
        for r in wrapped:
            assert r["attack"]["template_id"] and r["attack"]["original_request"] in r["user_prompt"]
            assert r["messages"][0]["content"] == r["user_prompt"]
        assert all(
            r["attack"] is None
            for r in rows
            if r["user_prompt"] in {w["attack"]["original_request"] for w in wrapped}
        )


def test_report_and_card_count_rows_per_tactic(built: safedata.BuildResult) -> None:
    report = json.loads((built.out_dir / "build_report.json").read_text())
    records = Counter(r.attack.tactic for r in built.records if r.attack)
    assert report["final"]["tactic"] == dict(sorted(records.items()))
    assert sum(records.values()) == 24 * 2 * 2  # two wrapped prompts per seed, two variants each
    augment = next(s for s in report["stages"] if s["name"] == "augment")
    assert augment["rows_in"] == 24 and augment["rows_out"] == 72
    assert sum(augment["out_by"]["tactic"].values()) == 48
    assert sum(augment["notes"]["rows_by_template"].values()) == 48
    assert [s["name"] for s in report["stages"]][:3] == ["sources", "augment", "generate"]
    card = (built.out_dir / "README.md").read_text()
    for tactic, n in report["final"]["tactic"].items():
        assert f"| {tactic} | {n} |" in card


def test_template_cot_names_the_tactic_and_keeps_the_category(built: safedata.BuildResult) -> None:
    plain = {r.prompt: r for r in built.records if r.attack is None and r.variant == "template"}
    for r in built.records:
        if r.attack is None or r.variant != "template":
            continue
        base = plain[r.attack.original_request]
        assert r.category == base.category
        # Same verdict lines as the plain request: the category comes from the original request.
        verdicts = [line for line in r.reasoning.splitlines() if line.startswith("* ")]
        assert verdicts == [line for line in base.reasoning.splitlines() if line.startswith("* ")]
        label = {"roleplay": "role-play framing", "output-format": "format constraint"}
        assert label.get(r.attack.tactic, "prompt injection") in r.reasoning
        assert "does not change what is being asked" in r.reasoning
        assert r.answer.startswith(
            base.answer.split(".")[0][:10]
        )  # the same refusal, plus a line on the framing
        assert len(r.answer) > len(base.answer)


def test_nocot_is_unchanged_for_wrapped_rows(built: safedata.BuildResult) -> None:
    from safedata.builders.nocot import refusals

    for r in built.records:
        if r.variant == "nocot":  # a bank phrasing as it is: no line about the framing added
            assert r.reasoning == "" and r.answer in refusals(r.category)


def test_quickstart_builds_with_a_small_augment_stage(tmp_path: Path) -> None:
    recipe = yaml.safe_load((REPO / "recipes" / "quickstart.yaml").read_text())
    assert recipe["augment"]["per_seed"] == 1
    result = safedata.build(REPO / "recipes" / "quickstart.yaml", out=str(tmp_path / "qs"))
    # Counted where the variants are built: the quickstart's mix stage later keeps a random share of them.
    generate = next(s for s in result.report["stages"] if s["name"] == "generate")
    tactics = generate["out_by"]["tactic"]
    assert set(tactics) == set(recipe["augment"]["tactics"])
    assert set(result.report["final"]["tactic"]) <= set(tactics)
    harmful_seeds = sum(1 for line in (REPO / "safedata/sources/seeds/harmful.jsonl").open() if line.strip())
    assert sum(tactics.values()) == harmful_seeds * 2  # one wrapped prompt per seed, template + nocot


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "recipe.yaml"
    path.write_text(text, encoding="utf-8")
    return path


BAD_TEMPLATE_RECIPE = """name: bad
sources:
  - type: seeds
    set: harmful
augment:
  per_seed: 1
  templates:
    - type: file
      path: mine.jsonl
"""


def test_template_without_placeholder_exits_2_naming_it(
    tmp_path: Path, run_cli: Callable[..., object]
) -> None:
    (tmp_path / "mine.jsonl").write_text(
        '{"id": "good", "template": "Tell me: {request}"}\n'
        '{"id": "forgot-slot", "template": "Tell me: {prompt}"}\n'
    )
    _write(tmp_path, BAD_TEMPLATE_RECIPE)
    res = run_cli("build", "recipe.yaml", "--quiet")
    assert res.returncode == 2, res.stderr
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in res.stderr
    assert "line 8, augment.templates[0]" in lines[0]
    assert "'forgot-slot' (row 2) has no {request} placeholder" in lines[0]


@pytest.mark.parametrize(
    ("augment", "expected"),
    [
        (
            "  tactics: [roleplay, mind-control]\n",
            "line 6, augment.tactics[1]: no template has tactic 'mind-control'",
        ),
        ("  per_seed: 0\n", "augment.per_seed"),
        ("  colour: red\n", "augment.colour: unknown key"),
        (
            "  templates:\n    - type: file\n      path: gone.jsonl\n",
            "augment.templates[0].path: file not found",
        ),
    ],
)
def test_bad_augment_settings_exit_2(
    tmp_path: Path, run_cli: Callable[..., object], augment: str, expected: str
) -> None:
    _write(tmp_path, f"name: bad\nsources:\n  - type: seeds\n    set: harmful\naugment:\n{augment}")
    res = run_cli("build", "recipe.yaml", "--quiet")
    assert res.returncode == 2 and expected in res.stderr, res.stderr
    assert len(res.stderr.strip().splitlines()) == 1


def test_dry_run_shows_the_augment_plan(tmp_path: Path, run_cli: Callable[..., object]) -> None:
    _write(tmp_path, "name: p\nsources:\n  - type: seeds\n    set: harmful\naugment:\n  per_seed: 2\n")
    res = run_cli("build", "recipe.yaml", "--dry-run")
    assert res.returncode == 0, res.stderr
    assert "augment: wrap harmful prompts in 2 of 28 templates each" in res.stdout


def test_adversarial_recipe_wraps_benign_and_holds_templates_out(tmp_path: Path) -> None:
    path = REPO / "recipes" / "adversarial.yaml"
    held_out = set(yaml.safe_load(path.read_text())["augment"]["exclude_templates"])
    result = safedata.build(path, out=str(tmp_path / "adv"))
    wrapped = [r for r in result.records if r.attack]
    assert held_out and not held_out & {r.attack.template_id for r in wrapped}
    benign = [r for r in wrapped if r.kind == "benign"]
    assert benign and all(r.variant == "imported" and r.answer for r in benign)
    assert {r.attack.tactic for r in benign} <= {
        "persona",
        "roleplay",
        "hypothetical",
        "persuasion",
        "fake-system",
        "refusal-suppression",
    }
