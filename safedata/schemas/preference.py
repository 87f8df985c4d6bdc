"""Recipe model for `preference:` — DPO pairs built from what the filters judged."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from safedata.schemas.sources import Strict

PAIR_SOURCES = ("repair", "samples", "over_refusal")
# The output config holding the pairs: data/preference/. Readers of the SFT rows (validate, the report,
# dedup against earlier builds) skip it: its rows are pairs, not samples.
PREFERENCE_CONFIG = "preference"


class Preference(Strict):
    sources: list[Literal["repair", "samples", "over_refusal"]] = Field(
        default_factory=lambda: list(PAIR_SOURCES),
        description="repair: repaired sample over its original failing one; samples: a safe sample of a "
        "prompt over an unsafe one; over_refusal: a helpful answer to a benign prompt over a refusal.",
    )
    synthetic_refusals: bool = Field(
        True,
        description="over_refusal: when no sample of a benign prompt refused, use the template refusal as "
        "the rejected answer (the over-refusal that refusal-only data teaches).",
    )
    max_pairs_per_prompt: int = Field(
        1, ge=1, description="Pairs per prompt, variant and pair source (each sample is used once)."
    )
