"""The mix stage: the final rows per kind (ratio or counts), stratified and picked; lengths per kind."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from safedata.mixing.lengths import counter, summarize
from safedata.mixing.select import MixRow, hardness, select
from safedata.mixing.targets import plan_targets, ratio_text
from safedata.pipeline import BuildContext
from safedata.runners.contract import Decision, GlobalStage
from safedata.schemas.mix import Mix
from safedata.schemas.record import Record

NAME = "mix"
log = logging.getLogger("safedata")


def _describe(cfg: Mix) -> str:
    if cfg.counts is not None:
        return "counts " + ", ".join(f"{k} {v}" for k, v in cfg.counts.items())
    total = f", total {cfg.total}" if cfg.total else ""
    return f"ratio {ratio_text(cfg.ratio or {})}{total}"


class MixStage(GlobalStage):
    name = NAME

    def __init__(self) -> None:
        self._counter: tuple[str, Callable[[list[str]], list[int]]] | None = None

    def plan(self, ctx: BuildContext) -> str:
        cfg: Mix = ctx.recipe.mix  # type: ignore[attr-defined]
        balance = ", harmful balanced by category" if cfg.balance_categories else ""
        return f"{_describe(cfg)}; select {cfg.select}{balance}"

    def view(self, block: list[Record], ctx: BuildContext) -> list[MixRow]:
        cfg: Mix = ctx.recipe.mix  # type: ignore[attr-defined]
        if self._counter is None:
            self._counter = counter(cfg.tokenizer)  # loads the tokenizer once per build
        count = self._counter[1]
        prompt_len = count([r.prompt for r in block])
        response_len = count([r.assistant_content() for r in block])
        diverse = cfg.select == "diverse"
        return [
            MixRow(
                r.order,
                r.kind,
                r.variant,
                r.category,
                bool(r.labels),
                hardness(r),
                r.prompt if diverse else "",
                p,
                a,
            )
            for r, p, a in zip(block, prompt_len, response_len, strict=True)
        ]

    def decide(self, view: list[Any], ctx: BuildContext) -> Decision:
        cfg: Mix = ctx.recipe.mix  # type: ignore[attr-defined]
        seed = ctx.recipe.seed if cfg.seed is None else cfg.seed
        recs: list[MixRow] = view
        by_kind: dict[str, list[int]] = defaultdict(list)
        for i, r in enumerate(recs):
            by_kind[r.kind].append(i)
        available = {k: len(v) for k, v in by_kind.items()}
        targets, warnings = plan_targets(cfg, available)
        emb = None
        short = [k for k, n in targets.items() if 0 < n < available.get(k, 0)]
        judged = any(recs[i].judged for k in short for i in by_kind[k])
        if cfg.select == "hardest" and short and not judged:
            raise ctx.recipe_error(
                ("mix", "select"), "`hardest` needs judged rows: add a `filter:` section (risk labels)"
            )
        if cfg.select == "diverse" and short:
            from safedata.dedup.embed import cached_embed

            emb = cached_embed(ctx.embeddings, [r.prompt for r in recs], cfg.model)
        keep: set[int] = set()
        decision = Decision()
        for kind, rows in by_kind.items():
            n = targets.get(kind, 0)
            chosen = select(recs, rows, n, cfg, seed, emb) if n else []
            keep.update(chosen)
            reason = f"not selected ({cfg.select})" if kind in targets else "kind not in mix"
            for i in set(rows) - set(chosen):
                decision.drop[recs[i].order] = reason
        for w in warnings:
            log.warning(w)
            ctx.progress.log(w)
        final = sorted(keep)
        unit = (self._counter or counter(cfg.tokenizer))[0]
        ctx.stage_stats(NAME).notes.update(
            {
                "requested": _describe(cfg),
                "select": cfg.select,
                "available": dict(sorted(available.items())),
                "targets": dict(sorted(targets.items())),
                "warnings": warnings,
                "lengths": summarize(
                    [recs[i].kind for i in final],
                    [recs[i].prompt_len for i in final],
                    [recs[i].response_len for i in final],
                    unit,
                ),
            }
        )
        return decision
