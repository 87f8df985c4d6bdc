"""The order of stages in a build. Adding a stage: its module, its recipe section, one line here.

Each entry builds the stage from the recipe, or returns None when the recipe does not ask for it.
"""

from __future__ import annotations

from collections.abc import Callable

from safedata.augment.stage import AugmentStage
from safedata.builders.stage import GenerateStage
from safedata.dedup.decontaminate import DecontaminateStage
from safedata.dedup.stage import DedupStage
from safedata.filters.stage import FiltersStage
from safedata.mixing.stage import MixStage
from safedata.pipeline import Stage
from safedata.probe.stage import ProbeStage
from safedata.schemas.recipe import Recipe
from safedata.sources.stage import SourcesStage

STAGES: list[Callable[[Recipe], Stage | None]] = [
    lambda r: SourcesStage(),
    lambda r: AugmentStage(r.augment) if r.augment is not None else None,
    lambda r: ProbeStage() if r.probe else None,
    lambda r: GenerateStage(),
    lambda r: FiltersStage(r.filter, r.repair) if r.filter else None,
    lambda r: DedupStage() if r.dedup else None,
    lambda r: DecontaminateStage() if r.decontaminate else None,
    lambda r: MixStage() if r.mix else None,
]


def assemble(recipe: Recipe) -> list[Stage]:
    return [s for make in STAGES if (s := make(recipe)) is not None]
