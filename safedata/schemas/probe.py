"""Recipe model for `probe:` — spend the build on the prompts the student actually fails."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from safedata.schemas.sources import Strict


class Probe(Strict):
    samples: int = Field(4, ge=1, le=64, description="Times the student answers each prompt.")
    min_failures: int = Field(
        1, ge=1, description="A prompt is kept when at least this many of its samples fail the filters."
    )
    kinds: list[Literal["harmful", "benign", "math"]] = Field(
        default_factory=lambda: ["harmful", "benign"],
        description="Which kinds are probed; rows of other kinds pass through unprobed.",
    )

    @model_validator(mode="after")
    def _reachable(self) -> Probe:
        if self.min_failures > self.samples:
            raise ValueError(f"min_failures ({self.min_failures}) cannot exceed samples ({self.samples})")
        return self
