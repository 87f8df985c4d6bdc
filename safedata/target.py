"""`target:` — build until N rows per kind (or per category, or per variant) pass the filters.

The stages before generate (sources, augment, prompt-level dedup, decontamination) run once and give the
pool of prompts, shuffled with the recipe seed. Then, round by round, the driver draws the next prompts of
the groups still short (as many as the acceptance rate so far says they need, times `first_draw`) and runs
generate and every later stage on all the prompts drawn so far, in source order. Earlier rounds' requests
are answered by the request cache, so a round pays only for its new prompts, dedup still sees every row,
and a killed build resumes where it was: the same seeded draws, the cached replies, nothing sent twice.

It stops when every group has its rows (rows beyond N are dropped, the first ones in order kept), when the
pool runs dry, before a draw would pass `max_requests`, or after the round that reached `max_cost`; short
of the target it keeps what passed and says so (stderr, the report's `target` notes, the card).
"""

from __future__ import annotations

import logging
import math
import random
from collections import Counter
from collections.abc import Callable
from typing import Any

from safedata.builders.stage import NAME as GENERATE
from safedata.builders.stage import teacher_requests, variants_for
from safedata.pipeline import BuildContext, Stage
from safedata.runners.local import collect
from safedata.schemas.record import Record
from safedata.schemas.target import Target

NAME = "target"
MIN_RATE = 0.05  # accepted rows per drawn prompt assumed at worst, so one bad round cannot ask for the pool
log = logging.getLogger("safedata")

Group = tuple[str, ...]
Run = Callable[[list[Stage], BuildContext], list[Record]]  # stages (the first reads) -> their rows


def row_group(rec: Record, per: str) -> Group:
    if per == "category":
        return (rec.kind, rec.category or "none")
    if per == "variant":
        return (rec.kind, rec.variant or "none")
    return (rec.kind,)


def prompt_groups(rec: Record, per: str, ctx: BuildContext) -> list[Group]:
    """The groups the rows of a prompt can count towards."""
    if per != "variant":
        return [row_group(rec, per)]
    names = ["imported"] if rec.has_trace else [v.name for v in variants_for(rec, ctx)]
    return [(rec.kind, n) for n in names]


class Driver:
    def __init__(self, stages: list[Stage], ctx: BuildContext, run: Run = collect) -> None:
        self.ctx, self.run_stages = ctx, run
        self.spec: Target = ctx.recipe.target  # type: ignore[assignment]
        at = next(i for i, s in enumerate(stages) if s.name == GENERATE)
        self.before, self.after = stages[:at], stages[at:]
        self.rounds: list[dict[str, Any]] = []
        self.why_no_draw = ""  # set when a ceiling, not the pool, stopped the draws
        self.this_run: Counter[str] = Counter()

    def run(self) -> list[Record]:
        ctx, spec = self.ctx, self.spec
        pool = self.run_stages(self.before, ctx)
        kept_stats, kept_quarantine = dict(ctx.stats), list(ctx.quarantined)
        order = list(range(len(pool)))
        random.Random(ctx.recipe.seed).shuffle(order)
        groups = [prompt_groups(r, spec.per, ctx) for r in pool]
        wanted = {g: spec.rows[g[0]] for gs in groups for g in gs if g[0] in spec.rows}  # type: ignore[index]
        drawn: list[int] = []
        out: list[Record] = []
        stopped = "pool exhausted"
        for _ in range(spec.max_rounds):
            accepted = Counter(row_group(r, spec.per) for r in out)
            short = {g: n - accepted[g] for g, n in wanted.items() if accepted[g] < n}
            if not short:
                stopped = "target met"
                break
            new = self.draw(pool, order, groups, set(drawn), short, accepted, drawn)
            if not new:
                stopped = self.why_no_draw or "pool exhausted"
                break
            drawn = sorted(drawn + new)  # source order, so dedup's `first` means what it means in a build
            ctx.stats, ctx.quarantined = dict(kept_stats), list(kept_quarantine)
            out = self.run_stages([_Given([pool[i].model_copy(deep=True) for i in drawn]), *self.after], ctx)
            del ctx.stats[_Given.name]
            self.add_this_run()
            cost = self.cost()
            self.rounds.append({"drawn": len(new), "rows": len(out), **({"cost_usd": cost} if cost else {})})
            if spec.max_cost is not None and cost >= spec.max_cost:
                stopped = f"max_cost ${spec.max_cost} reached"
                break
        else:
            stopped = f"max_rounds {spec.max_rounds} reached"
        return self.finish(out, wanted, drawn, len(pool), stopped)

    def draw(
        self,
        pool: list[Record],
        order: list[int],
        groups: list[list[Group]],
        taken: set[int],
        short: dict[Group, int],
        accepted: Counter[Group],
        drawn: list[int],
    ) -> list[int]:
        """The next prompts, in seeded order, for the groups still short of rows."""
        spec, ctx = self.spec, self.ctx
        drawn_kind = Counter(pool[i].kind for i in drawn)
        accepted_kind = Counter({k: sum(n for g, n in accepted.items() if g[0] == k) for k in drawn_kind})
        quota: dict[Group, int] = {}
        for g, missing in short.items():
            kind = g[0]
            if drawn_kind[kind] and accepted_kind[kind]:
                rate = accepted_kind[kind] / drawn_kind[kind]  # accepted rows per prompt drawn
            else:  # nothing seen yet (or nothing passed): one row per prompt
                rate = 1.0 if not drawn_kind[kind] else MIN_RATE
            quota[g] = math.ceil(missing / max(rate, MIN_RATE) * spec.first_draw)
        new: list[int] = []
        for i in order:
            if i in taken:
                continue
            hit = [g for g in groups[i] if quota.get(g, 0) > 0]
            if not hit:
                continue
            for g in hit:
                quota[g] -= 1
            new.append(i)
        if spec.max_requests is not None:
            used = sum(teacher_requests(pool[i], ctx) for i in drawn)
            fits = []
            for i in new:
                cost = teacher_requests(pool[i], ctx)
                if used + cost > spec.max_requests:
                    self.why_no_draw = f"max_requests {spec.max_requests} reached"
                    break
                used += cost
                fits.append(i)
            new = fits
        return new

    def add_this_run(self) -> None:
        """The build's engine (one per spec, `ctx.engines`) counts every round so far, so its counters
        (`this_run`) are already the sum over the rounds, except `cached`, which must count replies from
        earlier *runs*: a round re-asks every prompt drawn so far, so its cache hits less what earlier rounds
        sent are those."""
        teacher = self.ctx.stats[GENERATE].notes.get("teacher") if GENERATE in self.ctx.stats else None
        if not teacher or "this_run" not in teacher:
            return
        now = teacher["this_run"]
        before, self.this_run = self.this_run, Counter(now)
        cached = now["cached"] - before["cached"] - before["sent"]
        teacher["this_run"] = {**now, "cached": max(0, cached)}

    def cost(self) -> float:
        """What the teacher cost so far, every stage together (0 without a price)."""
        from safedata.publish.report import teacher_usage

        usage = teacher_usage([s.to_dict() for s in self.ctx.stats.values()], {}) or {"by_variant": {}}
        return round(sum(v.get("cost_usd", 0.0) for v in usage["by_variant"].values()), 4)

    def finish(
        self, out: list[Record], wanted: dict[Group, int], drawn: list[int], pool: int, stopped: str
    ) -> list[Record]:
        ctx, spec = self.ctx, self.spec
        stats = ctx.stage_stats(NAME)
        seen: Counter[Group] = Counter()
        final = []
        for rec in out:
            stats.rows_in += 1
            g = row_group(rec, spec.per)
            if g not in wanted:
                ctx.drop(NAME, rec, f"{'/'.join(g)}: not in the target")
                continue
            seen[g] += 1
            if seen[g] > wanted[g]:
                ctx.drop(NAME, rec, "beyond the target")
                continue
            final.append(rec)
        stats.rows_out = len(final)
        short = {"/".join(g): f"{min(seen[g], n)} of {n}" for g, n in wanted.items() if seen[g] < n}
        stats.notes.update(
            {
                "wanted": {"/".join(g): n for g, n in wanted.items()},
                "accepted": {"/".join(g): min(seen[g], n) for g, n in wanted.items()},
                "prompts_drawn": len(drawn),
                "prompts_in_pool": pool,
                "rounds": self.rounds,
                "stopped": stopped,
                "met": not short,
            }
        )
        if short:
            message = f"target not met ({stopped}): " + ", ".join(f"{g} {v}" for g, v in short.items())
            stats.notes["warnings"] = [message]
            log.warning(message)
            ctx.progress.log(message)
        return final


class _Given:
    """Feeds a round's drawn prompts to the stages after the pool, as their source (runners read a first
    stage with `run(iter(()), ctx)`); its counters are removed after. The rows keep the order keys the pool
    gave them, so the round's blocks and `keep: first` follow source order."""

    name = "target: drawn prompts"

    def __init__(self, rows: list[Record]) -> None:
        self.rows = rows

    def plan(self, ctx: BuildContext) -> str:
        return ""

    def run(self, records: Any, ctx: BuildContext) -> Any:
        return iter(self.rows)


def run_to_target(stages: list[Stage], ctx: BuildContext, run: Run = collect) -> list[Record]:
    """`run` runs a list of stages: in memory by default; a build passes its runner (local blocks or Ray)."""
    return Driver(stages, ctx, run).run()


def plan_line(spec: Target) -> str:
    rows = ", ".join(f"{k} {n}" for k, n in spec.rows.items())
    per = "" if spec.per == "kind" else f" per {spec.per}"
    caps = [f"max_requests {spec.max_requests}"] if spec.max_requests else []
    caps += [f"max_cost ${spec.max_cost}"] if spec.max_cost else []
    tail = f"; stops at {', '.join(caps)}" if caps else ""
    return f"draw prompts in seeded order until accepted rows reach {rows}{per}{tail}"
