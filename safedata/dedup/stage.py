"""The dedup stage: exact, MinHash and semantic duplicates, removed within each variant.

Each variant is its own dataset config, so the `template` and `nocot` samples of one prompt never dedup each
other. With `samples: separate` each sample index is also its own group, so K samples of a prompt survive.
Every cluster of merged rows is written to `dedup_clusters.jsonl` with the row kept and the rows removed.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Callable, Hashable
from typing import Any

import numpy as np

from safedata.dedup.clusters import Cluster, Pairs, resolve
from safedata.dedup.exact import exact_pairs
from safedata.dedup.published import load_published
from safedata.dedup.view import DedupBlock, Group, dedup_block
from safedata.pipeline import BuildContext
from safedata.runners.contract import Decision, Fetch, GlobalStage
from safedata.schemas.dedup import Dedup
from safedata.schemas.record import Order, Record

NAME = "dedup"
PREVIEW_CHARS = 300  # of the prompt, in the clusters file


def _exact(fields: list[str]) -> Pairs:
    key = tuple(fields)
    return lambda group: exact_pairs(group.column(lambda b: b.exact[key]))


def _minhash(cfg: Dedup) -> Pairs:
    from safedata.dedup.minhash import candidate_pairs, verified

    mh = cfg.minhash
    assert mh is not None

    def pairs(group: Group) -> np.ndarray:
        def sig(items: np.ndarray) -> np.ndarray:
            return group.take(lambda b: b.minhash.sig, items)  # type: ignore[union-attr]

        nbands = group.parts[0][0].minhash.bands.shape[1] if group.parts else 0  # type: ignore[union-attr]
        bands = (group.column(lambda b, i=i: b.minhash.bands[:, i]) for i in range(nbands))  # type: ignore[misc,union-attr]
        has = group.column(lambda b: b.minhash.has)  # type: ignore[union-attr]
        return verified(candidate_pairs(bands, has), sig, mh.threshold)[0]

    return pairs


def _semantic(cfg: Dedup, seed: int, store: dict[tuple[str, int], Any]) -> Pairs:
    sem = cfg.semantic
    assert sem is not None

    def pairs(group: Group) -> np.ndarray:
        from safedata.dedup.embed import cached_embed
        from safedata.dedup.semantic import semantic_pairs

        keys = group.texts(sem.fields)
        emb = cached_embed(store, keys, sem.model, sem.batch_size, sem.device)
        empty = {i for i, t in enumerate(keys) if not t}
        found = [p for p in semantic_pairs(emb, sem.threshold, seed) if not (empty & set(p))]
        return np.array(found, dtype=np.int64).reshape(len(found), 2)

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


def preview(rec: Record) -> dict[str, Any]:
    return {"id": rec.id, "prompt": rec.prompt[:PREVIEW_CHARS]}


def groups(
    view: list[DedupBlock], key: Callable[[str | None, int], Hashable]
) -> dict[Hashable, list[tuple[DedupBlock, np.ndarray]]]:
    """Each group's rows, block by block: `key(label, sample index)` names a row's group; groups in order of
    their first row, rows in canonical order."""
    out: dict[Hashable, list[tuple[DedupBlock, np.ndarray]]] = defaultdict(list)
    for block in view:
        pairs = np.stack([block.label.astype(np.int64), block.sample], axis=1)
        found, first, inverse = np.unique(pairs, axis=0, return_index=True, return_inverse=True)
        per_key: dict[Hashable, list[int]] = {}
        for g in np.argsort(first, kind="stable").tolist():
            label, sample = found[g].tolist()
            per_key.setdefault(key(block.labels[label], sample), []).append(g)
        for k, codes in per_key.items():
            out[k].append((block, np.flatnonzero(np.isin(inverse.reshape(-1), codes))))
    return out


class DedupStage(GlobalStage):
    name = NAME

    def plan(self, ctx: BuildContext) -> str:
        cfg: Dedup = ctx.recipe.dedup  # type: ignore[attr-defined]
        names = ", ".join(m for m, _ in methods(cfg, ctx.recipe.seed)) or "no method"
        against = f", against {len(cfg.against)} earlier output(s)" if cfg.against else ""
        return f"{names} within each variant, keep {cfg.keep}{against}"

    def view(self, block: list[Record], ctx: BuildContext) -> list[DedupBlock]:
        return [dedup_block(block, ctx.recipe.dedup, lambda r: r.variant or "")] if block else []  # type: ignore[arg-type]

    def decide(self, view: list[DedupBlock], ctx: BuildContext) -> Decision:
        cfg: Dedup = ctx.recipe.dedup  # type: ignore[attr-defined]
        earlier = load_published(cfg.against, ctx)
        published = dedup_block(earlier, cfg, lambda r: r.variant)
        shown = [preview(r) for r in earlier]
        del earlier
        decision = Decision()
        passes = methods(cfg, ctx.recipe.seed, ctx.embeddings)
        separate = cfg.samples == "separate"
        grouped = groups(view, lambda label, sample: (label, sample if separate else 0))
        stats = ctx.stage_stats(NAME)
        removed: Counter[str] = Counter()
        seconds: Counter[str] = Counter()
        # Per line of the clusters file: variant, sample, cluster, its rows' order keys (None: published).
        lines: list[tuple[str, int, Cluster, list[Order | None], list[int]]] = []
        task = ctx.progress.add(f"{NAME} groups", total=len(grouped))
        for (variant, sample), members in grouped.items():
            mine = np.flatnonzero([lab is None or lab == (variant or None) for lab in published.labels])
            old = np.flatnonzero(np.isin(published.label, mine))
            items = Group([(published, old), *members] if len(old) else members)
            for cluster in resolve(items, len(old), passes, cfg.keep, seconds):
                orders: list[Order | None] = []
                for x, how in cluster.removed:
                    reason = f"already published ({how})" if cluster.published else f"duplicate ({how})"
                    order = items.order(x)
                    decision.drop[order] = reason
                    removed[reason] += 1
                    orders.append(order)
                keeper = None if cluster.published else items.order(cluster.keeper)
                if keeper is not None:
                    decision.touch[keeper] = ("kept", f"{len(orders)} duplicate(s) removed")
                pub = [int(old[cluster.keeper])] if cluster.published else []
                lines.append((variant, sample, cluster, [keeper, *orders], pub))
            ctx.progress.advance(task)
        ctx.progress.finish(task)

        def write(rows: dict[Order, Record]) -> None:
            text = []
            for variant, sample, cluster, (keeper, *orders), pub in lines:
                entry = {
                    "variant": variant,
                    **({"sample_index": sample} if separate else {}),
                    ("published" if cluster.published else "kept"): (
                        shown[pub[0]] if keeper is None else preview(rows[keeper])
                    ),
                    "removed": [
                        {**preview(rows[o]), "method": how}  # type: ignore[index]
                        for o, (_, how) in zip(orders, cluster.removed, strict=True)
                    ],
                }
                text.append(json.dumps(entry, ensure_ascii=False))
            ctx.out_dir.mkdir(parents=True, exist_ok=True)
            (ctx.out_dir / cfg.clusters_file).write_text(
                ctx.scrub("\n".join(text) + ("\n" if text else "")), encoding="utf-8"
            )

        wanted = {o for *_, orders, _ in lines for o in orders if o is not None}
        decision.fetch.append(Fetch(wanted, write))
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
