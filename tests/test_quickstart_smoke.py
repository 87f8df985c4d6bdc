"""The quickstart recipe builds offline and gives a loadable dataset (full checks in tests/test_build.py)."""

from __future__ import annotations

from pathlib import Path

import datasets

import safedata
from tests.conftest import REPO


def test_quickstart_builds_and_loads(tmp_path: Path) -> None:
    result = safedata.build(REPO / "recipes" / "quickstart.yaml", out=str(tmp_path / "qs"))
    assert result.rows > 0
    for variant, rows in result.report["final"]["variant"].items():
        splits = datasets.load_dataset(str(tmp_path / "qs"), variant)
        assert sum(len(d) for d in splits.values()) == rows
        assert splits["train"][0]["messages"][1]["content"].startswith("<think>\n")
    mix = datasets.load_dataset(str(tmp_path / "qs"))  # no config: the default one, the whole mix
    assert sum(len(d) for d in mix.values()) == result.rows
