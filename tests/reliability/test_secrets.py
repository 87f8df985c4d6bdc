"""A distinctive API key is searched for in every byte a build writes or prints: success, error, crash."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from tests.fixtures.openai_server import FakeOpenAIServer
from tests.reliability.conftest import teacher_recipe

SECRET = "sk-CANARY-8c41f0e2d9b7a635"


def leaks(tmp_path: Path, proc) -> list[str]:
    """Everywhere the secret shows: the streams, and every file under tmp_path (the recipe holds `${KEY}`)."""
    found = [name for name, text in (("stdout", proc.stdout), ("stderr", proc.stderr)) if SECRET in text]
    for p in tmp_path.rglob("*"):
        if p.is_file() and SECRET.encode() in p.read_bytes():
            found.append(str(p))
    return found


def edit(recipe: Path, **teacher: object) -> Path:
    data = yaml.safe_load(recipe.read_text())
    data["teacher"] |= teacher
    recipe.write_text(yaml.safe_dump(data, sort_keys=False))
    return recipe


def test_a_successful_build_with_the_key_in_a_category(
    run_cli, openai_server: FakeOpenAIServer, tmp_path: Path
) -> None:
    rows = "".join(json.dumps({"prompt": f"question {i} about locks"}) + "\n" for i in range(4))
    (tmp_path / "p.jsonl").write_text(rows)
    src = {"type": "file", "path": str(tmp_path / "p.jsonl"), "kind": "harmful", "category": "${KEY}"}
    recipe = edit(teacher_recipe(tmp_path, openai_server, [src]), api_key="${KEY}")
    proc = run_cli("build", str(recipe), "--out", "out", env={"KEY": SECRET})
    assert proc.returncode == 0, proc.stderr
    assert "***" in proc.stdout  # the summary table shows the category, masked
    assert leaks(tmp_path, proc) == []
    assert len(openai_server.requests) == 4


def test_an_error_naming_a_base_url_that_holds_the_key(
    run_cli, openai_server: FakeOpenAIServer, tmp_path: Path
) -> None:
    base = openai_server.base_url.replace("/v1", "/${KEY}/v1")  # the fixture answers 404 there
    recipe = edit(teacher_recipe(tmp_path, openai_server), base_url=base, api_key="${KEY}")
    proc = run_cli("build", str(recipe), "--out", "out", "--quiet", env={"KEY": SECRET})
    assert proc.returncode == 2 and "check the teacher at" in proc.stderr
    assert leaks(tmp_path, proc) == []


def test_a_crash_after_the_teacher_is_loaded_prints_one_line_and_no_locals(
    run_cli, openai_server: FakeOpenAIServer, tmp_path: Path
) -> None:
    recipe = edit(teacher_recipe(tmp_path, openai_server), api_key="${KEY}")
    (tmp_path / "out").write_text("a file where the output folder should be")
    proc = run_cli("build", str(recipe), "--out", "out", "--quiet", env={"KEY": SECRET})
    assert proc.returncode != 0
    assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    assert "locals" not in proc.stderr and "Traceback" not in proc.stderr
    assert leaks(tmp_path, proc) == []


@pytest.mark.parametrize(
    "where", [{"decoding": "${KEY}"}, {"engine": "${KEY}"}, {"max_concurrency": "${KEY}"}]
)
def test_a_validation_message_never_shows_the_key(
    run_cli, openai_server: FakeOpenAIServer, tmp_path: Path, where: dict[str, str]
) -> None:
    recipe = edit(teacher_recipe(tmp_path, openai_server), **where)
    proc = run_cli("build", str(recipe), "--out", "out", "--quiet", env={"KEY": SECRET})
    assert proc.returncode == 2 and proc.stderr.startswith("error: line ")
    assert leaks(tmp_path, proc) == []


@pytest.mark.parametrize("value", ["none", "EMPTY", "sk-1234", "not-needed"])
def test_a_short_or_placeholder_key_is_refused_in_one_line(
    run_cli, openai_server: FakeOpenAIServer, tmp_path: Path, value: str
) -> None:
    recipe = edit(teacher_recipe(tmp_path, openai_server), api_key="${KEY}")
    proc = run_cli("build", str(recipe), "--out", "out", "--quiet", env={"KEY": value})
    assert proc.returncode == 2
    assert "too short or too common to be an API key" in proc.stderr
    assert "pass a real key, or leave api_key out" in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1 and openai_server.requests == []


def test_a_placeholder_value_elsewhere_is_not_scrubbed_from_the_data(run_cli, tmp_path: Path) -> None:
    rows = [{"prompt": "none of the locks here open: how do I pick one?"}]
    (tmp_path / "p.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    recipe = {
        "name": "placeholder",
        "description": "server key ${KEY}",
        "sources": [{"type": "file", "path": "p.jsonl", "kind": "harmful", "category": "none"}],
        "variants": ["template"],
    }
    (tmp_path / "r.yaml").write_text(yaml.safe_dump(recipe))
    proc = run_cli("build", "r.yaml", "--out", "out", "--quiet", env={"KEY": "none"})
    assert proc.returncode == 0, proc.stderr
    import polars as pl

    df = pl.read_parquet(tmp_path / "out" / "data" / "template" / "*.parquet")
    assert df["messages"][0][0]["content"].startswith("none of the locks")
    assert "***" not in (tmp_path / "out" / "build_report.json").read_text()


def test_no_object_that_could_be_printed_holds_the_key_in_plain(
    openai_server: FakeOpenAIServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from safedata.schemas.loader import load_recipe

    monkeypatch.setenv("KEY", SECRET)
    loaded = load_recipe(edit(teacher_recipe(tmp_path, openai_server), api_key="${KEY}"))
    for shown in (repr(loaded), str(loaded.recipe), repr(loaded.secrets), loaded.recipe.model_dump_json()):
        assert SECRET not in shown
    assert loaded.recipe.teacher.api_key.get_secret_value() == SECRET


def test_loading_an_engine_keeps_rich_tracebacks_with_locals_out() -> None:
    import subprocess
    import sys

    from tests.conftest import _env

    code = (
        "import sys; hook = sys.excepthook\n"
        "from safedata.engines.distilabel_engine import import_distilabel\n"
        # what `engine: distilabel` and the SafedataLLM adapter import through: rich's install is undone
        "import_distilabel('distilabel.models.llms.OpenAILLM')\n"
        "import safedata.engines.distilabel_llm\n"
        "print(sys.excepthook is hook and 'distilabel' in sys.modules)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], env=_env(), capture_output=True, text=True, timeout=120
    )
    assert proc.stdout.strip() == "True", proc.stderr
