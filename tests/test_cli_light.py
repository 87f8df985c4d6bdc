"""The CLI starts fast: `safedata --help` must not pay for torch, datasets or other heavy libraries."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import REPO

HEAVY = (
    "torch",
    "transformers",
    "sentence_transformers",
    "vllm",
    "datasets",
    "distilabel",
    "polars",
    "ray",
    "trl",
    "safedata.schemas.sources",  # the recipe models (built from the registries) wait for a recipe
)


def test_help_imports_no_heavy_library() -> None:
    code = (
        "import sys; from typer.testing import CliRunner; from safedata.cli import app; "
        "r = CliRunner().invoke(app, ['--help']); assert r.exit_code == 0, r.output; "
        f"print(','.join(m for m in {HEAVY!r} if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "", f"heavy modules imported by --help: {out.stdout.strip()}"


def test_version(run_cli) -> None:  # type: ignore[no-untyped-def]
    from safedata import __version__

    r = run_cli("--version")
    assert r.returncode == 0 and r.stdout.strip() == f"safedata {__version__}"


def test_errors_keep_square_brackets(run_cli) -> None:  # type: ignore[no-untyped-def]
    r = run_cli("inspect", "data/[draft]/x")
    assert r.returncode == 2 and "data/[draft]/x has no build_report.json" in r.stderr


def test_every_recipe_error_at_once_with_did_you_mean(run_cli, tmp_path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "r.yaml").write_text(
        "name: x\nsources:\n  - type: seeds\n    set: harmfull\n    limt: 3\n"
        "output:\n  shard_row: 5\nvarients: [template]\n"
    )
    r = run_cli("build", "r.yaml")
    assert r.returncode == 2 and "Traceback" not in r.stderr
    lines = r.stderr.strip().splitlines()
    assert lines[0] == "error: 4 problems in the recipe:"
    assert "line 4, sources[0].set" in lines[1]
    assert lines[2].endswith("unknown key `limt` (did you mean `limit`?)")
    assert lines[3].endswith("unknown key `shard_row` (did you mean `shard_rows`?)")
    assert lines[4].endswith("unknown key `varients` (did you mean `variants`?)")


def test_empty_env_var_is_rejected(run_cli, tmp_path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "r.yaml").write_text(
        "name: x\nsources:\n  - type: seeds\n    set: harmful\n    id: ${SD_EMPTY}\n"
    )
    r = run_cli("build", "r.yaml", env={"SD_EMPTY": ""})
    assert (
        r.returncode == 2
        and r.stderr.strip() == "error: line 5, sources[0].id: environment variable SD_EMPTY is empty"
    )


def test_every_validate_flag_has_help_and_default() -> None:
    import click
    import typer.main

    from safedata.cli import app

    command = typer.main.get_command(app).commands["validate"]  # type: ignore[attr-defined]
    for param in command.params:
        if isinstance(param, click.Option) and param.name != "help":
            assert param.help, param.name
            assert "default" in param.help.lower(), param.name
