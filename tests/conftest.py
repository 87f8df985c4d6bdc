"""Shared fixtures. Tests run the real CLI in a subprocess where exit codes and stderr matter."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

# Shared fixtures: the local OpenAI-compatible server (`openai_server`), a tiny Llama (`tiny_model`).
pytest_plugins = ["tests.fixtures.openai_server", "tests.fixtures.tiny_model"]

REPO = Path(__file__).resolve().parent.parent
SHARED_DATA = REPO.parent / "shared" / "data"


def _env() -> dict[str, str]:
    env = dict(os.environ)
    # The subprocess must import this checkout (also from a git worktree), offline.
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    env.setdefault("HF_HUB_OFFLINE", "1")
    env.setdefault("HF_DATASETS_OFFLINE", "1")
    return env


@pytest.fixture(autouse=True, scope="session")
def _own_datasets_cache(tmp_path_factory: pytest.TempPathFactory) -> None:
    """A fresh `datasets` cache per test session.

    `load_dataset(folder, config)` keys its cache on the folder's name, the config and the card's configs,
    not on the parquet files, so a stale cache from an earlier run (or another checkout) with the same
    folder name returns the old rows.
    """
    import datasets

    datasets.config.HF_DATASETS_CACHE = tmp_path_factory.mktemp("hf_datasets_cache")


@pytest.fixture
def run_cli(tmp_path: Path) -> Callable[..., subprocess.CompletedProcess[str]]:
    """Run `safedata ARGS` as a user would; returns the completed process (text stdout/stderr)."""

    def run(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None, timeout: float = 300):
        return subprocess.run(
            [sys.executable, "-m", "safedata.cli", *args],
            cwd=cwd or tmp_path,
            env={**_env(), **(env or {})},
            capture_output=True,
            text=True,
            timeout=timeout,
        )

    return run


@pytest.fixture
def shared_data() -> Path:
    """../shared/data (real public datasets); tests that need it skip cleanly when it is absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip("../shared/data is not present on this machine")
    return SHARED_DATA


@pytest.fixture
def make_ctx(tmp_path: Path) -> Callable[..., Any]:
    """A real BuildContext for running one stage on hand-made records; sections are recipe sections."""
    from safedata.api import load
    from safedata.pipeline import BuildContext
    from safedata.progress import Progress

    def make(**sections: Any) -> BuildContext:
        recipe = {"name": "t", "sources": [{"type": "seeds", "set": "harmful"}], **sections}
        loaded = load(recipe, str(tmp_path / "out"))
        return BuildContext(loaded=loaded, out_dir=tmp_path / "out", progress=Progress(False))

    return make
