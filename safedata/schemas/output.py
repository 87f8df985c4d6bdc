"""Recipe model for `output:`."""

from __future__ import annotations

from pydantic import Field, field_validator

from safedata.schemas.licenses import check_license
from safedata.schemas.sources import Strict


class Output(Strict):
    dir: str = Field("out/{name}", description="Output folder; `{name}` is the recipe name.")
    license: str = Field(
        "apache-2.0", description="License written into the dataset card: a Hub license id (e.g. mit)."
    )
    language: list[str] = Field(default_factory=lambda: ["en"])
    shard_rows: int = Field(100_000, ge=1, description="Rows per parquet shard.")
    test_size: float = Field(
        0.05,
        ge=0,
        lt=1,
        description="Share of rows in the `test` split, held out by prompt (all samples and variants of a "
        "prompt on one side; seeded by the recipe's seed). 0: no test split.",
    )

    @field_validator("license")
    @classmethod
    def _hub_license(cls, v: str) -> str:
        return check_license(v)
