"""The CLI starts fast: `safedata --help` must not pay for torch, datasets or other heavy libraries."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import REPO

HEAVY = ("torch", "transformers", "sentence_transformers", "vllm", "datasets", "distilabel", "polars")


def test_help_imports_no_heavy_library() -> None:
    code = (
        "import sys; from typer.testing import CliRunner; from safedata.cli import app; "
        "r = CliRunner().invoke(app, ['--help']); assert r.exit_code == 0, r.output; "
        f"print(','.join(m for m in {HEAVY!r} if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "", f"heavy modules imported by --help: {out.stdout.strip()}"
