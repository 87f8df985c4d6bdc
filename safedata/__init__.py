"""safedata: build and prove safety SFT datasets for reasoning models.

Imports stay light here so `safedata --help` starts fast; heavy libraries load inside the stage
that needs them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"
# The library API (safedata/api.py).
__all__ = [
    "build", "plan", "BuildResult", "audit", "augment_eval", "push", "report", "validate", "distill_judge",
    "recipe_schema",
]  # fmt: skip

if TYPE_CHECKING:
    from safedata.api import (
        BuildResult,
        audit,
        augment_eval,
        build,
        distill_judge,
        plan,
        push,
        recipe_schema,
        report,
        validate,
    )


def __getattr__(name: str) -> Any:
    if name in __all__:
        from safedata import api

        return getattr(api, name)
    raise AttributeError(name)
