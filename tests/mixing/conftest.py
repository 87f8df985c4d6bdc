"""A real build context for running one stage on hand-made records."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from safedata.api import load
from safedata.pipeline import BuildContext
from safedata.progress import Progress


@pytest.fixture
def make_ctx(tmp_path: Path) -> Callable[..., BuildContext]:
    def make(**sections: Any) -> BuildContext:
        recipe = {"name": "t", "sources": [{"type": "seeds", "set": "harmful"}], **sections}
        loaded = load(recipe, str(tmp_path / "out"))
        return BuildContext(loaded=loaded, out_dir=tmp_path / "out", progress=Progress(False))

    return make
