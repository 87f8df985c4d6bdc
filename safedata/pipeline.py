"""The context stages share and the partial report (`StageStats`) each block of a stage adds to.

How stages are driven (row stages over blocks, global stages deciding on a narrow view) is in
`safedata.runners`; every number in the report is counted by the runner or a stage, never re-derived.
"""

from __future__ import annotations

import dataclasses
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from safedata.engines.pool import EnginePool
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

    def merge(self, other: StageStats) -> None:
        """Add a block's partial report to this one (blocks merged in order)."""
        self.rows_in += other.rows_in
        self.rows_out += other.rows_out
        for axis, counts in other.out_by.items():
            self.out_by[axis].update(counts)
        self.dropped.update(other.dropped)
        self.notes = merge_notes(self.notes, other.notes)

    def count_out(self, records: list[Record]) -> None:
        self.rows_out += len(records)
        for r in records:
            self.out_by["kind"][r.kind] += 1
            self.out_by["category"][r.category or "none"] += 1
            self.out_by["variant"][r.variant or "none"] += 1
            if r.attack is not None:
                self.out_by["tactic"][r.attack.tactic] += 1

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "rows_in": self.rows_in,
            "rows_out": self.rows_out,
            "dropped": dict(self.dropped),
            "out_by": {k: dict(sorted(v.items())) for k, v in self.out_by.items()},
            **({"notes": self.notes} if self.notes else {}),
        }


def merge_notes(a: Any, b: Any) -> Any:
    """Partial notes of two blocks as one: numbers add, dicts merge by key, lists concatenate, else equal."""
    if isinstance(a, dict) and isinstance(b, dict):
        out = dict(a)
        for k, v in b.items():
            out[k] = merge_notes(a[k], v) if k in a else v
        return out
    if isinstance(a, list) and isinstance(b, list):
        return a + b
    if isinstance(a, int | float) and isinstance(b, int | float) and not isinstance(a, bool):
        return a + b
    return a if b is None else b


# What a stage collects per block besides its stats (quarantined rows, requests that failed for good,
# preference pairs): lists merged in block order, so a build in blocks or in actors collects the same.
BLOCK_PARTS = ("quarantined", "failed", "preference_pairs")


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
    # One engine per distinct teacher spec for the whole build (generate, repair and judges share them);
    # whoever makes the context closes it (`api.build`, `api.plan`, a Ray actor).
    engines: EnginePool = field(default_factory=EnginePool)
    # `preference:` pairs the filters stage built (preference/pairs.py); publish writes them as a config.
    preference_pairs: list[Any] = field(default_factory=list)
    # Stage name -> what a row it drops would have cost later (teacher requests), summed into its notes as
    # `teacher_requests_saved` (stages.count_saved_requests sets it for the prompt-level stages).
    drop_costs: dict[str, Callable[[Record], int]] = field(default_factory=dict)
    # Sentence embeddings by (model, hash of the text), for the whole build: dedup/embed.py `cached_embed`.
    embeddings: dict[tuple[str, int], Any] = field(default_factory=dict)
    # How dedup finds rows with equal keys: None on the driver; the Ray runner may set a cluster hash shuffle
    # (dedup/shuffle.py `RayBuckets`: a key column in, (later, first) row pairs out).
    buckets: Callable[[Any], Any] | None = None

    @property
    def work_dir(self) -> Path:
        """The build's scratch folder under the output (spilled blocks), removed when the build ends."""
        from safedata.publish.outdir import WORK

        return self.out_dir / WORK

    def for_block(self) -> BuildContext:
        """This context with an empty partial report: what a stage counts for one block lands there."""
        return dataclasses.replace(self, stats={}, **{k: [] for k in BLOCK_PARTS})

    def merge_block(self, block_ctx: BuildContext) -> None:
        """Add one block's partial report and the rows it collected (`BLOCK_PARTS`) to this context."""
        for name, partial in block_ctx.stats.items():
            self.stage_stats(name).merge(partial)
        for k in BLOCK_PARTS:
            getattr(self, k).extend(getattr(block_ctx, k))

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


@dataclass
class Upstream:
    """What the stages before one produce in a dry run, for its plan: their rows and their notes. A stage
    whose plan needs them sets `plan_reads_rows`; the planner (`safedata.plan`) runs the stages before it."""

    rows: list[Record]
    notes: dict[str, dict[str, Any]]  # stage name -> its notes (e.g. `teacher_requests_saved`)


class Stage(Protocol):
    """A source (`run` reads), a row stage or a global stage: see `safedata.runners.contract`."""

    name: str

    def run(self, records: Iterator[Record], ctx: BuildContext) -> Iterator[Record]: ...

    def plan(self, ctx: BuildContext) -> str:
        """One line for `--dry-run`: what this stage would do."""
        ...


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
