"""Write the filters stage's pairs as the `preference` config (data/preference/train-*.parquet).

Pairs are built before dedup, decontamination and mixing, so with `decontaminate:` the pairs whose prompt
overlaps an eval set are dropped here by the same n-gram and MinHash checks, and counted.
"""

from __future__ import annotations

from pathlib import Path

from safedata.pipeline import BuildContext
from safedata.preference.pairs import Pair, pair_counts
from safedata.publish.writer import write_config
from safedata.schemas.preference import PREFERENCE_CONFIG as CONFIG


def clean_pairs(pairs: list[Pair], ctx: BuildContext) -> list[Pair]:
    cfg = ctx.recipe.decontaminate
    if cfg is None or not pairs:
        return pairs
    from safedata.dedup.decontaminate import NgramIndex, load_eval_sets, minhash_matches

    evals = load_eval_sets(cfg, ctx)
    index = NgramIndex(evals, cfg.ngram)
    near = minhash_matches(evals, [p.prompt for p in pairs], cfg) if cfg.minhash_threshold else {}
    kept = [p for i, p in enumerate(pairs) if index.match(p.prompt) is None and i not in near]
    ctx.stage_stats("filters").notes["preference"]["dropped_contaminated"] = len(pairs) - len(kept)
    return kept


def write_preference(ctx: BuildContext, out_dir: Path) -> dict[str, list[str]]:
    """The `preference` config's shards ({} when the recipe asks for none)."""
    if ctx.recipe.preference is None:
        return {}
    pairs = clean_pairs(ctx.preference_pairs, ctx)
    ctx.stage_stats("filters").notes["preference"]["pairs"] = pair_counts(pairs)
    if not pairs:
        return {}
    scrub = ctx.scrub if ctx.loaded.secrets else None
    return {
        CONFIG: write_config([p.row() for p in pairs], out_dir, CONFIG, ctx.recipe.output.shard_rows, scrub)
    }
