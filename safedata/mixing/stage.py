"""The mix stage: the final rows per kind (ratio or counts), stratified and picked; lengths per kind."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterator

from safedata.mixing.lengths import length_stats
from safedata.mixing.select import select
from safedata.mixing.targets import plan_targets, ratio_text
from safedata.pipeline import BuildContext
from safedata.schemas.mix import Mix
from safedata.schemas.record import Record

NAME = "mix"
log = logging.getLogger("safedata")


def _describe(cfg: Mix) -> str:
    if cfg.counts is not None:
        return "counts " + ", ".join(f"{k} {v}" for k, v in cfg.counts.items())
    total = f", total {cfg.total}" if cfg.total else ""
    return f"ratio {ratio_text(cfg.ratio or {})}{total}"


class MixStage:
    name = NAME

    def plan(self, ctx: BuildContext) -> str:
        cfg: Mix = ctx.recipe.mix  # type: ignore[attr-defined]
        balance = ", harmful balanced by category" if cfg.balance_categories else ""
        return f"{_describe(cfg)}; select {cfg.select}{balance}"

    def run(self, records: Iterator[Record], ctx: BuildContext) -> Iterator[Record]:
        cfg: Mix = ctx.recipe.mix  # type: ignore[attr-defined]
        seed = ctx.recipe.seed if cfg.seed is None else cfg.seed
        recs = list(records)
        by_kind: dict[str, list[int]] = defaultdict(list)
        for i, r in enumerate(recs):
            by_kind[r.kind].append(i)
        available = {k: len(v) for k, v in by_kind.items()}
        targets, warnings = plan_targets(cfg, available)
        emb = None
        short = [k for k, n in targets.items() if 0 < n < available.get(k, 0)]
        judged = any(recs[i].labels for k in short for i in by_kind[k])
        if cfg.select == "hardest" and short and not judged:
            raise ctx.recipe_error(
                ("mix", "select"), "`hardest` needs judged rows: add a `filter:` section (risk labels)"
            )
        if cfg.select == "diverse" and short:
            from safedata.dedup.embed import embed

            emb = embed([r.prompt for r in recs], cfg.model)
        keep: set[int] = set()
        for kind, rows in by_kind.items():
            n = targets.get(kind, 0)
            chosen = select(recs, rows, n, cfg, seed, emb) if n else []
            keep.update(chosen)
            reason = f"not selected ({cfg.select})" if kind in targets else "kind not in mix"
            for i in set(rows) - set(chosen):
                ctx.drop(NAME, recs[i], reason)
        for w in warnings:
            log.warning(w)
            ctx.progress.log(w)
        final = [r for i, r in enumerate(recs) if i in keep]
        ctx.stage_stats(NAME).notes.update(
            {
                "requested": _describe(cfg),
                "select": cfg.select,
                "available": dict(sorted(available.items())),
                "targets": dict(sorted(targets.items())),
                "warnings": warnings,
                "lengths": length_stats(final, cfg.tokenizer),
            }
        )
        yield from final
