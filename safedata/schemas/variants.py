"""Recipe models for `variants:` — which kinds of chain of thought each prompt becomes."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from safedata.schemas.sources import Strict

# Variants that need no teacher; `imported` is implicit for rows that already carry a trace.
TEACHER_FREE = ("template", "nocot")


class Variant(Strict):
    name: Literal["template", "nocot"]
    kinds: list[Literal["harmful", "benign", "math"]] = Field(
        default_factory=lambda: ["harmful"],
        description="Which kinds of rows get this variant (teacher-free ones refuse, so harmful only).",
    )

    @model_validator(mode="before")
    @classmethod
    def _from_name(cls, v: object) -> object:
        # `- template` is shorthand for `- {name: template}`.
        return {"name": v} if isinstance(v, str) else v

    @model_validator(mode="after")
    def _refusals_only_for_harmful(self) -> Variant:
        if self.name in TEACHER_FREE and self.kinds != ["harmful"]:
            raise ValueError(f"the `{self.name}` variant writes refusals, so it applies to harmful rows only")
        return self
