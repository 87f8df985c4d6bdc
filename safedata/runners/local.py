"""The local runner: every stage over blocks in this process (row stages optionally in a pool of forked
worker processes), spilled to disk at each global stage.

Consecutive row stages are fused: a block goes through all of them before the next block is read, so memory
holds a few blocks, not the build. With `workers` > 1, each run of consecutive row stages is mapped by that
many forked processes, a block through all of its stages per task, results taken back in block order.

A global stage spills its whole input (keeping only its narrow view in memory), decides, then streams the
spilled blocks out again without the rows it dropped. With workers, applying the decision is itself a row
stage (`_Apply`) fused with the row stages after it: the driver hands out the spilled rows still encoded, and
the workers decode them, drop and annotate, run the next row stages and take the next global stage's view
(or the writer's), so the driver decodes no row between stages. Block boundaries are recut before each row
stage to `block_rows` rows, never between rows that share the stage's `block_key`.
"""

from __future__ import annotations

import dataclasses
import gc
from collections import deque
from collections.abc import Callable, Hashable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol

from safedata.pipeline import BLOCK_PARTS, BuildContext, Stage
from safedata.runners.contract import Decision, GlobalStage, RowStage, apply_decision
from safedata.runners.spill import Encoded, Line, Spill
from safedata.schemas.record import Order, Record
from safedata.schemas.runner import DEFAULT_BLOCK_ROWS

RowRunner = Callable[[RowStage, Iterable[list[Record]], BuildContext, int], Iterator[list[Record]]]


def cut(
    blocks: Iterable[list[Record]], block_rows: int, key: Callable[[Order], Hashable] | None = None
) -> Iterator[list[Record]]:
    """The same rows, in blocks of `block_rows` (more when a `key` group straddles the cut)."""
    buf: list[Record] = []
    for block in blocks:
        buf.extend(block)
        while len(buf) >= block_rows:
            at = block_rows
            if key is not None:
                while at < len(buf) and key(buf[at].order) == key(buf[at - 1].order):
                    at += 1
                if at == len(buf):  # the group may go on in the next block
                    break
            yield buf[:at]
            buf = buf[at:]
    if buf:
        yield buf


def _read(stage: Stage, ctx: BuildContext, block_rows: int) -> Iterator[list[Record]]:
    stats = ctx.stage_stats(stage.name)
    task = ctx.progress.add(stage.name)
    for block in cut(([r] for r in stage.run(iter(()), ctx)), block_rows):
        stats.count_out(block)
        ctx.progress.advance(task, len(block))
        yield block
    ctx.progress.finish(task)


def map_one(stage: RowStage, block: list[Record], ctx: BuildContext) -> tuple[list[Record], BuildContext]:
    """One block through an opened row stage: its rows in order, and the block's partial report."""
    bctx = ctx.for_block()
    partial = bctx.stage_stats(stage.name)
    partial.rows_in = len(block)
    out = sorted(stage.map_block(block, bctx), key=lambda r: r.order)
    partial.count_out(out)
    return out, bctx


def _rows(
    stage: RowStage, blocks: Iterable[list[Record]], ctx: BuildContext, block_rows: int
) -> Iterator[list[Record]]:
    stage.open(ctx)
    try:
        yield from _opened(stage, blocks, ctx, block_rows)
    finally:
        stage.close()


def _opened(
    stage: RowStage, blocks: Iterable[list[Record]], ctx: BuildContext, block_rows: int
) -> Iterator[list[Record]]:
    task = ctx.progress.add(stage.name)
    for block in cut(blocks, block_rows, stage.block_key):
        out, bctx = map_one(stage, block, ctx)
        ctx.merge_block(bctx)
        ctx.progress.advance(task, len(out))
        yield out
    stage.finish(ctx)
    ctx.progress.finish(task)


def map_chain(
    stages: list[RowStage], block: list[Record], ctx: BuildContext, block_rows: int
) -> tuple[list[Record], list[BuildContext]]:
    """A block through every fused (opened) stage, recut per stage: its rows in order, and one partial report
    per sub-block, in order (the worker pool's and the Ray runner's chains)."""
    blocks, parts = [block], []
    for stage in stages:
        done = []
        for sub in cut(blocks, block_rows, stage.block_key):
            out, bctx = map_one(stage, sub, ctx)
            parts.append(bctx)
            done.append(out)
        blocks = done
    return [r for b in blocks for r in b], parts


class _Together:
    """Order keys under several stages' `block_key`s at once: equal when any stage's key is equal, so `cut`
    never separates rows that one of the fused stages must see in the same block (this runner's worker pool
    and the Ray runner's chains)."""

    def __init__(self, keys: tuple[Hashable, ...]) -> None:
        self.keys = keys

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Together) and any(
            a == b for a, b in zip(self.keys, other.keys, strict=True)
        )

    __hash__ = None  # type: ignore[assignment]  # only compared, never looked up


def chain_key(stages: list[RowStage]) -> Callable[[Order], Any] | None:
    keys = [s.block_key for s in stages if s.block_key is not None]
    return (lambda order: _Together(tuple(k(order) for k in keys))) if keys else None


class _Apply(RowStage):
    """A global stage's decision applied to its spilled rows, as a row stage: the worker pool, forked after
    the decision (which the workers inherit), maps it with the row stages that follow."""

    def __init__(self, stage: GlobalStage) -> None:
        self.name = stage.name
        self.decision: Decision | None = None

    def map_block(self, block: list[Record], ctx: BuildContext) -> list[Record]:
        assert self.decision is not None, "the decision is made before the pool forks"
        return apply_decision(self.name, self.decision, block, ctx)


class Then(Protocol):
    """What takes a pooled chain's rows: the next global stage, or the writer. Its `view` of a block runs in
    the worker; the driver gets it with the block still encoded."""

    def view(self, block: list[Record], ctx: BuildContext) -> Any: ...


# The forked workers' stages (opened by the driver before the fork) and context: set in the driver just before
# the pool starts, inherited by the children, never pickled.
_FORKED: tuple[list[RowStage], Then | None, BuildContext, int] | None = None


Partials = list[tuple[dict[str, Any], dict[str, list[Any]]]]


def _map_fused(texts: list[str]) -> tuple[list[str], list[Order], Any, Partials]:
    """In a worker: a block (as record JSON: faster both ways than pickling pydantic models) through every
    fused stage, recut per stage; the rows, their order keys, the next global stage's (or the writer's) view
    of them (None: neither), and one partial report per sub-block, in order."""
    assert _FORKED is not None
    stages, then, ctx, block_rows = _FORKED
    block = [Record.model_validate_json(t) for t in texts]
    # A chain that changes no row (none: a view only) or only applies a decision leaves the rows it does not
    # annotate as they came: their JSON goes on unchanged (the drop of an encode per row).
    apply = stages[0] if len(stages) == 1 and isinstance(stages[0], _Apply) else None
    same = apply is not None or not stages
    given = {r.order: t for r, t in zip(block, texts, strict=True)} if same else {}
    rows, parts = map_chain(stages, block, ctx, block_rows)
    partials = [(b.stats, {k: getattr(b, k) for k in BLOCK_PARTS}) for b in parts]
    view = then.view(rows, ctx) if then is not None else None
    touched = apply.decision.touch if apply and apply.decision else {}
    kept = [given[r.order] if r.order in given and r.order not in touched else None for r in rows]
    out = [t if t is not None else r.model_dump_json() for r, t in zip(rows, kept, strict=True)]
    return out, [r.order for r in rows], view, partials


def _texts(block: list[Record] | list[Line]) -> list[str]:
    return [r.text if isinstance(r, Line) else r.model_dump_json() for r in block]


def _decoded(blocks: Iterable[list[Record] | list[Line]]) -> Iterator[list[Record]]:
    for block in blocks:
        yield [Record.model_validate_json(r.text) if isinstance(r, Line) else r for r in block]


def _poolable(ctx: BuildContext) -> bool:
    """Forking is safe for the CPU stages of a teacher-free build: no engine (its connections and writer
    thread would be copied half-alive) and no torch (its thread pools)."""
    import sys

    return not ctx.engines and "torch" not in sys.modules


def _pooled(
    stages: list[RowStage],
    blocks: Iterable[list[Record] | list[Line]],
    ctx: BuildContext,
    block_rows: int,
    workers: int,
    then: Then | None = None,
) -> Iterator[list[Record] | Encoded]:
    """Consecutive row stages over blocks (of records, or of spilled rows still encoded) in `workers` forked
    processes, at most two blocks in flight per worker; partial reports merged in block order, then each
    stage's `finish` here, as in one process. With `then` (the global stage these blocks go to, or the
    writer), the workers also take its view, and the blocks come out `Encoded`: the driver, which runs every
    global stage, spills them without decoding a row."""
    global _FORKED
    import itertools
    import multiprocessing

    from safedata.progress import Progress

    opened: list[RowStage] = []
    try:
        for stage in stages:
            stage.open(ctx)  # once, here: the workers inherit what it loaded
            opened.append(stage)
        if not _poolable(ctx):
            out: Iterable[list[Record]] = _decoded(blocks)
            for stage in stages:
                out = _opened(stage, out, ctx, block_rows)
            yield from out
            return
        tasks = [ctx.progress.add(s.name) for s in stages]
        # The first block before the fork: an upstream global stage decides while it is pulled (an `_Apply`
        # among `stages` needs that decision in the workers) and the upstream pool is gone by then.
        cuts = iter(cut(blocks, block_rows, chain_key(stages)))
        first = next(cuts, None)
        _FORKED = stages, then, dataclasses.replace(ctx, progress=Progress(False)), block_rows
        gc.collect()
        gc.freeze()  # the driver's long-lived objects: shared with the children, untouched by their collector
        pending: deque[Any] = deque()
        with multiprocessing.get_context("fork").Pool(workers) as pool:

            def take() -> list[Record] | Encoded:
                texts, orders, view, partials = pending.popleft().get()
                for stats, collected in partials:
                    part = ctx.for_block()
                    part.stats = stats
                    for k, rows in collected.items():
                        setattr(part, k, rows)
                    ctx.merge_block(part)
                for task in tasks:
                    ctx.progress.advance(task, len(texts))
                return (
                    Encoded(texts, orders, view)
                    if then is not None
                    else [Record.model_validate_json(t) for t in texts]
                )

            for block in itertools.chain([first] if first is not None else [], cuts):
                pending.append(pool.apply_async(_map_fused, (_texts(block),)))
                while len(pending) >= 2 * workers:
                    yield take()
            while pending:
                yield take()
        gc.unfreeze()
        for stage in stages:
            stage.finish(ctx)
        for task in tasks:
            ctx.progress.finish(task)
    finally:
        _FORKED = None
        for stage in opened:
            stage.close()


def _decide(
    stage: GlobalStage, blocks: Iterable[list[Record] | Encoded], ctx: BuildContext, spill: Spill, count: bool
) -> Decision:
    """Spill every block (counting it into the stage's `rows_in` if `count`) and decide on their view."""
    stats = ctx.stage_stats(stage.name)
    view: list[object] = []
    for block in blocks:
        if isinstance(block, Encoded):  # from worker processes, with this stage's view
            stats.rows_in += len(block.texts) if count else 0
            spill.write_texts(block.texts, block.orders)
            view.extend(block.view)
            continue
        stats.rows_in += len(block) if count else 0
        spill.write(block)
        view.extend(stage.view(block, ctx))
    # The view lives until the decision and holds no cycles: kept out of the collector's full scans.
    gc.freeze()
    try:
        return stage.decide(view, ctx)
    finally:
        gc.unfreeze()


def _decided(
    stage: GlobalStage,
    apply: _Apply,
    blocks: Iterable[list[Record] | Encoded],
    ctx: BuildContext,
    spill: Spill,
) -> Iterator[list[Line]]:
    """The spilled rows, still encoded, once `stage` has decided (into `apply`, which counts them in). The
    rows the decision fetches are decoded here, in the driver, where its `Fetch`es write their notes and
    side files; the workers apply the rest of it."""
    decision = _decide(stage, blocks, ctx, spill, count=False)
    apply.decision = dataclasses.replace(decision, fetch=[])
    want = set().union(*(f.want for f in decision.fetch))
    for lines in spill.lines():
        wanted = [line for line in lines if line.order in want] if want else []
        if wanted:
            rows = [Record.model_validate_json(line.text) for line in wanted]
            for fetch in decision.fetch:
                fetch.see(rows)
        yield lines
    spill.remove()


def _global(
    stage: GlobalStage, blocks: Iterable[list[Record] | Encoded], ctx: BuildContext, spill: Spill
) -> Iterator[list[Record]]:
    stats = ctx.stage_stats(stage.name)
    decision = _decide(stage, blocks, ctx, spill, count=True)
    task = ctx.progress.add(stage.name, total=len(spill))
    for block in spill.blocks():
        out = apply_decision(stage.name, decision, block, ctx)
        stats.count_out(out)
        ctx.progress.advance(task, len(block))
        yield out
    spill.remove()
    ctx.progress.finish(task)


def run_local(
    stages: list[Stage],
    ctx: BuildContext,
    block_rows: int = DEFAULT_BLOCK_ROWS,
    work: Path | None = None,
    **kw: Any,
) -> Spill:
    """`stream_local`'s final rows, spilled under `work` (None: kept in memory)."""
    final = Spill(work / "final.parquet" if work else None)
    for block in stream_local(stages, ctx, block_rows, work, **kw):
        if isinstance(block, Encoded):
            final.write_texts(block.texts, block.orders)
        else:
            final.write(block)
    final.close()
    return final


def stream_local(
    stages: list[Stage],
    ctx: BuildContext,
    block_rows: int = DEFAULT_BLOCK_ROWS,
    work: Path | None = None,
    rows: RowRunner | None = None,
    workers: int = 1,
    sink: Then | None = None,
) -> Iterator[list[Record] | Encoded]:
    """Run `stages` (the first one reads); the final rows, a block at a time.

    `rows` runs a row stage over blocks: in this process by default (or, with `workers` > 1, each run of
    consecutive row stages in that many forked processes); the Ray runner passes one that runs them in actors,
    and the rest (reading, global stages, spilling under `work`) stays this same code. With workers, `sink`
    (the writer) takes its view of the final rows in the workers, and the final blocks may come `Encoded`."""
    pool = rows is None and workers > 1
    with _collector_tuned():
        for stage in stages:
            ctx.stage_stats(stage.name)  # the report lists stages in build order
        source, *rest = stages
        blocks: Iterable[Any] = _read(source, ctx, block_rows)
        fused: list[RowStage] = []
        for i, stage in enumerate([*rest, None], 1):
            if isinstance(stage, RowStage) and pool:
                fused.append(stage)
                continue
            # A global stage right after the reader gets its view from the workers too (an empty chain).
            if fused or (pool and isinstance(stage, GlobalStage)):
                then = stage if isinstance(stage, GlobalStage) else sink if stage is None else None
                blocks = _pooled(fused, blocks, ctx, block_rows, workers, then)
                fused = []
            if stage is None:
                break
            if isinstance(stage, GlobalStage):
                spill = Spill(work / f"{i:02d}-{stage.name}.parquet" if work else None)
                if pool:
                    fused.append(apply := _Apply(stage))
                    blocks = _decided(stage, apply, blocks, ctx, spill)
                    continue
                blocks = _global(stage, blocks, ctx, spill)
            elif isinstance(stage, RowStage):
                blocks = (rows or _rows)(stage, blocks, ctx, block_rows)
            else:
                raise TypeError(f"stage {stage.name!r} is neither a RowStage nor a GlobalStage")
        yield from blocks


@contextmanager
def _collector_tuned() -> Iterator[None]:
    """Fewer cyclic collections: a build allocates millions of short-lived, acyclic records, and at the
    default threshold (700 allocations) the collector ran every few rows, a sixth of a build's CPU."""
    before = gc.get_threshold()
    gc.set_threshold(100_000, 50, 100)
    try:
        yield
    finally:
        gc.set_threshold(*before)


def collect(stages: list[Stage], ctx: BuildContext) -> list[Record]:
    """All rows the stages produce, in memory (plans and small runs)."""
    return run_local(stages, ctx).records()
