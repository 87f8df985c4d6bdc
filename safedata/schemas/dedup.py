"""Recipe model for `dedup:` — exact, MinHash and semantic duplicates, within each variant."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from safedata.schemas.sources import Strict

# `request_tactic`: the seed request under a jailbreak wrapper plus the wrapper's tactic (plain prompt for
# unwrapped rows), so wrapped variants of one seed are not collapsed into one another.
DedupField = Literal["prompt", "answer", "reasoning", "request_tactic"]
DEFAULT_MODEL = "all-MiniLM-L6-v2"


class ExactDedup(Strict):
    fields: list[DedupField] = Field(default_factory=lambda: ["prompt"], min_length=1)


class MinHashDedup(Strict):
    fields: list[DedupField] = Field(default_factory=lambda: ["prompt"], min_length=1)
    shingle: Literal["word", "char"] = "word"
    ngram: int = Field(5, ge=1, description="Shingle size in words or characters.")
    num_perm: int = Field(128, ge=16, le=1024)
    threshold: float | None = Field(
        None, gt=0, le=1, description="Jaccard threshold (default 0.8); picks bands × rows and checks pairs."
    )
    bands: int | None = Field(None, ge=1)
    rows: int | None = Field(None, ge=1)
    seed: int = 1

    @model_validator(mode="after")
    def _bands_rows(self) -> MinHashDedup:
        if (self.bands is None) != (self.rows is None):
            raise ValueError("give `bands` and `rows` together (or neither, and a `threshold`)")
        if self.bands is not None and self.bands * self.rows > self.num_perm:  # type: ignore[operator]
            raise ValueError(f"bands × rows = {self.bands * self.rows} exceeds num_perm = {self.num_perm}")  # type: ignore[operator]
        if self.bands is None and self.threshold is None:
            self.threshold = 0.8
        return self


class SemanticDedup(Strict):
    fields: list[DedupField] = Field(default_factory=lambda: ["prompt"], min_length=1)
    model: str = Field(DEFAULT_MODEL, description="sentence-transformers name or local path.")
    threshold: float = Field(0.9, gt=0, le=1, description="Cosine similarity at or above which rows merge.")
    batch_size: int = Field(64, ge=1)
    device: str = "cpu"


class Dedup(Strict):
    exact: ExactDedup | None = Field(default_factory=ExactDedup, description="null turns it off.")
    minhash: MinHashDedup | None = None
    semantic: SemanticDedup | None = None
    keep: Literal["first", "longest", "best"] = Field(
        "first", description="Which row of a duplicate cluster stays; `best` = fewest fired risk labels."
    )
    samples: Literal["merge", "separate"] = Field(
        "merge",
        description="`separate` dedups each sample index on its own, so K samples of a prompt all stay.",
    )
    against: list[str] = Field(
        default_factory=list,
        description="Earlier output folders or parquet/jsonl files: new rows duplicating them are dropped.",
    )
    clusters_file: str = "dedup_clusters.jsonl"
