"""The shipped recipes load, and the flagship teacher recipe plans the whole method (offline, no requests)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

import safedata
from safedata.api import load
from safedata.publish.report import methods
from tests.conftest import REPO

RECIPES = sorted((REPO / "recipes").glob("*.yaml"))


@pytest.mark.parametrize("path", RECIPES, ids=[p.stem for p in RECIPES])
def test_recipe_loads(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEEPSEEK_API_KEY", "sk-placeholder")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-placeholder")
    monkeypatch.setenv("STUDENT_URL", "http://127.0.0.1:8000/v1")  # recipes/self-distill.yaml's student
    monkeypatch.setenv("STUDENT_MODEL", "student")
    assert load(path).recipe.name


def offline_r1_distill(tmp_path: Path) -> Path:
    """recipes/r1-distill.yaml with its Hub eval sets (unreachable here) swapped for one local file: the
    plan reads eval sets, since decontamination runs before the teacher."""
    data = yaml.safe_load((REPO / "recipes" / "r1-distill.yaml").read_text())
    evals = tmp_path / "eval.jsonl"
    evals.write_text('{"prompt": "What is the capital of the moon base in this novel?"}\n')
    data["decontaminate"]["eval_sets"] = [{"type": "file", "path": str(evals), "id": "evals"}]
    path = tmp_path / "r1-distill.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def test_r1_distill_plans_the_whole_method(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("DEEPSEEK_API_KEY", "sk-placeholder")
    path = offline_r1_distill(tmp_path)
    steps = dict(safedata.plan(path, str(tmp_path / "out")))
    # Decontamination is prompt-level: it runs before the teacher, so no request is paid for a dropped row.
    assert list(steps) == ["sources", "decontaminate", "generate", "filters", "dedup", "mix"]
    assert "960 teacher requests" in steps["generate"]  # 80 harmful prompts x 3 variants x K=4
    assert "repair up to 2 rounds" in steps["filters"] and "all_safe_then_pick_one" in steps["filters"]
    assert "harmful 1 : benign 0.1 : math 4" in steps["mix"]
    recipe = load(path).recipe
    assert recipe.teacher.guidelines == "improved" and recipe.teacher.samples == 4
    assert methods(recipe) == ["lrm-safety-study", "safechain"]
    assert not (tmp_path / "out").exists()  # a plan writes nothing


def test_r1_distill_dry_run_from_the_cli(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    recipe = str(offline_r1_distill(tmp_path))
    r = run_cli("build", recipe, "--dry-run", "--out", "o", env={"DEEPSEEK_API_KEY": "sk-placeholder"})
    assert r.returncode == 0, r.stderr
    assert "6. mix" in r.stdout and "cost at most $" in r.stdout
