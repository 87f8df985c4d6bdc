"""`runner: ray` against the local runner, side by side in one run, on a private Ray head started here.

    .venv/bin/python -m bench.ray_runner --rows 10000 --actors 1 2 4 8 --concurrency 16

1. Teacher throughput: the fake OpenAI server (own process, `think` style, fixed latency) answers a
   generation-only build; rows/s over the server's busy span (first request to last reply) against the bound
   (requests in flight / latency), as generation actors go 1 -> 8, and the local runner at the same in-flight;
   with the client CPU per row on each side (Ray: the actors + the driver; local: the build's process; the
   server's own CPU is in neither), which says how many rows/s a node's cores can carry.
2. Fixed start-up cost: the head's start, and a tiny teacher-free build on Ray (connect, one actor pool per
   chain of row stages, shutdown) against the same build local.
3. CPU-seconds per 100k rows per row stage for a teacher-free recipe (file prompts -> augment -> template +
   nocot -> heuristic filter -> exact dedup -> decontaminate): thread CPU inside each stage's blocks, locally
   and inside the Ray actors (the same code, timed the same way), then what Ray adds: each chain's actor
   processes beyond their stages (from /proc, read just before they are killed), the driver beyond the local
   build's non-row work, and the cluster daemons. Run at two sizes; the difference is the per-row (marginal)
   cost.
4. A prediction for an N-node cluster from those figures.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from bench.teacher_throughput import REPO, cpu_s, free_port, server_call
from tests.runners.conftest import RAY_CLI, RAY_ENV, _session_pids, _tree

WORDS = [
    *("river", "lantern", "copper", "meadow", "signal", "harbor", "velvet", "quarry", "ember", "prism"),
    *("falcon", "orchard", "cipher", "glacier", "tundra", "beacon", "saddle", "marble", "thistle", "canyon"),
    *("ledger", "pepper", "violet", "anchor", "summit", "willow", "basalt", "comet", "furnace"),
]


def wait_until(ok: Any, what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError):
            if ok():
                return
        time.sleep(0.1)
    raise RuntimeError(f"{what} did not come up within {timeout:g} s")


@contextlib.contextmanager
def private_head(cpus: int) -> Iterator[tuple[str, Path, float]]:
    """A private Ray head (as the test fixture starts one); its address, temp folder and start-up seconds."""
    port = free_port()
    temp_dir = Path(f"/tmp/sdbench-{os.getpid()}")
    os.environ.update(RAY_ENV)
    cmd = [*RAY_CLI, "start", "--head", "--port", str(port)]
    cmd += [f"--num-cpus={cpus}", "--include-dashboard=false", "--disable-usage-stats", "--block"]
    cmd += ["--temp-dir", str(temp_dir)]
    t0 = time.perf_counter()
    head = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    address = f"127.0.0.1:{port}"
    try:
        import ray

        def joined() -> bool:
            ray.init(address=address, include_dashboard=False, log_to_driver=False, configure_logging=False)
            return True

        wait_until(joined, "the Ray head")
        up = time.perf_counter() - t0
        ray.shutdown()
        yield address, temp_dir, up
    finally:
        for pid in set(_tree(head.pid)) | _session_pids(temp_dir):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        head.wait(timeout=30)
        shutil.rmtree(temp_dir, ignore_errors=True)


def cluster_cpu(temp_dir: Path) -> dict[int, float]:
    out = {}
    for pid in _session_pids(temp_dir):
        with contextlib.suppress(OSError):
            out[pid] = cpu_s(pid)
    return out


def write_prompts(path: Path, n: int, tag: str, seed: int = 0) -> Path:
    rng = random.Random(seed)
    with path.open("w") as f:
        for i in range(n):
            words = " ".join(rng.choice(WORDS) for _ in range(12))
            f.write(json.dumps({"prompt": f"[{tag} {i}] explain how to {words}?"}) + "\n")
    return path


# -- 1. teacher throughput ---------------------------------------------------------------------------------


def start_server(latency_ms: float) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    cmd = [sys.executable, "-m", "tests.fixtures.openai_server", "--port", str(port), "--style", "think"]
    cmd += ["--latency-ms", str(latency_ms)]
    proc = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}/v1"
    wait_until(lambda: urllib.request.urlopen(base.removesuffix("/v1") + "/stats", timeout=1), "the server")
    return proc, base


def teacher_run(
    base: str, work: Path, head: tuple[str, Path], actors: int, conc: int, rounds: int, ray: bool
) -> dict[str, Any]:
    """A generation-only build; its busy-span rate, and the client CPU per row beyond start-up (Ray: the
    actors after they booted + the driver; local: the build's process)."""
    in_flight = actors * conc
    tag = f"{'ray' if ray else 'local'}-{actors}x{conc}"
    src = write_prompts(work / f"{tag}.jsonl", in_flight * rounds, tag)
    recipe: dict[str, Any] = {
        "name": "tp",
        "seed": 0,
        "sources": [{"type": "file", "path": str(src), "kind": "harmful"}],
        "variants": ["long"],
        "teacher": {"engine": "openai", "model": "fake-r1", "base_url": base, "samples": 1},
    }
    if ray:
        recipe["runner"] = {"generate": {"actors": actors, "concurrency": conc}}
    else:
        recipe["teacher"]["max_concurrency"] = in_flight
    server_call(base, "/reset")
    t0 = time.perf_counter()
    if ray:
        m = ray_cpu(recipe, work / tag, *head, block_rows=4 * conc)
        actors_cpu = sum(m["chains"].values()) - sum(m["booted"])
        client = {"actors": actors_cpu, "driver": m["driver"], "boot": sum(m["booted"]) / len(m["booted"])}
    else:
        m = local_cpu(recipe, work / tag, block_rows=4 * in_flight)
        client = {"actors": 0.0, "driver": m["total"], "boot": 0.0}
    wall = time.perf_counter() - t0
    stats = server_call(base, "/stats")
    return {
        "runner": "ray" if ray else "local",
        "actors": actors if ray else 1,
        "in_flight": in_flight,
        "rows": m["rows"],
        "cpu_ms": {k: 1e3 * v / m["rows"] if k != "boot" else v for k, v in client.items()},
        "requests": stats["requests"],
        "busy_rate": stats["requests"] / max(stats["busy_s"], 1e-9),
        "wall": wall,
        "peak": stats["peak_in_flight"],
    }


# -- 3. CPU per stage ---------------------------------------------------------------------------------------


def cpu_recipe(work: Path, n: int) -> dict[str, Any]:
    src = write_prompts(work / f"cpu-{n}.jsonl", n, "cpu", seed=n)
    evals = write_prompts(work / f"eval-{n}.jsonl", 200, "eval", seed=n + 1)
    return {
        "name": "cpu",
        "seed": 0,
        "sources": [{"type": "file", "path": str(src), "kind": "harmful"}],
        "augment": {"tactics": ["roleplay", "fake-system"], "per_seed": 1},
        "variants": ["template", "nocot"],
        "filter": {"backend": "heuristic"},
        "dedup": {"exact": {"fields": ["prompt"]}},
        "decontaminate": {"eval_sets": [{"type": "file", "path": str(evals)}], "minhash_threshold": None},
    }


def timed(map_one: Any, cpu: dict[str, float]) -> Any:
    """`map_one` adding the thread CPU of each call to `cpu[stage name]` (a stage's own work on a block)."""

    def run(stage: Any, block: Any, ctx: Any) -> Any:
        t0 = time.thread_time()
        try:
            return map_one(stage, block, ctx)
        finally:
            cpu[stage.name] += time.thread_time() - t0

    return run


def local_cpu(recipe: dict[str, Any], out: Path, **kw: Any) -> dict[str, Any]:
    """Local build: thread CPU inside each row stage's blocks, and the process's total CPU."""
    from safedata import api
    from safedata.runners import local

    stages: dict[str, float] = defaultdict(float)
    original = local.map_one
    local.map_one = timed(original, stages)
    try:
        cpu0 = time.process_time()
        result = api.build(recipe, out=str(out), **kw)
        total = time.process_time() - cpu0
    finally:
        local.map_one = original
    return {"stages": dict(stages), "total": total, "report": result.report, "rows": result.rows}


def timed_worker() -> Any:
    """The Ray runner's actor, its stages timed as `local_cpu` times them (in the actor's process)."""
    from safedata.runners import ray_runner

    class TimedWorker(ray_runner.ChainWorker):
        def __init__(self, *args: Any) -> None:
            super().__init__(*args)
            self.booted = time.process_time()  # the actor's start-up: imports, recipe, stages opened
            self.cpu: dict[str, float] = defaultdict(float)
            ray_runner.map_one = timed(ray_runner.map_one, self.cpu)

        def stage_cpu(self) -> tuple[dict[str, float], float]:
            return dict(self.cpu), self.booted

    return TimedWorker


def ray_cpu(recipe: dict[str, Any], out: Path, address: str, temp_dir: Path, **kw: Any) -> dict[str, Any]:
    """Ray build: thread CPU inside each row stage's blocks in the actors and their start-up CPU; each
    chain's actor process CPU (read before its actors are killed; key: its stages joined by `+`); the
    driver's CPU; the cluster daemons' CPU (every other process of the cluster: raylet, GCS, idle workers)."""
    import ray

    from safedata import api
    from safedata.runners import ray_runner

    stages: dict[str, float] = defaultdict(float)
    chains: dict[str, float] = defaultdict(float)
    booted: list[float] = []
    actor_pids: set[int] = set()
    before = cluster_cpu(temp_dir)
    original, worker = ray_runner.RayRows._finish, ray_runner.ChainWorker

    def finish(self: Any, chain: list[Any], pool: list[Any]) -> None:
        for per_stage, boot in ray.get([a.stage_cpu.remote() for a in pool]):
            booted.append(boot)
            for name, cpu in per_stage.items():
                stages[name] += cpu
        for pid in ray.get([a.pid.remote() for a in pool]):
            actor_pids.add(pid)
            chains["+".join(s.name for s in chain)] += cpu_s(pid) - before.get(pid, 0.0)
        original(self, chain, pool)

    ray_runner.RayRows._finish = finish  # type: ignore[method-assign]
    ray_runner.ChainWorker = timed_worker()  # type: ignore[misc]
    try:
        cpu0 = time.process_time()
        result = api.build(recipe, out=str(out), runner="ray", ray_address=address, **kw)
        driver = time.process_time() - cpu0
    finally:
        ray_runner.RayRows._finish = original  # type: ignore[method-assign]
        ray_runner.ChainWorker = worker  # type: ignore[misc]
    after = cluster_cpu(temp_dir)
    daemons = sum(c - before.get(p, 0.0) for p, c in after.items() if p not in actor_pids)
    return {
        "stages": dict(stages),
        "chains": dict(chains),
        "booted": booted,
        "driver": driver,
        "daemons": daemons,
        "report": result.report,
        "rows": result.rows,
    }


def rows_in(report: dict[str, Any]) -> dict[str, int]:
    return {s["name"]: s["rows_in"] for s in report["stages"]}


# -- main ---------------------------------------------------------------------------------------------------


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rows", type=int, default=10000, help="input prompts of the CPU recipe (large size)")
    p.add_argument("--small", type=int, default=1000, help="input prompts of the CPU recipe (small size)")
    p.add_argument("--block-rows", type=int, default=4096)
    p.add_argument("--actors", type=int, nargs="*", default=[1, 2, 4, 8], help="none: skip part 1")
    p.add_argument("--concurrency", type=int, default=16)
    p.add_argument("--rounds", type=int, default=16, help="rows per run = actors x concurrency x rounds")
    p.add_argument("--latency-ms", type=float, default=200)
    p.add_argument("--cpus", type=int, default=2)
    args = p.parse_args()
    import ray

    work = Path(tempfile.mkdtemp(prefix="bench-ray-"))
    server, base = start_server(args.latency_ms)
    try:
        with private_head(args.cpus) as (address, temp_dir, head_up):
            # 2. start-up: the build connects and shuts down itself here (no driver connection held).
            tiny = cpu_recipe(work, 20)
            from safedata import api

            startup: dict[str, list[float]] = {"local": [], "ray": []}
            for i in range(3):
                for name, kw in (("local", {}), ("ray", {"runner": "ray", "ray_address": address})):
                    t0 = time.perf_counter()
                    api.build(tiny, out=str(work / f"tiny-{name}-{i}"), **kw)
                    startup[name].append(time.perf_counter() - t0)
            print(f"  start-up done: {startup}", file=sys.stderr, flush=True)

            ray.init(address=address, include_dashboard=False, log_to_driver=False, configure_logging=False)
            # 1. teacher throughput
            teach = []
            for n in args.actors:
                for on_ray in (True, False):
                    r = teacher_run(base, work, (address, temp_dir), n, args.concurrency, args.rounds, on_ray)
                    teach.append(r)
                    print(f"  teacher: {r}", file=sys.stderr, flush=True)
            # 3. CPU per stage, two sizes
            cpu: dict[int, dict[str, Any]] = {}
            for n in (args.small, args.rows):
                recipe = cpu_recipe(work, n)
                on_local = local_cpu(recipe, work / f"cpu-local-{n}", block_rows=args.block_rows)
                on_ray = ray_cpu(recipe, work / f"cpu-ray-{n}", address, temp_dir, block_rows=args.block_rows)
                cpu[n] = {"local": on_local, "ray": on_ray, "rows_in": rows_in(on_local["report"])}
                assert rows_in(on_ray["report"]) == cpu[n]["rows_in"], "ray and local saw different rows"
                print(f"  cpu {n}: done", file=sys.stderr, flush=True)
            ray.shutdown()
    finally:
        server.kill()
        shutil.rmtree(work, ignore_errors=True)
    report(args, head_up, startup, teach, cpu)


def fit(points: list[tuple[float, float]]) -> tuple[float, float]:
    """Least squares y = fixed + per_row x rows over (rows, y): the fixed part and the marginal cost."""
    n = len(points)
    mx, my = sum(x for x, _ in points) / n, sum(y for _, y in points) / n
    var = sum((x - mx) ** 2 for x, _ in points)
    slope = sum((x - mx) * (y - my) for x, y in points) / var if var else my / mx
    return my - slope * mx, slope


def report(args: Any, head_up: float, startup: dict, teach: list[dict], cpu: dict[int, dict]) -> None:
    med = {k: sorted(v)[len(v) // 2] for k, v in startup.items()}
    load = os.getloadavg()[0]
    print(
        f"\nload average {load:.1f} on {os.cpu_count()} cores (shared box); Ray head --num-cpus {args.cpus}"
    )
    print("\n## 1. Teacher throughput (server busy span; bound = in flight / latency)\n")
    print(
        "| runner | gen actors | in flight | rows | rows/s (busy) | bound | % of bound | peak in flight "
        "| client CPU ms/row: actors + driver | actor boot CPU s | wall s |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for r in teach:
        bound = r["in_flight"] / (args.latency_ms / 1000)
        c = r["cpu_ms"]
        print(
            f"| {r['runner']} | {r['actors']} | {r['in_flight']} | {r['rows']} | {r['busy_rate']:.0f} "
            f"| {bound:.0f} | {100 * r['busy_rate'] / bound:.0f} % | {r['peak']} "
            f"| {c['actors'] + c['driver']:.2f} = {c['actors']:.2f} + {c['driver']:.2f} | {c['boot']:.1f} "
            f"| {r['wall']:.1f} |"
        )
    ray_runs = {r["actors"]: r for r in teach if r["runner"] == "ray"}
    local_runs = {r["in_flight"]: r for r in teach if r["runner"] == "local"}
    if ray_runs:
        first, last = min(ray_runs), max(ray_runs)
        growth = ray_runs[last]["busy_rate"] / ray_runs[first]["busy_rate"]
        print(f"\nray busy-span rate {first} -> {last} actors: {growth:.2f}x (in flight x{last // first})")
        print("ray / local at the same in flight:")
        for n, r in ray_runs.items():
            same = local_runs[r["in_flight"]]
            client = (r["cpu_ms"]["actors"] + r["cpu_ms"]["driver"]) / same["cpu_ms"]["driver"]
            print(
                f"  {n} actors: rate {r['busy_rate'] / same['busy_rate']:.2f}x, client CPU/row {client:.2f}x"
            )
        # Marginal client CPU per row: the runs differ in size, so a line through them drops the fixed part.
        per_row = {
            name: fit([(r["rows"], r["cpu_ms"][part] * r["rows"] / 1e3) for r in runs])
            for name, part, runs in (
                ("ray actors", "actors", ray_runs.values()),
                ("ray driver", "driver", ray_runs.values()),
                ("local", "driver", local_runs.values()),
            )
        }
        print(
            "marginal client CPU per row (least squares over the runs): "
            + ", ".join(f"{k} {1e3 * b:.2f} ms (fixed {a:.1f} s)" for k, (a, b) in per_row.items())
        )
    print("\n## 2. Fixed start-up cost (median of 3, tiny teacher-free build)\n")
    print(f"head start (ray start until a driver joins): {head_up:.1f} s")
    print(
        f"build local {med['local']:.2f} s, build on Ray {med['ray']:.2f} s: "
        f"fixed Ray cost {med['ray'] - med['local']:.1f} s"
    )

    small, large = sorted(cpu)
    d = {k: cpu[large]["rows_in"][k] - cpu[small]["rows_in"][k] for k in cpu[large]["rows_in"]}

    def delta(side: str, part: str, name: str | None = None) -> float:
        def get(n: int) -> float:
            v = cpu[n][side][part]
            return float(v.get(name, 0.0) if name is not None else v)

        return get(large) - get(small)

    print(f"\n## 3. CPU-seconds per 100k rows entering each row stage ({large} - {small} prompts)\n")
    print("| row stage | rows in | local CPU s/100k | ray (in actors) CPU s/100k | ray / local |")
    print("|---|---|---|---|---|")
    for name in cpu[large]["local"]["stages"]:
        loc, on_ray = delta("local", "stages", name), delta("ray", "stages", name)
        print(
            f"| {name} | {cpu[large]['rows_in'][name]} | {loc * 1e5 / d[name]:.1f} "
            f"| {on_ray * 1e5 / d[name]:.1f} | {on_ray / loc:.2f} |"
        )
    print(
        "\n| chain (one actor call) | its stages' CPU | actor processes' CPU | Ray's part (s/100k rows in) |"
    )
    print("|---|---|---|---|")
    stages_sum = sum(delta("ray", "stages", n) for n in cpu[large]["ray"]["stages"])
    chains_sum = 0.0
    for chain in cpu[large]["ray"]["chains"]:
        names = chain.split("+")
        own = sum(delta("ray", "stages", n) for n in names)
        whole = delta("ray", "chains", chain)
        chains_sum += whole
        print(f"| {chain} | {own:.1f} s | {whole:.1f} s | {(whole - own) * 1e5 / d[names[0]]:.1f} |")
    src_rows = d["augment"]
    local_total, local_stages = (
        delta("local", "total"),
        sum(delta("local", "stages", n) for n in cpu[large]["local"]["stages"]),
    )
    driver, daemons = delta("ray", "driver"), delta("ray", "daemons")
    ray_total = chains_sum + driver + daemons

    def per(x: float) -> str:
        return f"{x * 1e5 / src_rows:.1f}"

    print(
        f"\nrow stages' own CPU: ray / local = {stages_sum / local_stages:.2f}; "
        f"actor processes / local stages = {chains_sum / local_stages:.2f}"
    )
    print(
        f"whole build per 100k input prompts: local {per(local_total)} CPU s (stages {per(local_stages)}, "
        f"rest {per(local_total - local_stages)}); ray {per(ray_total)} CPU s (actors {per(chains_sum)}, "
        f"driver {per(driver)}, daemons {per(daemons)}): overhead {100 * (ray_total / local_total - 1):.0f} %"
    )
    fixed = {k: cpu[small]["ray"][k] for k in ("driver", "daemons")}
    boots = cpu[small]["ray"]["booted"]
    print(
        f"fixed CPU at {small} prompts: driver {fixed['driver']:.1f} s, daemons {fixed['daemons']:.1f} s, "
        f"{len(boots)} actors booting {sum(boots) / len(boots):.1f} s each"
    )

    # 4. prediction: per node, row stages scale with cores; the driver's share (reading, global stages,
    # spill, writing, dispatch) runs once for the whole cluster.
    per_row_actor = chains_sum / src_rows
    per_row_driver = driver / src_rows
    share = per_row_driver / (per_row_actor + per_row_driver)
    print("\n## 4. Predicted rows/s of an N-node cluster (16 cores per node)")
    print(
        f"teacher-free: actor CPU {1e3 * per_row_actor:.2f} ms/prompt, driver CPU {1e3 * per_row_driver:.2f} "
        f"ms/prompt (driver share {100 * share:.0f} %); prompts/s = min(N x 16 / actor, 1 / driver)"
    )
    for nodes in (1, 2, 4, 8, 16):
        rate = min(nodes * 16 / per_row_actor, 1 / per_row_driver)
        print(f"  {nodes} nodes: {rate:,.0f} prompts/s")
    if ray_runs:
        actor_ms, driver_ms = (1e3 * per_row[k][1] for k in ("ray actors", "ray driver"))
        node_bound = 8 * args.concurrency / (args.latency_ms / 1000)
        print(
            f"teacher ({args.latency_ms:g} ms latency, 8 actors x {args.concurrency} in flight per node): "
            f"client CPU {actor_ms:.2f} ms/row in actors, {driver_ms:.2f} ms/row on the driver; "
            f"rows/s = min(N x min({node_bound:.0f}, 16 / actor), 1 / driver, the teacher's rate limit)"
        )
        for nodes in (1, 2, 4, 8, 16):
            rate = min(nodes * min(node_bound, 16e3 / actor_ms), 1e3 / driver_ms)
            print(f"  {nodes} nodes: {rate:,.0f} rows/s")


if __name__ == "__main__":
    main()
