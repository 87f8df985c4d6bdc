"""Recipe model for `target:` — build until N rows per kind pass the filters, or a ceiling is hit."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, field_validator

from safedata.schemas.record import KINDS, Kind
from safedata.schemas.sources import Strict


class Target(Strict):
    rows: dict[Kind, int] = Field(
        description="Accepted rows wanted per kind (each group of `per`), e.g. {harmful: 500, benign: 100}."
    )
    per: Literal["kind", "category", "variant"] = Field(
        "kind", description="`category` / `variant`: the count applies to each category or variant of a kind."
    )
    max_requests: int | None = Field(
        None, ge=1, description="Stop drawing prompts before the teacher requests exceed this."
    )
    max_cost: float | None = Field(
        None, gt=0, description="Stop drawing prompts once the teacher cost this much (USD; needs `price`)."
    )
    first_draw: float = Field(
        1.2, ge=1, description="Prompts drawn per missing row, scaled by the acceptance rate seen so far."
    )
    max_rounds: int = Field(20, ge=1)

    @field_validator("rows", mode="before")
    @classmethod
    def _known_kinds(cls, v: Any) -> Any:
        if isinstance(v, dict):
            bad = [k for k in v if k not in KINDS]
            if bad:
                raise ValueError(f"unknown kind {bad[0]!r}; choose from {', '.join(KINDS)}")
        return v
