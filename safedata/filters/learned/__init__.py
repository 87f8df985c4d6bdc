"""The learned backend: segment classifiers and rules with evidence (detector.py); its recipe options here,
light, so that the recipe schema reads them without loading numpy."""

from __future__ import annotations

from pydantic import Field

from safedata.schemas.sources import Strict


class Options(Strict):
    judge_path: str | None = Field(
        None,
        description="learned: a judge folder written by `safedata judge distill` (default: built-in heads).",
    )
    embed: bool = Field(
        False, description="learned: also run the embedding stage on segments it is unsure about (slower)."
    )
