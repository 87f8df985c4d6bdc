"""safedata: build and prove safety SFT datasets for reasoning models.

Imports stay light here so `safedata --help` starts fast; heavy libraries load inside the stage
that needs them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"
__all__ = ["build", "plan", "BuildResult"]

if TYPE_CHECKING:
    from safedata.api import BuildResult, build, plan


def __getattr__(name: str) -> Any:
    if name in __all__:
        from safedata import api

        return getattr(api, name)
    raise AttributeError(name)
