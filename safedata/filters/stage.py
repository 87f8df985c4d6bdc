"""The filters stage: judge every sample, score Safe@K, repair flagged samples round by round, then select.

Counts per pattern per round (detected, repaired, dropped) go to the stage notes, hence build_report.json and
the card; every label, repair and drop is also in the row's provenance.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from typing import Any

from safedata.builders.moderation import watched_teacher
from safedata.engines import Teacher
from safedata.filters import calibration
from safedata.filters.base import Detector, Sample
from safedata.filters.judging import run_detectors
from safedata.filters.registry import JudgeConfig, make_detector
from safedata.filters.repair import RepairRound, template_row
from safedata.filters.safe_at_k import group_key, safe_at_k_counts, safe_at_k_scores
from safedata.pipeline import BuildContext
from safedata.preference.pairs import PairCollector, pair_counts
from safedata.registry import REPAIR_ACTIONS
from safedata.runners.contract import RowStage
from safedata.schemas.filter import FilterBase, RepairBase
from safedata.schemas.record import Record
from safedata.schemas.teacher import TeacherBase

NAME = "filters"


def close_detectors(detectors: list[Detector]) -> None:
    """Close the judges that hold their own client (openai_moderation); judges asking a build engine leave it
    to the build, which closes its engines once at the end."""
    for detector in detectors:
        close = getattr(detector, "close", None)
        if close is not None:
            close()


def flagged(record: Record, counted: list[str]) -> list[str]:
    """Counted patterns that fired, plus `judge_failed` when a judge gave no usable verdict."""
    fired = [p for p in counted if record.labels.get(p)]
    return fired + (["judge_failed"] if record.judgements.get("failed") else [])


class FiltersStage(RowStage):
    name = NAME

    @staticmethod
    def block_key(order: tuple[int, ...]) -> tuple[int, ...]:
        return order[:4]  # a prompt variant's K samples are judged, scored and selected together

    def __init__(self, spec: FilterBase, repair: RepairBase | None) -> None:
        self.spec, self.repair = spec, repair
        self._tasks: dict[int, Any] = {}  # judging round -> progress bar

    def engine(self, spec: TeacherBase, ctx: BuildContext) -> Teacher:
        return watched_teacher(spec, ctx)  # the build's engine for that spec: judges and regeneration share

    @property
    def backend(self) -> str:
        return self.spec.backend

    def plan(self, ctx: BuildContext) -> str:
        judges = "".join(f" + {j.name}" for j in self.spec.judges)
        fix = f"; repair up to {self.repair.rounds} rounds" if self.repair else ""
        return f"judge thought and answer ({self.backend}{judges}){fix}; select {self.spec.selection}"

    def detectors(self, ctx: BuildContext) -> list[Detector]:
        def engine(spec: TeacherBase | None) -> Teacher | None:
            return None if spec is None else self.engine(spec, ctx)

        backend = JudgeConfig(teacher=engine(self.spec.teacher), options=self.spec.backend_options())
        out = [make_detector(self.backend, backend)]
        for j in self.spec.judges:
            judge = JudgeConfig(
                engine(getattr(j, "teacher", None) or self.spec.teacher), tuple(j.parts), j.options()
            )
            out.append(make_detector(j.name, judge))
        return out

    def judge(self, records: list[Record], detectors: list[Detector], ctx: BuildContext, round_: int) -> None:
        if not records:
            return
        if round_ not in self._tasks:
            self._tasks[round_] = ctx.progress.add(f"judge r{round_}")
        task = self._tasks[round_]
        for start in range(0, len(records), 256):
            batch = records[start : start + 256]
            for rec, judged in zip(
                batch, run_detectors([Sample.of(r) for r in batch], detectors), strict=True
            ):
                rec.labels = judged.labels
                rec.judgements = {**judged.judgements, "failed": judged.failed}
                for judge in judged.failed:  # listed in failed.jsonl beside the generation failures
                    ctx.failed.append(
                        {"stage": NAME, "id": rec.id, "judge": judge, "round": round_,
                         "error": _error_of(judged.judgements[judge]), "prompt": rec.prompt[:200]}
                    )  # fmt: skip
                fired = ", ".join(p for p, v in judged.labels.items() if v) or "none"
                rec.touched(NAME, "judged", f"round {round_}: {fired}")
            ctx.progress.advance(task, len(batch))

    def open(self, ctx: BuildContext) -> None:
        self._detectors = self.detectors(ctx)

    def close(self) -> None:
        close_detectors(getattr(self, "_detectors", []))

    def map_block(self, block: list[Record], ctx: BuildContext) -> list[Record]:
        judged = [r for r in block if r.has_trace]
        detectors = self._detectors
        self.judge(judged, detectors, ctx, 0)
        notes = ctx.stage_stats(NAME).notes
        notes["safe_at_k"] = safe_at_k_counts(judged)
        counted = list(self.spec.patterns)
        rounds: list[dict[str, Any]] = [{"round": 0, "detected": _count(judged, counted)}]
        initially = {id(r): set(flagged(r, counted)) for r in judged}
        kept = {id(r) for r in block}
        # A block holds every sample of a prompt variant (block_key), so its pairs are complete.
        pairs = PairCollector(ctx.recipe.preference, ctx.recipe.seed) if ctx.recipe.preference else None
        if pairs is not None:
            pairs.before_repair(judged, lambda r: flagged(r, counted))
        if self.repair is not None:
            self.repair_rounds(judged, detectors, counted, kept, rounds, ctx)
        if pairs is not None:
            ctx.preference_pairs.extend(pairs.pairs(judged, kept, lambda r: flagged(r, counted)))
        # Keyed by round number, not a list, so that blocks' partial counts add up round by round.
        notes["rounds"] = {str(r["round"]): {k: v for k, v in r.items() if k != "round"} for r in rounds}
        notes["patterns"] = _pattern_totals(judged, initially, kept, counted, rounds)
        survivors = [r for r in block if id(r) in kept]
        return list(self.select(survivors, counted, ctx))

    def finish(self, ctx: BuildContext) -> None:
        notes = ctx.stage_stats(NAME).notes
        # How far to trust these labels: each detector's measured agreement with human labels (set once:
        # the blocks' figures would add up).
        notes["calibration"] = calibration.for_detectors(self._detectors)
        notes["calibration_dev_f1"] = calibration.per_pattern_f1(self._detectors)
        notes["safe_at_k"] = safe_at_k_scores(notes.get("safe_at_k", {}))
        if ctx.recipe.preference:
            notes["preference"] = {"pairs": pair_counts(ctx.preference_pairs)}
        rounds = notes.get("rounds", {"0": {"detected": {}}})
        notes["rounds"] = [{"round": int(n), **rounds[n]} for n in sorted(rounds, key=int)]
        notes.setdefault("patterns", {})
        self.finish_progress(ctx)

    def finish_progress(self, ctx: BuildContext) -> None:
        """End the judging rounds' progress bars (the probe judges through this stage too)."""
        for task in self._tasks.values():
            ctx.progress.finish(task)

    def repair_rounds(
        self,
        judged: list[Record],
        detectors: list[Detector],
        counted: list[str],
        kept: set[int],
        rounds: list[dict[str, Any]],
        ctx: BuildContext,
    ) -> None:
        assert self.repair is not None
        for n in range(1, self.repair.rounds + 1):
            todo = [r for r in judged if id(r) in kept and flagged(r, counted)]
            if not todo:
                break
            fired = {id(r): flagged(r, counted) for r in todo}
            round_ = RepairRound(n, ctx, fired, lambda spec: self.engine(spec, ctx), kept)
            # Each action's changed rows by the patterns they fired; any action may drop rows.
            stats = {
                **{e.counted_as: Counter[str]() for e in REPAIR_ACTIONS.entries()},
                "dropped": round_.dropped,
            }
            chosen: dict[str, list[Record]] = defaultdict(list)
            for rec in todo:
                chosen[self.action(fired[id(rec)])].append(rec)
            changed = []
            for entry in REPAIR_ACTIONS.entries():  # strongest first
                for rec in entry.load()(chosen[entry.name], round_) if chosen[entry.name] else ():
                    stats[entry.counted_as].update(fired[id(rec)])
                    changed.append(rec)
            self.judge(changed, detectors, ctx, n)
            rounds.append(
                {"round": n, **{k: dict(v) for k, v in stats.items()}, "detected": _count(changed, counted)}
            )
        templated = [
            rec
            for rec in judged
            if id(rec) in kept and flagged(rec, counted) and self.exhaust(rec, counted, kept, ctx)
        ]
        self.judge(templated, detectors, ctx, self.repair.rounds + 1)

    def action(self, fired: list[str]) -> str:
        """The strongest action asked for any fired pattern (the registry lists them strongest first)."""
        assert self.repair is not None
        actions = {self.repair.actions.get(p, "drop") for p in fired}
        return next((a for a in REPAIR_ACTIONS.names() if a in actions), "drop")

    def exhaust(self, rec: Record, counted: list[str], kept: set[int], ctx: BuildContext) -> bool:
        """Apply `repair.exhausted` to a row still flagged after the last round; True if it was templated."""
        assert self.repair is not None
        fired = flagged(rec, counted)
        if self.repair.exhausted == "keep":
            return False
        if self.repair.exhausted == "to_template" and rec.kind == "harmful":
            template_row(rec, ctx.recipe.seed, f"rounds exhausted: {', '.join(fired)}")
            return True
        kept.discard(id(rec))
        ctx.drop(NAME, rec, f"still flagged after repair: {fired[0]}")
        rec.touched(NAME, "repair:drop", f"rounds exhausted: {', '.join(fired)}")
        return False

    def select(self, rows: list[Record], counted: list[str], ctx: BuildContext) -> Iterable[Record]:
        mode = self.spec.selection
        if mode == "keep_all_with_labels":
            yield from rows
            return
        if mode == "keep_safe":
            for r in rows:
                bad = flagged(r, counted) if r.has_trace else []
                if bad:
                    ctx.drop(NAME, r, f"keep_safe: {bad[0]}")
                    continue
                yield r
            return
        groups: dict[tuple[Any, ...], list[Record]] = defaultdict(list)
        for r in rows:
            groups[group_key(r)].append(r)
        for group in groups.values():
            if any(flagged(r, counted) for r in group):
                for r in group:
                    ctx.drop(NAME, r, "all_safe_then_pick_one: not every sample of the prompt is safe")
                continue
            first, *rest = sorted(group, key=lambda r: r.sample_index)
            for r in rest:
                ctx.drop(NAME, r, "all_safe_then_pick_one: another safe sample of the prompt was kept")
            yield first.touched(NAME, "selected", f"1 of {len(group)} safe samples")


def _count(records: list[Record], counted: list[str]) -> dict[str, int]:
    c: Counter[str] = Counter()
    for r in records:
        c.update(flagged(r, counted))
    return dict(c)


def _pattern_totals(
    judged: list[Record],
    initially: dict[int, set[str]],
    kept: set[int],
    counted: list[str],
    rounds: list[dict[str, Any]],
) -> dict[str, dict[str, int]]:
    """Per pattern: rows it fired on first, rows repaired (kept and clear of it now), rows dropped."""
    out: dict[str, dict[str, int]] = {}
    repaired_any = len(rounds) > 1
    for p in [*counted, "judge_failed"]:
        first = [r for r in judged if p in initially[id(r)]]
        if not first:
            continue
        out[p] = {
            "detected": len(first),
            "repaired": sum(
                1 for r in first if repaired_any and id(r) in kept and p not in flagged(r, counted)
            ),
            "dropped": sum(1 for r in first if id(r) not in kept),
        }
    return out


def _error_of(detail: dict[str, Any]) -> str:
    """The first error a judge's verdict carries (per part or whole)."""
    for value in (detail, *(v for v in detail.values() if isinstance(v, dict))):
        if "error" in value:
            return str(value["error"])[:200]
    return "no usable verdict"
