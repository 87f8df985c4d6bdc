"""Recipe model for `decontaminate:` — drop training rows whose prompt overlaps an evaluation set."""

from __future__ import annotations

from typing import Any

from pydantic import Field, create_model, model_validator

from safedata.schemas.registered import per_generation, published
from safedata.schemas.sources import Strict, source_union


class DecontaminateBase(Strict):
    eval_sets: list[Any]
    ngram: int = Field(8, ge=1, description="Word n-gram overlap (8, as open-r1 does for math).")
    minhash_threshold: float | None = Field(
        0.7, gt=0, le=1, description="Also drop near copies at or above this MinHash Jaccard; null = off."
    )
    minhash_ngram: int = Field(5, ge=1, description="Character shingle size for the near-copy check.")
    examples: int = Field(3, ge=0, description="Removed rows shown per eval set in the report.")

    @model_validator(mode="before")
    @classmethod
    def _kind_not_needed(cls, data: Any) -> Any:
        # File and hf sources insist on `kind` for training data; for eval prompts it means nothing.
        if isinstance(data, dict) and isinstance(data.get("eval_sets"), list):
            data = {**data, "eval_sets": [_with_kind(s) for s in data["eval_sets"]]}
        return data


def _with_kind(spec: Any) -> Any:
    return {"kind": "harmful", **spec} if isinstance(spec, dict) else spec


@per_generation
def decontaminate_model() -> type[DecontaminateBase]:
    """`decontaminate:` with `eval_sets` items of the registry's source types."""
    model = create_model(  # type: ignore[call-overload]
        "Decontaminate",
        __base__=DecontaminateBase,
        eval_sets=(
            list[source_union()],  # type: ignore[misc]
            Field(
                min_length=1, description="Evaluation prompts, given like any source (`kind` is not needed)."
            ),
        ),
    )
    return published(model, "Decontaminate")  # type: ignore[no-any-return]
