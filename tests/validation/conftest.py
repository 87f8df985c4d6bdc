"""A real quickstart build, made once per session, for the validate tests."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def build_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from safedata import build

    out = tmp_path_factory.mktemp("build") / "quickstart"
    build(REPO / "recipes" / "quickstart.yaml", out=str(out))
    return out


@pytest.fixture(scope="session")
def tokenizer(build_dir: Path):  # type: ignore[no-untyped-def]
    from safedata.validation import scratch
    from safedata.validation.data import read_build

    rows = read_build(build_dir, [])
    return scratch.train_tokenizer((m["content"] for r in rows for m in r["messages"]), 512)
