"""The local runner's pieces: block cutting that keeps key groups whole, partial reports that add up, and
row stages in forked workers giving what one process gives."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from safedata import api
from safedata.pipeline import BuildContext, StageStats, merge_notes
from safedata.progress import Progress
from safedata.runners import local
from safedata.runners.contract import RowStage
from safedata.runners.local import cut
from safedata.schemas.record import Record


def _rows(groups: list[int]) -> list[Record]:
    """Rows whose order prefix repeats `groups[i]` times for prompt i (K samples each)."""
    return [
        Record(prompt=f"p{i}", kind="harmful", source="s", order=(0, i, 0, 1, k), sample_index=k)
        for i, n in enumerate(groups)
        for k in range(n)
    ]


def test_cut_never_splits_a_key_group() -> None:
    rows = _rows([3, 1, 4, 2, 2, 5])
    for size in (1, 2, 3, 7, 100):
        blocks = list(cut(([r] for r in rows), size, key=lambda o: o[:4]))
        assert [r for b in blocks for r in b] == rows
        prefixes = [{r.order[:4] for r in b} for b in blocks]
        for a, b in zip(prefixes, prefixes[1:], strict=False):
            assert not a & b, f"block size {size}: a group straddles two blocks"
        assert all(len(b) >= size for b in blocks[:-1])


def test_cut_without_a_key_gives_exact_sizes() -> None:
    blocks = list(cut([_rows([1] * 10)], 4))
    assert [len(b) for b in blocks] == [4, 4, 2]


def test_partials_merge_by_addition() -> None:
    a, b = StageStats("x", rows_in=3, rows_out=2), StageStats("x", rows_in=4, rows_out=4)
    a.dropped["dup"] += 1
    b.dropped["dup"] += 2
    a.notes = {"model": "m", "usage": {"tokens": 5}, "examples": [1], "rate": 0.5}
    b.notes = {"model": "m", "usage": {"tokens": 7, "calls": 1}, "examples": [2]}
    a.merge(b)
    assert (a.rows_in, a.rows_out, a.dropped["dup"]) == (7, 6, 3)
    assert a.notes == {"model": "m", "usage": {"tokens": 12, "calls": 1}, "examples": [1, 2], "rate": 0.5}
    assert merge_notes({"flag": True}, {"flag": True}) == {"flag": True}  # booleans are settings, not counts


class Stamp(RowStage):
    """A CPU row stage that notes which process mapped each row and counts rows in its partial report."""

    name = "stamp"
    block_key = staticmethod(lambda order: order[:2])

    def map_block(self, block: list[Record], ctx: BuildContext) -> list[Record]:
        ctx.stage_stats(self.name).notes["seen"] = ctx.stage_stats(self.name).notes.get("seen", 0) + len(
            block
        )
        for r in block:
            r.meta["pid"] = os.getpid()
        return block


class Halve(RowStage):
    """Drops every other prompt (through `ctx.drop`, so the partial reports carry the drops)."""

    name = "halve"

    def map_block(self, block: list[Record], ctx: BuildContext) -> list[Record]:
        kept = []
        for r in block:
            if r.order[1] % 2:
                ctx.drop(self.name, r, "odd")
            else:
                kept.append(r)
        return kept


def _ctx(tmp_path: Path) -> BuildContext:
    loaded = api.load({"name": "x", "sources": [{"type": "seeds", "set": "harmful"}]}, str(tmp_path))
    return BuildContext(loaded=loaded, out_dir=tmp_path, progress=Progress(False))


def test_two_workers_map_fused_row_stages_in_other_processes_with_the_same_result(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delitem(sys.modules, "torch", raising=False)  # an earlier test's torch: none in these stages
    rows = _rows([2, 1, 3] * 40)
    one, two = _ctx(tmp_path), _ctx(tmp_path)
    stamped = local._rows(Stamp(), [[r.model_copy(deep=True) for r in rows]], one, 5)
    serial = [r for b in local._rows(Halve(), stamped, one, 5) for r in b]
    pooled = [
        r for b in local._pooled([Stamp(), Halve()], [[r.model_copy() for r in rows]], two, 5, 2) for r in b
    ]
    assert [r.order for r in serial] == [r.order for r in rows if r.order[1] % 2 == 0]
    assert [r.order for r in pooled] == [r.order for r in serial]
    pids = {r.meta["pid"] for r in pooled}
    assert os.getpid() not in pids and pids, "the pool's rows were mapped in this process"
    for name in ("stamp", "halve"):
        assert two.stage_stats(name).notes == one.stage_stats(name).notes
        assert two.stage_stats(name).dropped == one.stage_stats(name).dropped
        assert (two.stage_stats(name).rows_in, two.stage_stats(name).rows_out) == (
            one.stage_stats(name).rows_in,
            one.stage_stats(name).rows_out,
        )
    assert one.stage_stats("halve").dropped["odd"] == len(rows) - len(serial)
