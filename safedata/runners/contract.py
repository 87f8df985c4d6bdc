"""The stage contract every runner drives: row stages map blocks, global stages decide on a narrow view.

How to write a stage against it
-------------------------------
Rows carry `Record.order`, the canonical order key (source, row, augment, variant, sample). A runner hands a
stage blocks of rows sorted by that key; it may cut the build into blocks of any size, and the output must
not depend on where the cuts fall.

*Row stage* (augment, generate, filters, decontaminate): subclass `RowStage` and write

- `open(ctx)`: per worker, once, before any block: load engines, detectors, eval sets (broadcast data).
- `map_block(block, ctx) -> list[Record]`: the rows this block becomes. A row's descendants keep its order
  prefix (augment sets the augment index, generate the variant and sample index; repair keeps the key). Count
  drops with `ctx.drop`, bad rows with `ctx.quarantine`, and put figures in `ctx.stage_stats(name).notes`:
  the runner gives every block a fresh context, so these are the block's *partial report*. Notes must be
  mergeable by `merge_notes`: numbers add up, dicts merge key by key, lists concatenate in block order; a
  value that is the same for every block (a model name) may be a string.
- `finish(ctx)`: once, after the partials of every block were merged into `ctx`: turn sums into the final
  figures (rates, capped example lists, settings the partials must not add up).
- `close()`: release what `open` took.
- `block_key`: None, or a function of a row's order key whose equal values must share a block (filters: the
  K samples of one prompt variant, `order[:4]`). Rows sharing it are adjacent in order, since a row's
  descendants keep its prefix; runners cut blocks only between different keys.

*Global stage* (dedup, mix): subclass `GlobalStage` and write

- `view(block, ctx) -> list`: the few columns `decide` needs for each row of a block, in block order (order
  key, variant, sample index, key hashes, labels), as one item per row or as compact per-block items (dedup
  returns one `DedupBlock` of numpy columns); the runner keeps only these while it spills the rows.
- `decide(view, ctx) -> Decision`: over the whole build's view (in order), which rows go (order key ->
  reason) and which kept rows get a provenance note; notes go to `ctx.stage_stats(name).notes` and any side
  file (the clusters file) is written here, or, when it shows rows the view left out, by a `Fetch` that the
  runner feeds while it applies the decision. It runs once, on the driver.

The sources stage reads (`run(iter(()), ctx)`) and the writer writes; both stream. The local runner
(`safedata.runners.local`) runs the same `map_block` and `decide` over blocks in one process; a Ray runner
runs `map_block` in actors (each calling `open` once) and `decide` on the driver over the gathered views,
merging partial reports in block order with `StageStats.merge`.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator
from dataclasses import dataclass, field
from typing import Any

from safedata.pipeline import BuildContext
from safedata.schemas.record import Order, Record


@dataclass
class Fetch:
    """Rows a global stage wants back whole once it has decided (the few its side file shows: a compact view
    holds no texts), and what takes them: `take` is called once, with every wanted row by order key, as soon
    as the runner, applying the decision, has passed them all (at once when none is wanted)."""

    want: set[Order]
    take: Callable[[dict[Order, Record]], None]
    got: dict[Order, Record] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._check()

    def see(self, block: list[Record]) -> None:
        if self.want:
            self.got.update((r.order, r) for r in block if r.order in self.want)
            self._check()

    def _check(self) -> None:
        if len(self.got) == len(self.want):
            self.want = set()
            got, self.got = self.got, {}
            self.take(got)


@dataclass
class Decision:
    """What a global stage decided: rows to drop (order key -> reason), rows to annotate, rows to fetch."""

    drop: dict[Order, str] = field(default_factory=dict)
    touch: dict[Order, tuple[str, str]] = field(default_factory=dict)  # order key -> (action, detail)
    fetch: list[Fetch] = field(default_factory=list)


def apply_decision(
    stage_name: str, decision: Decision, block: list[Record], ctx: BuildContext
) -> list[Record]:
    for fetch in decision.fetch:
        fetch.see(block)
    kept = []
    for rec in block:
        reason = decision.drop.get(rec.order)
        if reason is not None:
            ctx.drop(stage_name, rec, reason)
            continue
        note = decision.touch.get(rec.order)
        if note is not None:
            rec.touched(stage_name, *note)
        kept.append(rec)
    return kept


class RowStage:
    """Base of row stages; `run` is the whole input as one block (for direct calls and tests)."""

    name: str
    block_key: Callable[[Order], Hashable] | None = None

    def open(self, ctx: BuildContext) -> None:
        return None

    def map_block(self, block: list[Record], ctx: BuildContext) -> list[Record]:
        raise NotImplementedError

    def finish(self, ctx: BuildContext) -> None:
        return None

    def close(self) -> None:
        return None

    def run(self, records: Iterator[Record], ctx: BuildContext) -> Iterator[Record]:
        self.open(ctx)
        try:
            out = self.map_block(list(records), ctx)
            self.finish(ctx)
        finally:
            self.close()
        yield from sorted(out, key=lambda r: r.order)


class GlobalStage:
    """Base of global stages; `run` views, decides and applies over the whole input (direct calls, tests)."""

    name: str

    def view(self, block: list[Record], ctx: BuildContext) -> list[Any]:
        raise NotImplementedError

    def decide(self, view: list[Any], ctx: BuildContext) -> Decision:
        raise NotImplementedError

    def run(self, records: Iterator[Record], ctx: BuildContext) -> Iterator[Record]:
        rows = sorted(records, key=lambda r: r.order)
        if len({r.order for r in rows}) < len(rows):  # rows made by hand, without keys: their list position
            for i, r in enumerate(rows):
                r.order = (0, i, 0, 0, 0)
        decision = self.decide(self.view(rows, ctx), ctx)
        yield from apply_decision(self.name, decision, rows, ctx)
