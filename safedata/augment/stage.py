"""The augment stage: between sources and generate, wrap seed prompts in attack templates."""

from __future__ import annotations

from collections import Counter

from safedata.augment.augmenter import STAGE, Augmenter
from safedata.augment.templates import TemplateError
from safedata.pipeline import BuildContext
from safedata.runners.contract import RowStage
from safedata.schemas.augment import Augment
from safedata.schemas.record import Record


class AugmentStage(RowStage):
    name = STAGE

    def __init__(self, spec: Augment) -> None:
        self.spec = spec

    def _augmenter(self, ctx: BuildContext) -> Augmenter:
        seed = self.spec.seed if self.spec.seed is not None else ctx.recipe.seed
        try:
            return Augmenter(self.spec, seed)
        except TemplateError as e:
            raise ctx.recipe_error(("augment", *e.loc), e.message) from None

    def plan(self, ctx: BuildContext) -> str:
        aug = self._augmenter(ctx)
        tactics = sorted({t.tactic for t in aug.harmful_pool})
        kinds = "harmful and benign" if self.spec.wrap_benign else "harmful"
        plain = "kept" if self.spec.keep_plain else "replaced"
        return (
            f"wrap {kinds} prompts in {self.spec.per_seed} of {len(aug.harmful_pool)} templates each "
            f"({', '.join(tactics)}); plain prompts {plain}"
        )

    def open(self, ctx: BuildContext) -> None:
        self.aug = self._augmenter(ctx)

    def map_block(self, block: list[Record], ctx: BuildContext) -> list[Record]:
        by_template: Counter[str] = Counter()
        out = []
        for rec in block:
            for wrapped in self.aug.augment(rec):
                if wrapped.attack is not None:
                    by_template[wrapped.attack.template_id] += 1
                out.append(wrapped)
        ctx.stage_stats(STAGE).notes["rows_by_template"] = dict(by_template)
        return out

    def finish(self, ctx: BuildContext) -> None:
        notes = ctx.stage_stats(STAGE).notes
        notes["templates_available"] = len(self.aug.harmful_pool)
        if self.spec.wrap_benign:
            notes["templates_available_for_benign"] = len(self.aug.benign_pool)
        notes["rows_by_template"] = dict(sorted(notes.get("rows_by_template", {}).items()))
