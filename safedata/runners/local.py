"""The local runner: every stage over blocks in one process, spilled to disk at each global stage.

Consecutive row stages are fused: a block goes through all of them before the next block is read, so memory
holds a few blocks, not the build. A global stage spills its whole input (keeping only its narrow view in
memory), decides, then streams the spilled blocks out again without the rows it dropped. Block boundaries are
recut before each row stage to `block_rows` rows, never between rows that share the stage's `block_key`.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Iterator
from pathlib import Path

from safedata.pipeline import BuildContext, Stage
from safedata.runners.contract import GlobalStage, RowStage, apply_decision
from safedata.runners.spill import Spill
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
    task = ctx.progress.add(stage.name)
    stage.open(ctx)
    try:
        for block in cut(blocks, block_rows, stage.block_key):
            out, bctx = map_one(stage, block, ctx)
            ctx.merge_block(bctx)
            ctx.progress.advance(task, len(out))
            yield out
        stage.finish(ctx)
    finally:
        stage.close()
    ctx.progress.finish(task)


def _global(
    stage: GlobalStage, blocks: Iterable[list[Record]], ctx: BuildContext, spill: Spill
) -> Iterator[list[Record]]:
    stats = ctx.stage_stats(stage.name)
    view: list[object] = []
    for block in blocks:
        stats.rows_in += len(block)
        spill.write(block)
        view.extend(stage.view(block, ctx))
    decision = stage.decide(view, ctx)
    del view
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
    rows: RowRunner = _rows,
) -> Spill:
    """Run `stages` (the first one reads); the final rows, spilled under `work` (None: kept in memory).

    `rows` runs a row stage over blocks: in this process by default; the Ray runner passes one that runs
    them in actors, and the rest (reading, global stages, spilling) stays this same code."""
    for stage in stages:
        ctx.stage_stats(stage.name)  # the report lists stages in build order
    source, *rest = stages
    blocks = _read(source, ctx, block_rows)
    for i, stage in enumerate(rest, 1):
        if isinstance(stage, GlobalStage):
            spill = Spill(work / f"{i:02d}-{stage.name}.parquet" if work else None)
            blocks = _global(stage, blocks, ctx, spill)
        elif isinstance(stage, RowStage):
            blocks = rows(stage, blocks, ctx, block_rows)
        else:
            raise TypeError(f"stage {stage.name!r} is neither a RowStage nor a GlobalStage")
    final = Spill(work / "final.parquet" if work else None)
    for block in blocks:
        final.write(block)
    final.close()
    return final


def collect(stages: list[Stage], ctx: BuildContext) -> list[Record]:
    """All rows the stages produce, in memory (plans and small runs)."""
    return run_local(stages, ctx).records()
