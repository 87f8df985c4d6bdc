"""Stages, the context they share, and the runner that chains them and counts what flows.

A stage is a small object with a `run(records, ctx)` generator (datatrove style). The runner wraps each
stage's input and output in counters, so every number in the report is measured, not re-derived.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from safedata.errors import RecipeError, SafedataError
from safedata.progress import Progress
from safedata.schemas.loader import LoadedRecipe, YamlPath, format_path
from safedata.schemas.recipe import Recipe
from safedata.schemas.record import Record


@dataclass
class StageStats:
    name: str
    rows_in: int = 0
    rows_out: int = 0
    out_by: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    dropped: Counter[str] = field(default_factory=Counter)  # reason -> rows
    notes: dict[str, Any] = field(default_factory=dict)  # stage-specific figures for the report

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "rows_in": self.rows_in,
            "rows_out": self.rows_out,
            "dropped": dict(self.dropped),
            "out_by": {k: dict(sorted(v.items())) for k, v in self.out_by.items()},
            **({"notes": self.notes} if self.notes else {}),
        }


@dataclass
class BuildContext:
    loaded: LoadedRecipe
    out_dir: Path
    progress: Progress
    stats: dict[str, StageStats] = field(default_factory=dict)
    quarantined: list[dict[str, Any]] = field(default_factory=list)
    failed: list[dict[str, Any]] = field(default_factory=list)  # requests that failed for good: failed.jsonl
    use_cache: bool = True
    # Source rows the dry-run plan already read, by source index: a later plan that runs the stages
    # before it (generate, to count teacher requests) reuses them instead of reading every source again.
    planned_rows: dict[int, list[tuple[int, Any]]] = field(default_factory=dict)
    # `preference:` pairs the filters stage built (preference/pairs.py); publish writes them as a config.
    preference_pairs: list[Any] = field(default_factory=list)
    # Stage name -> what a row it drops would have cost later (teacher requests), summed into its notes as
    # `teacher_requests_saved` (stages.count_saved_requests sets it for the prompt-level stages).
    drop_costs: dict[str, Callable[[Record], int]] = field(default_factory=dict)

    @property
    def recipe(self) -> Recipe:
        return self.loaded.recipe

    def stage_stats(self, name: str) -> StageStats:
        return self.stats.setdefault(name, StageStats(name))

    def drop(self, stage: str, record: Record | None, reason: str) -> None:
        """Count a row a stage removed on purpose (not a quarantine: the row was valid)."""
        stats = self.stage_stats(stage)
        stats.dropped[reason] += 1
        cost = self.drop_costs.get(stage)
        if cost is not None and record is not None:
            saved = stats.notes.get("teacher_requests_saved", 0)
            stats.notes["teacher_requests_saved"] = saved + cost(record)

    def quarantine(self, stage: str, reason: str, row: dict[str, Any]) -> None:
        """Keep a bad input row with its reason; the build goes on."""
        self.quarantined.append({"stage": stage, "reason": reason, "row": row})
        self.stage_stats(stage).dropped[f"quarantined: {reason.split(':')[0]}"] += 1

    def recipe_error(self, loc: YamlPath, message: str) -> RecipeError:
        return RecipeError(message, format_path(loc), self.loaded.line_of(loc))

    def scrub(self, text: str) -> str:
        """Remove resolved `${ENV}` secrets from anything we are about to write."""
        return self.loaded.secrets.scrub(text)


class Stage(Protocol):
    name: str

    def run(self, records: Iterator[Record], ctx: BuildContext) -> Iterator[Record]: ...

    def plan(self, ctx: BuildContext) -> str:
        """One line for `--dry-run`: what this stage would do."""
        ...


def _count_in(records: Iterable[Record], stats: StageStats) -> Iterator[Record]:
    for r in records:
        stats.rows_in += 1
        yield r


def _count_out(records: Iterable[Record], stats: StageStats, ctx: BuildContext) -> Iterator[Record]:
    task = ctx.progress.add(stats.name)  # created when the stream is built, so bars show in stage order
    return _counted(records, stats, ctx, task)


def _counted(records: Iterable[Record], stats: StageStats, ctx: BuildContext, task: Any) -> Iterator[Record]:
    for r in records:
        stats.rows_out += 1
        stats.out_by["kind"][r.kind] += 1
        stats.out_by["category"][r.category or "none"] += 1
        stats.out_by["variant"][r.variant or "none"] += 1
        if r.attack is not None:
            stats.out_by["tactic"][r.attack.tactic] += 1
        ctx.progress.advance(task)
        yield r
    ctx.progress.finish(task)


def run_stages(stages: list[Stage], ctx: BuildContext) -> list[Record]:
    stream: Iterator[Record] = iter(())
    for stage in stages:
        stats = ctx.stage_stats(stage.name)
        stream = _count_out(stage.run(_count_in(stream, stats), ctx), stats, ctx)
    return list(stream)


def empty_result(stages: list[Stage], ctx: BuildContext) -> SafedataError:
    """The error for a build that kept no row: which stage emptied it, and its main reasons."""
    for stage in stages:
        stats = ctx.stage_stats(stage.name)
        if stats.rows_out:
            continue
        why = list(stats.notes.get("warnings") or []) + [
            f"{reason}: {n}" for reason, n in stats.dropped.most_common(3)
        ]
        what = f"dropped all {stats.rows_in} rows" if stats.rows_in else "produced no rows"
        detail = f" ({'; '.join(why)})" if why else ""
        return SafedataError(f"the build kept no rows: stage `{stage.name}` {what}{detail}; nothing written")
    return SafedataError("the build kept no rows; nothing was written")
