"""The order of stages in a build. Adding a stage: its module, its recipe section, one line here.

Each entry builds the stage from the recipe, or returns None when the recipe does not ask for it.
Stages that need nothing the teacher writes (prompt-level dedup, decontamination) run before generate, so
the prompts they drop are never sent to the teacher; the requests they saved are counted in their notes.
"""

from __future__ import annotations

from collections.abc import Callable

from safedata.augment.stage import AugmentStage
from safedata.builders.stage import GenerateStage, teacher_requests
from safedata.dedup.decontaminate import NAME as DECONTAMINATE
from safedata.dedup.decontaminate import DecontaminateStage
from safedata.dedup.prompts import NAME as PROMPT_DEDUP
from safedata.dedup.prompts import PromptDedupStage, prompt_level
from safedata.dedup.stage import DedupStage
from safedata.filters.stage import FiltersStage
from safedata.mixing.stage import MixStage
from safedata.pipeline import BuildContext, Stage
from safedata.probe.stage import ProbeStage
from safedata.schemas.recipe import Recipe
from safedata.sources.stage import SourcesStage

STAGES: list[Callable[[Recipe], Stage | None]] = [
    lambda r: SourcesStage(),
    lambda r: AugmentStage(r.augment) if r.augment is not None else None,
    lambda r: PromptDedupStage(cfg) if r.dedup and (cfg := prompt_level(r.dedup)) else None,
    lambda r: DecontaminateStage() if r.decontaminate else None,
    # After the free drops: the probe pays the student for every prompt it asks about.
    lambda r: ProbeStage() if r.probe else None,
    lambda r: GenerateStage(),
    lambda r: FiltersStage(r.filter, r.repair) if r.filter else None,
    lambda r: DedupStage() if r.dedup else None,
    lambda r: MixStage() if r.mix else None,
]
BEFORE_TEACHER = (PROMPT_DEDUP, DECONTAMINATE)  # their drops save teacher requests


def assemble(recipe: Recipe) -> list[Stage]:
    return [s for make in STAGES if (s := make(recipe)) is not None]


def count_saved_requests(ctx: BuildContext) -> None:
    """Have every row the prompt-level stages drop add the teacher requests it would have cost to their
    notes (`teacher_requests_saved`)."""
    ctx.drop_costs.update(dict.fromkeys(BEFORE_TEACHER, lambda rec: teacher_requests(rec, ctx)))
