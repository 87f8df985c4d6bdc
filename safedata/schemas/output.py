"""Recipe model for `output:`."""

from __future__ import annotations

from pydantic import Field

from safedata.schemas.sources import Strict


class Output(Strict):
    dir: str = Field("out/{name}", description="Output folder; `{name}` is the recipe name.")
    license: str = Field("apache-2.0", description="License written into the dataset card.")
    language: list[str] = Field(default_factory=lambda: ["en"])
    shard_rows: int = Field(100_000, ge=1, description="Rows per parquet shard.")
