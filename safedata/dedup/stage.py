"""The dedup stage: exact, MinHash and semantic duplicates, removed within each variant.

Each variant is its own dataset config, so the `template` and `nocot` samples of one prompt never dedup each
other. With `samples: separate` each sample index is also its own group, so K samples of a prompt survive.
Every cluster of merged rows is written to `dedup_clusters.jsonl` with the row kept and the rows removed.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Callable
from typing import Any

from safedata.dedup.clusters import resolve
from safedata.dedup.exact import exact_pairs
from safedata.dedup.normalize import DedupRow, KeyTexts, dedup_row
from safedata.dedup.published import load_published
from safedata.pipeline import BuildContext
from safedata.runners.contract import Decision, GlobalStage
from safedata.schemas.dedup import Dedup
from safedata.schemas.record import Record

NAME = "dedup"

Pairs = Callable[[KeyTexts], list[tuple[int, int]]]


def _exact(fields: list[str]) -> Pairs:
    return lambda texts: exact_pairs(texts(fields))


def _minhash(cfg: Dedup) -> Pairs:
    from safedata.dedup.minhash import lsh_params, signatures, similar_pairs

    mh = cfg.minhash
    assert mh is not None
    bands, rows = lsh_params(mh.num_perm, mh.threshold, mh.bands, mh.rows)

    def pairs(texts: KeyTexts) -> list[tuple[int, int]]:
        sig, has = signatures(texts(mh.fields), mh.shingle, mh.ngram, mh.num_perm, mh.seed)
        later, earlier, _ = similar_pairs(sig, has, bands, rows, mh.threshold)
        return list(zip(later.tolist(), earlier.tolist(), strict=True))

    return pairs


def _semantic(cfg: Dedup, seed: int, store: dict[tuple[str, int], Any]) -> Pairs:
    sem = cfg.semantic
    assert sem is not None

    def pairs(texts: KeyTexts) -> list[tuple[int, int]]:
        from safedata.dedup.embed import cached_embed
        from safedata.dedup.semantic import semantic_pairs

        keys = texts(sem.fields)
        emb = cached_embed(store, keys, sem.model, sem.batch_size, sem.device)
        empty = {i for i, t in enumerate(keys) if not t}
        return [p for p in semantic_pairs(emb, sem.threshold, seed) if not (empty & set(p))]

    return pairs


def methods(
    cfg: Dedup, seed: int, store: dict[tuple[str, int], Any] | None = None
) -> list[tuple[str, Pairs]]:
    """The recipe's methods in order; `store`: the build's embeddings (`BuildContext.embeddings`)."""
    out: list[tuple[str, Pairs]] = []
    if cfg.exact is not None:
        out.append(("exact", _exact(cfg.exact.fields)))
    if cfg.minhash is not None:
        out.append(("minhash", _minhash(cfg)))
    if cfg.semantic is not None:
        out.append(("semantic", _semantic(cfg, seed, {} if store is None else store)))
    return out


def _preview(row: DedupRow) -> dict[str, Any]:
    return {"id": row.id, "prompt": row.prompt}


def field_sets(cfg: Dedup) -> list[list[str]]:
    """Every field choice a configured method compares."""
    methods = (cfg.exact, cfg.minhash, cfg.semantic)
    return [m.fields for m in methods if m is not None]


class DedupStage(GlobalStage):
    name = NAME

    def plan(self, ctx: BuildContext) -> str:
        cfg: Dedup = ctx.recipe.dedup  # type: ignore[attr-defined]
        names = ", ".join(m for m, _ in methods(cfg, ctx.recipe.seed)) or "no method"
        against = f", against {len(cfg.against)} earlier output(s)" if cfg.against else ""
        return f"{names} within each variant, keep {cfg.keep}{against}"

    def view(self, block: list[Record], ctx: BuildContext) -> list[DedupRow]:
        sets = field_sets(ctx.recipe.dedup)  # type: ignore[arg-type]
        return [dedup_row(r, sets) for r in block]

    def decide(self, view: list[DedupRow], ctx: BuildContext) -> Decision:
        cfg: Dedup = ctx.recipe.dedup  # type: ignore[attr-defined]
        recs = view
        published = [dedup_row(r, field_sets(cfg)) for r in load_published(cfg.against, ctx)]
        decision = Decision()
        passes = methods(cfg, ctx.recipe.seed, ctx.embeddings)
        groups: dict[tuple[str, int], list[int]] = defaultdict(list)
        for i, r in enumerate(recs):
            groups[(r.variant or "", r.sample_index if cfg.samples == "separate" else 0)].append(i)
        stats = ctx.stage_stats(NAME)
        removed: Counter[str] = Counter()
        seconds: Counter[str] = Counter()
        lines: list[str] = []
        task = ctx.progress.add(f"{NAME} groups", total=len(groups))
        for (variant, sample), members in groups.items():
            earlier = [p for p in published if p.variant in (None, variant or None)]
            items = earlier + [recs[i] for i in members]
            for cluster in resolve(items, len(earlier), passes, cfg.keep, seconds):
                gone = []
                for x, how in cluster.removed:
                    reason = f"already published ({how})" if cluster.published else f"duplicate ({how})"
                    rec = recs[members[x - len(earlier)]]
                    decision.drop[rec.order] = reason
                    removed[reason] += 1
                    gone.append({**_preview(rec), "method": how})
                keeper = items[cluster.keeper]
                if not cluster.published:
                    decision.touch[keeper.order] = ("kept", f"{len(gone)} duplicate(s) removed")
                entry = {
                    "variant": variant,
                    **({"sample_index": sample} if cfg.samples == "separate" else {}),
                    ("published" if cluster.published else "kept"): _preview(keeper),
                    "removed": gone,
                }
                lines.append(json.dumps(entry, ensure_ascii=False))
            ctx.progress.advance(task)
        ctx.progress.finish(task)
        ctx.out_dir.mkdir(parents=True, exist_ok=True)
        (ctx.out_dir / cfg.clusters_file).write_text(
            ctx.scrub("\n".join(lines) + ("\n" if lines else "")), encoding="utf-8"
        )
        stats.notes.update(
            {
                "removed": dict(removed),
                "clusters": len(lines),
                "clusters_file": cfg.clusters_file,
                "published_rows": len(published),
                "seconds": {m: round(s, 2) for m, s in seconds.items()},
            }
        )
        if cfg.minhash is not None:
            from safedata.dedup.minhash import lsh_params

            mh = cfg.minhash
            bands, rows = lsh_params(mh.num_perm, mh.threshold, mh.bands, mh.rows)
            stats.notes["minhash"] = {"threshold": mh.threshold, "bands": bands, "rows": rows}
        return decision
