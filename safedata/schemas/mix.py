"""Recipe model for `mix:` — the final dataset's rows per kind, and how rows are picked."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from safedata.schemas.dedup import DEFAULT_MODEL
from safedata.schemas.record import KINDS, Kind
from safedata.schemas.sources import Strict


class Mix(Strict):
    ratio: dict[Kind, float] | None = Field(
        None, description="Rows per kind in proportion, e.g. {harmful: 1, math: 4, benign: 0.1}."
    )
    total: int | None = Field(None, ge=1, description="With `ratio`: total rows (default: as many as fit).")
    counts: dict[Kind, int] | None = Field(None, description="Absolute rows per kind.")
    balance_categories: bool = Field(False, description="Equal rows per category within harmful rows.")
    select: Literal["random", "diverse", "hardest"] = "random"
    seed: int | None = Field(None, description="Defaults to the recipe seed.")
    model: str = Field(DEFAULT_MODEL, description="Embedding model for `diverse` (name or local path).")
    tokenizer: str | None = Field(None, description="Tokenizer for length stats; default: whitespace words.")

    @field_validator("ratio", "counts", mode="before")
    @classmethod
    def _known_kinds(cls, v: Any) -> Any:
        # Checked here so a typo reads `mix.ratio: unknown kind 'harmfull'`, not a pydantic dict-key path.
        if isinstance(v, dict):
            for k in v:
                if k not in KINDS:
                    raise ValueError(f"unknown kind {k!r} (harmful, benign or math)")
        return v

    @model_validator(mode="after")
    def _one_target(self) -> Mix:
        if (self.ratio is None) == (self.counts is None):
            raise ValueError("give either `ratio` (optionally with `total`) or `counts`")
        if self.total is not None and self.ratio is None:
            raise ValueError("`total` goes with `ratio`")
        for name, target in (("ratio", self.ratio), ("counts", self.counts)):
            if target is not None and (not target or any(v < 0 for v in target.values())):
                raise ValueError(f"`{name}` needs at least one kind and no negative values")
        if self.ratio is not None and not any(self.ratio.values()):
            raise ValueError("`ratio` must have a positive value")
        return self
