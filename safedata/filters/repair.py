"""Repair actions (`repair.actions`): what happens to a sample the detectors flagged, one function each.

An action is `act(rows, round_) -> changed rows`. Each repair round, every flagged row takes the strongest
action asked for any pattern it fired (the registry's order, strongest first) and each action gets its rows
at once (regeneration sends them to the teacher together). It changes rows in place and returns them (they
are judged again), or drops them with `round_.drop`; a row neither returned nor dropped stays as it was.
Adding an action: its function (this signature), its test, and one line in safedata/registry.py
(`make` = the function, `counted_as` = its column in the round notes and the card, `needs_teacher`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from safedata.builders.template_cot import template_reasoning, template_refusal
from safedata.engines import Teacher
from safedata.pipeline import BuildContext
from safedata.schemas.record import Record
from safedata.schemas.teacher import TeacherBase

NAME = "filters"


@dataclass
class RepairRound:
    """What an action gets beside its rows: the round, the build, the patterns each row fired, a way to
    drop a row and one to reach an engine (the build's, shared with the judges)."""

    n: int
    ctx: BuildContext
    fired: dict[int, list[str]]  # id(row) -> the counted patterns that fired on it (`judge_failed` too)
    engine: Callable[[TeacherBase], Teacher]
    kept: set[int]  # id(row) of the block's rows still in it
    dropped: Counter[str] = field(default_factory=Counter)  # patterns of the rows dropped this round

    def drop(self, rec: Record) -> None:
        """Take `rec` out of the block (counted, with its reason, in the stage's report and in provenance)."""
        fired = self.fired[id(rec)]
        self.kept.discard(id(rec))
        self.dropped.update(fired)
        self.ctx.drop(NAME, rec, f"repair: {fired[0]}")
        rec.touched(NAME, "repair:drop", self.why(rec))

    def why(self, rec: Record) -> str:
        """The provenance detail of this round's repair of `rec`."""
        return f"round {self.n}: {', '.join(self.fired[id(rec)])}"


Action = Callable[[list[Record], RepairRound], list[Record]]


def drop(rows: list[Record], round_: RepairRound) -> list[Record]:
    """Drop the rows."""
    for rec in rows:
        round_.drop(rec)
    return []


def to_template(rows: list[Record], round_: RepairRound) -> list[Record]:
    """Harmful rows get the teacher-free template refusal; other kinds cannot (it refuses), so they drop."""
    changed = []
    for rec in rows:
        if rec.kind != "harmful":
            round_.drop(rec)
            continue
        template_row(rec, round_.ctx.recipe.seed, round_.why(rec))
        changed.append(rec)
    return changed


def template_row(rec: Record, seed: int, detail: str) -> None:
    """Replace a harmful row's thought and answer with the teacher-free template refusal."""
    rec.reasoning = template_reasoning(rec, seed)
    rec.answer = template_refusal(rec, seed)
    rec.touched(NAME, "repair:to_template", detail)
