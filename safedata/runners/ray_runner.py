"""The Ray runner: row stages in actor pools on a Ray cluster; reading, global stages, writing on the driver.

Everything but the row stages is the local runner's own code (`run_local` with another `rows` function), so a
Ray build decides dedup and mix with the same functions over the same narrow views, and writes the same
shards: its output equals a local build's at any block size.

- Consecutive row stages are fused into one chain, as the local runner fuses them: a block goes to an actor
  once and comes back through every stage of the chain (split only where the stages' pool settings differ).
  Each chain gets a pool of actors; each actor loads the recipe itself and calls its stages' `open` once
  (engines, detectors, eval sets). The driver deals blocks out round-robin, keeps at most two blocks per actor
  in flight, and yields results in block order, merging each block's partial report as it arrives.
- Teachers and judges live inside those actors, so an API teacher is `generate.actors` async clients, each
  keeping its own `concurrency` requests in flight. Request and token rate limits stay global: each
  endpoint's (engine, model, base_url) tightest limit is split evenly over every engine that sends to it in
  every actor of every chain (generation in one chain and repair or a judge on the same endpoint in another
  share one limit, not one each).
- All actors on a host share the build's request cache (one sqlite file in WAL mode, which several processes
  may write), and each engine looks a request up there before sending it. A killed actor is restarted and
  its block retried: only the requests that actor had in flight are sent again. A killed driver is run again
  with the same command: every paid reply is a cache hit.
- Secrets never travel whole through Ray: actors get the recipe as written (`${VAR}` unresolved), and the
  value of each variable it names in two halves, a random pad through the actor's runtime environment (which
  Ray logs on every node) and the value XOR pad as an argument (secret_shares.py).
"""

from __future__ import annotations

import os
import re
import time
from collections import Counter, deque
from collections.abc import Iterable, Iterator
from dataclasses import fields
from typing import Any

import yaml

from safedata.errors import SafedataError, first_line
from safedata.pipeline import BLOCK_PARTS, BuildContext, Stage
from safedata.runners.contract import RowStage
from safedata.runners.local import chain_key, cut, map_chain
from safedata.runners.rate_shares import RateShares
from safedata.runners.secret_shares import restore, split
from safedata.schemas.record import Record
from safedata.schemas.runner import Runner

_ENV_NAME = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
IN_FLIGHT_PER_ACTOR = 2  # one block running, one queued: no actor waits on the driver between blocks
_RAY_ENV = {"RAY_USAGE_STATS_ENABLED": "0"}


def require_ray() -> Any:
    try:
        import ray
    except ImportError:
        raise SafedataError("`runner: ray` needs Ray: pip install 'safedata[ray]'") from None
    return ray


class ChainWorker:
    """One actor of a chain's pool: the recipe loaded here, the chain's row stages opened once, and each block
    taken through all of them (recut between stages as the local runner does) before it goes back."""

    def __init__(
        self,
        recipe_yaml: str,
        recipe_path: str | None,
        out_dir: str,
        use_cache: bool,
        indices: list[int],
        block_rows: int,
        masked: dict[str, str],
    ):
        from pathlib import Path

        from safedata.progress import Progress
        from safedata.schemas.loader import parse_recipe
        from safedata.stages import assemble, count_saved_requests

        restore(masked)  # the recipe's ${VAR}s, joined from their two halves
        loaded = parse_recipe(recipe_yaml, Path(recipe_path) if recipe_path else None, out_dir)
        self.ctx = BuildContext(
            loaded=loaded, out_dir=Path(out_dir), progress=Progress(False), use_cache=use_cache
        )
        count_saved_requests(self.ctx)  # decontamination's drops count the teacher requests they saved
        every = assemble(loaded.recipe)
        self.stages: list[RowStage] = [every[i] for i in indices]  # type: ignore[misc]
        self.block_rows = block_rows
        for stage in self.stages:
            stage.open(self.ctx)

    def map(self, block: list[Record]) -> tuple[list[Record], dict[str, Any], dict[str, list[Any]], Counters]:
        """The block through every stage of the chain: its rows, one partial report for all stages, and this
        actor's engine counters so far (for the driver's progress view)."""
        part = self.ctx.for_block()
        rows, parts = map_chain(self.stages, block, self.ctx, self.block_rows)
        for bctx in parts:
            part.merge_block(bctx)
        return rows, part.stats, {k: getattr(part, k) for k in BLOCK_PARTS}, self.engine_stats()

    def engine_stats(self) -> Counters:
        """This actor's engine counters (requests sent, cached, failed, tokens) by (engine, model), for the
        driver to add up (by name: an actor's spec differs from the driver's in its share of rate limits)."""
        return {
            (book.engine, book.model): _counters(book)
            for engine in self.ctx.engines.values()
            if (book := _book(engine)) is not None
        }

    def pid(self) -> int:
        return os.getpid()

    def close(self) -> None:
        try:
            for stage in self.stages:
                stage.close()
        finally:
            self.ctx.engines.close()  # this actor's engines and request cache connection


Counters = dict[tuple[str, str], dict[str, int]]  # an actor's engine counters by (engine, model)


def _book(engine: Any) -> Any:
    return getattr(engine, "book", None)


def _counters(book: Any) -> dict[str, int]:
    stats = book.stats
    return {f.name: getattr(stats, f.name) for f in fields(stats) if isinstance(getattr(stats, f.name), int)}


def engines_line(per_actor: Iterable[Counters], started: float) -> str:
    """The progress bar's engine line (as a local build shows it), over every actor's engines together."""
    from safedata.engines.book import EngineStats

    total: Counter[str] = Counter()
    for engines in per_actor:
        for values in engines.values():
            total.update(values)
    return EngineStats(**total, started=started).line() if total else ""


# A stage's pool settings: (actors, GPUs per actor); None takes whatever the stages it is fused with ask for.
Pool = tuple[int | None, float | None]


class Chain(Iterator[list[Record]]):
    """Consecutive row stages fused into one actor call per block, built lazily: `run_local` hands the runner
    one row stage at a time over the previous one's output, and until that output is read, a next stage with
    compatible pool settings joins the chain instead of starting a pool of its own (so a block crosses the
    object store twice per chain, not twice per row stage)."""

    def __init__(self, rows: RayRows, stages: list[RowStage], blocks: Iterable[list[Record]]) -> None:
        self.rows, self.stages, self.blocks = rows, stages, blocks
        self._out: Iterator[list[Record]] | None = None

    def joined(self, stage: RowStage) -> Chain | None:
        """This chain with `stage` added, or None once it runs or when their pool settings differ."""
        if self._out is not None or merge_pools(self.rows.pool_of(s) for s in [*self.stages, stage]) is None:
            return None
        return Chain(self.rows, [*self.stages, stage], self.blocks)

    def __next__(self) -> list[Record]:
        if self._out is None:
            self._out = self.rows.run_chain(self.stages, self.blocks)
        return next(self._out)


def merge_pools(pools: Iterable[Pool]) -> Pool | None:
    """The settings of stages run together, or None when two of them ask for different ones."""
    actors: int | None = None
    gpus: float | None = None
    for a, g in pools:
        if (a is not None and actors is not None and a != actors) or (
            g is not None and gpus is not None and g != gpus
        ):
            return None
        actors = actors if a is None else a
        gpus = gpus if g is None else g
    return actors, gpus


class RayRows:
    """The `rows` function `run_local` calls for each row stage: consecutive row stages fused into chains,
    each chain's blocks through one actor pool."""

    def __init__(self, ray: Any, spec: Runner, ctx: BuildContext, stages: list[Stage]) -> None:
        self.ray, self.spec, self.ctx, self.stages = ray, spec, ctx, stages
        names = set(_ENV_NAME.findall(yaml.safe_dump(ctx.loaded.raw)))
        pads, self.masked = split({n: os.environ[n] for n in names if n in os.environ})
        self.env = {**_RAY_ENV, **pads}
        self.cpus = max(1, int(ray.cluster_resources().get("CPU", 1)))
        self.block_rows = spec.block_rows
        self.pools: list[list[Any]] = []
        # Every chain of the build, as fused (`__call__` builds them all before the first one runs): the rate
        # limits are split over all of their actors at once.
        self.chains: list[Chain] = []
        self._limits: RateShares | None = None

    def pool_of(self, stage: RowStage) -> Pool:
        """What a stage asks of its pool. Generation owns the GPUs; filters go with it by default (repair
        regenerates with the same teacher engine); the CPU stages hold no GPU."""
        if stage.name == "generate":
            return self.spec.generate.actors, self.spec.generate.num_gpus
        if stage.name == "filters":
            return self.spec.judges.actors, None
        return self.spec.rows.actors, 0.0

    def __call__(
        self, stage: RowStage, blocks: Iterable[list[Record]], ctx: BuildContext, block_rows: int
    ) -> Iterator[list[Record]]:
        self.block_rows = block_rows
        if isinstance(blocks, Chain) and blocks.rows is self and (chain := blocks.joined(stage)) is not None:
            self.chains[self.chains.index(blocks)] = chain
            return chain
        self.chains.append(Chain(self, [stage], blocks))
        return self.chains[-1]

    def size(self, stages: list[RowStage]) -> int:
        """How many actors a chain of `stages` gets."""
        actors, _ = merge_pools(self.pool_of(s) for s in stages) or (None, None)
        return actors or min(self.cpus, 8)

    def start(self, stages: list[RowStage]) -> list[Any]:
        _, gpus = merge_pools(self.pool_of(s) for s in stages) or (None, None)
        n = self.size(stages)
        recipe = self.ctx.loaded
        loaded_yaml = yaml.safe_dump(self._raw_for_actors(), sort_keys=False, allow_unicode=True)
        actor = self.ray.remote(ChainWorker).options(
            # Restarted when killed, and its block retried: the request cache keeps every paid reply.
            max_restarts=3,
            max_task_retries=3,
            # Scheduling, not a cap: I/O-bound teacher actors and CPU stages share the cluster's cores.
            num_cpus=0,
            num_gpus=gpus or 0,
            runtime_env={"env_vars": self.env},
        )
        indices = [next(i for i, s in enumerate(self.stages) if s is stage) for stage in stages]
        path = str(recipe.path) if recipe.path else None
        args = (
            loaded_yaml,
            path,
            str(self.ctx.out_dir),
            self.ctx.use_cache,
            indices,
            self.block_rows,
            self.masked,
        )
        pool = [actor.remote(*args) for _ in range(n)]
        self.pools.append(pool)
        return pool

    def _raw_for_actors(self) -> dict[str, Any]:
        """The recipe as written, with every engine's rate limits at one engine's share and any per-actor
        concurrency from `runner.generate`."""
        if self._limits is None:  # at the first chain's start, once every chain is known
            chains = [([s.name for s in c.stages], self.size(c.stages)) for c in self.chains]
            self._limits = RateShares(self.ctx.loaded.raw, chains)
        raw = self._limits.shared(self.ctx.loaded.raw)
        teacher = raw.get("teacher")
        if isinstance(teacher, dict) and self.spec.generate.concurrency is not None:
            teacher["max_concurrency"] = self.spec.generate.concurrency
        return raw

    def run_chain(self, stages: list[RowStage], blocks: Iterable[list[Record]]) -> Iterator[list[Record]]:
        """The chain's blocks through its pool, in order, at most two blocks in flight per actor; each block's
        partial report (every stage of the chain) merged as it comes back."""
        ctx = self.ctx
        pool = self.start(stages)
        tasks = [ctx.progress.add(s.name) for s in stages]
        pending: deque[tuple[int, Any]] = deque()
        engines: dict[int, Counters] = {}  # each actor's latest engine counters
        started = time.perf_counter()

        def take() -> list[Record]:
            actor, ref = pending.popleft()
            out, stats, collected, engines[actor] = self.ray.get(ref)
            part = ctx.for_block()
            part.stats = stats
            for k, rows in collected.items():
                setattr(part, k, rows)
            ctx.merge_block(part)
            for stage, task in zip(stages, tasks, strict=True):
                ctx.progress.advance(task, stats[stage.name].rows_out)
            ctx.progress.update(tasks[0], info=engines_line(engines.values(), started))
            return out

        for i, block in enumerate(cut(blocks, self.block_rows, chain_key(stages))):
            pending.append((i % len(pool), pool[i % len(pool)].map.remote(block)))
            while len(pending) >= IN_FLIGHT_PER_ACTOR * len(pool):
                yield take()
        while pending:
            yield take()
        self._finish(stages, pool)
        for task in tasks:
            ctx.progress.finish(task)

    def _finish(self, stages: list[RowStage], pool: list[Any]) -> None:
        """Each stage's `finish` on the driver, over the merged partials, with the actors' engine counters
        added into the driver's engines (so "this run" figures count every actor's requests)."""
        ctx = self.ctx
        counters = self.ray.get([a.engine_stats.remote() for a in pool])
        self.ray.get([a.close.remote() for a in pool])
        for a in pool:
            self.ray.kill(a)
        self.pools.remove(pool)
        opened: list[RowStage] = []
        try:
            for (
                stage
            ) in stages:  # finish may read what open loads (pool sizes, the engine its counters live in)
                stage.open(ctx)
                opened.append(stage)
            books = {(b.engine, b.model): b for e in ctx.engines.values() if (b := _book(e)) is not None}
            for per_actor in counters:
                for key, values in per_actor.items():
                    book = books.get(key)
                    if book is None:
                        continue
                    for name, value in values.items():
                        setattr(book.stats, name, getattr(book.stats, name) + value)
            for stage in stages:
                stage.finish(ctx)
        finally:
            for stage in opened:
                stage.close()

    def shutdown(self) -> None:
        for pool in self.pools:
            for a in pool:
                self.ray.kill(a)
        self.pools.clear()


def connect(ray: Any, address: str) -> bool:
    """Join `address`, or start a private cluster for `local`; True when this call started Ray."""
    if ray.is_initialized():
        return False
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    kwargs: dict[str, Any] = {"include_dashboard": False, "log_to_driver": False, "configure_logging": False}
    if address == "local":
        # `address="local"` always starts a new cluster: never the stale one a killed run leaves behind.
        ray.init(address="local", **kwargs)
    else:
        try:
            ray.init(address=address, **kwargs)
        except (ConnectionError, RuntimeError) as e:
            raise SafedataError(f"could not join the Ray cluster at {address}: {first_line(e)}") from None
    return True


def run_ray(stages: list[Stage], ctx: BuildContext, block_rows: int, work: Any, spec: Runner) -> Any:
    """`run_local` with the row stages on Ray; returns the final rows' spill, like `run_local`."""
    from safedata.runners.local import run_local

    ray = require_ray()
    started = connect(ray, spec.address)
    rows = RayRows(ray, spec, ctx, stages)
    from safedata.dedup.shuffle import ray_buckets  # dedup's hook: its buckets as hash shuffles here

    ctx.buckets = ray_buckets(ray, spec.dedup_shuffle, spec.dedup_shuffle_rows)
    try:
        return run_local(stages, ctx, block_rows, work, rows=rows)
    finally:
        rows.shutdown()
        if started:
            ray.shutdown()
