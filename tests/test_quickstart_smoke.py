"""The quickstart recipe builds offline and gives a loadable dataset (full checks in tests/test_build.py)."""

from __future__ import annotations

from pathlib import Path

import datasets

import safedata
from tests.conftest import REPO


def test_quickstart_builds_and_loads(tmp_path: Path) -> None:
    result = safedata.build(REPO / "recipes" / "quickstart.yaml", out=str(tmp_path / "qs"))
    assert result.rows > 0
    for variant in result.report["files"]:
        ds = datasets.load_dataset(str(tmp_path / "qs"), variant, split="train")
        assert len(ds) == result.report["final"]["variant"][variant]
        assert ds[0]["messages"][1]["content"].startswith("<think>\n")
