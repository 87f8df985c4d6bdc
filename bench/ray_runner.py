"""`runner: ray` against the local runner, side by side in one run, on a private Ray head started here.

    .venv/bin/python -m bench.ray_runner --rows 10000 --actors 1 2 4 8 --concurrency 16

1. Teacher throughput: the fake OpenAI server (own process, `think` style, fixed latency) answers a
   generation-only build; rows/s over the server's busy span (first request to last reply) against the bound
   (requests in flight / latency), as generation actors go 1 -> 8, and the local runner at the same in-flight.
2. Fixed start-up cost: the head's start, and a tiny teacher-free build on Ray (connect, one actor pool per
   row stage, shutdown) against the same build local.
3. CPU-seconds per 100k rows per chain of fused row stages for a teacher-free recipe (file prompts ->
   augment -> template + nocot -> heuristic filter -> exact dedup -> decontaminate): local = thread CPU inside
   the chain's stages' blocks; Ray = CPU of each chain's actor processes (read from /proc just before they are
   killed) + the driver's CPU + the cluster daemons' CPU. Run at two sizes; the difference is the per-row
   (marginal) cost.
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
    base: str, work: Path, address: str, actors: int, conc: int, rounds: int, ray: bool
) -> dict[str, Any]:
    from safedata import api

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
        runner: dict[str, Any] = {"runner": "ray", "ray_address": address, "block_rows": 4 * conc}
    else:
        recipe["teacher"]["max_concurrency"] = in_flight
        runner = {"block_rows": 4 * in_flight}
    server_call(base, "/reset")
    t0 = time.perf_counter()
    result = api.build(recipe, out=str(work / tag), **runner)
    wall = time.perf_counter() - t0
    stats = server_call(base, "/stats")
    return {
        "runner": "ray" if ray else "local",
        "actors": actors if ray else 1,
        "in_flight": in_flight,
        "rows": result.rows,
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


def local_cpu(recipe: dict[str, Any], out: Path, block_rows: int) -> tuple[dict[str, float], float, dict]:
    """Local build: thread CPU inside each row stage's blocks, and the process's total CPU."""
    from safedata import api
    from safedata.runners import local

    per_stage: dict[str, float] = defaultdict(float)
    original = local.map_one

    def timed(stage: Any, block: Any, ctx: Any) -> Any:
        t0 = time.thread_time()
        try:
            return original(stage, block, ctx)
        finally:
            per_stage[stage.name] += time.thread_time() - t0

    local.map_one = timed  # type: ignore[assignment]
    try:
        cpu0 = time.process_time()
        result = api.build(recipe, out=str(out), block_rows=block_rows)
        total = time.process_time() - cpu0
    finally:
        local.map_one = original  # type: ignore[assignment]
    return dict(per_stage), total, result.report


def ray_cpu(
    recipe: dict[str, Any], out: Path, block_rows: int, address: str, temp_dir: Path
) -> tuple[dict[str, float], float, float, dict]:
    """Ray build: each chain's actor CPU (read before its actors are killed; key: its stages joined by `+`),
    the driver's CPU and the cluster daemons' CPU (every other process of the cluster: raylet, GCS, idle
    workers)."""
    import ray

    from safedata import api
    from safedata.runners import ray_runner

    per_stage: dict[str, float] = defaultdict(float)
    actor_pids: set[int] = set()
    before = cluster_cpu(temp_dir)
    original = ray_runner.RayRows._finish

    def finish(self: Any, stages: list[Any], pool: list[Any]) -> None:
        for pid in ray.get([a.pid.remote() for a in pool]):
            actor_pids.add(pid)
            per_stage["+".join(s.name for s in stages)] += cpu_s(pid) - before.get(pid, 0.0)
        original(self, stages, pool)

    ray_runner.RayRows._finish = finish  # type: ignore[method-assign]
    try:
        cpu0 = time.process_time()
        result = api.build(recipe, out=str(out), block_rows=block_rows, runner="ray", ray_address=address)
        driver = time.process_time() - cpu0
    finally:
        ray_runner.RayRows._finish = original  # type: ignore[method-assign]
    after = cluster_cpu(temp_dir)
    daemons = sum(c - before.get(p, 0.0) for p, c in after.items() if p not in actor_pids)
    return dict(per_stage), driver, daemons, result.report


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
                    r = teacher_run(base, work, address, n, args.concurrency, args.rounds, on_ray)
                    teach.append(r)
                    print(f"  teacher: {r}", file=sys.stderr, flush=True)
            # 3. CPU per stage, two sizes
            cpu: dict[int, dict[str, Any]] = {}
            for n in (args.small, args.rows):
                recipe = cpu_recipe(work, n)
                lst, ltot, lrep = local_cpu(recipe, work / f"cpu-local-{n}", args.block_rows)
                out = work / f"cpu-ray-{n}"
                rst, drv, dae, rrep = ray_cpu(recipe, out, args.block_rows, address, temp_dir)
                cpu[n] = {"local": lst, "local_total": ltot, "ray": rst, "driver": drv, "daemons": dae}
                cpu[n]["rows_in"] = rows_in(lrep)
                assert rows_in(rrep) == cpu[n]["rows_in"], "ray and local saw different rows"
                print(f"  cpu {n}: {cpu[n]}", file=sys.stderr, flush=True)
            ray.shutdown()
    finally:
        server.kill()
        shutil.rmtree(work, ignore_errors=True)
    report(args, head_up, startup, teach, cpu)


def report(args: Any, head_up: float, startup: dict, teach: list[dict], cpu: dict[int, dict]) -> None:
    med = {k: sorted(v)[len(v) // 2] for k, v in startup.items()}
    load = os.getloadavg()[0]
    print(
        f"\nload average {load:.1f} on {os.cpu_count()} cores (shared box); Ray head --num-cpus {args.cpus}"
    )
    print("\n## 1. Teacher throughput (server busy span; bound = in flight / latency)\n")
    print(
        "| runner | gen actors | in flight | rows | rows/s (busy) | bound | % of bound "
        "| peak in flight | wall s |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for r in teach:
        bound = r["in_flight"] / (args.latency_ms / 1000)
        print(
            f"| {r['runner']} | {r['actors']} | {r['in_flight']} | {r['rows']} | {r['busy_rate']:.0f} "
            f"| {bound:.0f} "
            f"| {100 * r['busy_rate'] / bound:.0f} % | {r['peak']} | {r['wall']:.1f} |"
        )
    ray_rates = {r["actors"]: r["busy_rate"] for r in teach if r["runner"] == "ray"}
    local_rates = {r["in_flight"]: r["busy_rate"] for r in teach if r["runner"] == "local"}
    print(
        "\nray / local at the same in flight: "
        + ", ".join(
            f"{n} actors {ray_rates[n] / local_rates[n * args.concurrency]:.2f}x" for n in args.actors
        )
    )
    print("\n## 2. Fixed start-up cost (median of 3, tiny teacher-free build)\n")
    print(f"head start (ray start until a driver joins): {head_up:.1f} s")
    print(
        f"build local {med['local']:.2f} s, build on Ray {med['ray']:.2f} s: "
        f"fixed Ray cost {med['ray'] - med['local']:.1f} s"
    )

    small, large = sorted(cpu)
    print(
        f"\n## 3. CPU-seconds per 100k rows entering each chain of row stages ({large} - {small} prompts)\n"
    )
    print("| chain (one actor call) | rows in | local CPU s/100k | ray actors CPU s/100k | ray / local |")
    print("|---|---|---|---|---|")
    sums = {"local": 0.0, "ray": 0.0}
    for chain in cpu[large]["ray"]:
        names = chain.split("+")
        d_rows = cpu[large]["rows_in"][names[0]] - cpu[small]["rows_in"][names[0]]
        delta = {
            k: (
                sum(cpu[large]["local"].get(s, 0) - cpu[small]["local"].get(s, 0) for s in names)
                if k == "local"
                else cpu[large]["ray"].get(chain, 0) - cpu[small]["ray"].get(chain, 0)
            )
            for k in sums
        }
        per = {k: delta[k] * 1e5 / d_rows for k in sums}
        for k in sums:
            sums[k] += delta[k]
        print(
            f"| {chain} | {cpu[large]['rows_in'][names[0]]} | {per['local']:.1f} | {per['ray']:.1f} "
            f"| {per['ray'] / per['local']:.2f} |"
        )
    src_rows = cpu[large]["rows_in"]["augment"] - cpu[small]["rows_in"]["augment"]
    local_total = cpu[large]["local_total"] - cpu[small]["local_total"]
    driver = cpu[large]["driver"] - cpu[small]["driver"]
    daemons = cpu[large]["daemons"] - cpu[small]["daemons"]
    ray_total = sums["ray"] + driver + daemons
    print(f"\nrow stages: ray actors / local = {sums['ray'] / sums['local']:.2f}")
    print(
        f"whole build per 100k input prompts: local {local_total * 1e5 / src_rows:.1f} CPU s; ray "
        f"{ray_total * 1e5 / src_rows:.1f} CPU s (actors {sums['ray'] * 1e5 / src_rows:.1f}, driver "
        f"{driver * 1e5 / src_rows:.1f}, daemons {daemons * 1e5 / src_rows:.1f}): overhead "
        f"{100 * (ray_total / local_total - 1):.0f} %"
    )
    fixed = {k: cpu[small][k] for k in ("driver", "daemons")}
    print(f"fixed CPU at {small} prompts: driver {fixed['driver']:.1f} s, daemons {fixed['daemons']:.1f} s")

    # 4. prediction: per node, row stages scale with cores; the driver's share (reading, global stages,
    # spill, writing, dispatch) runs once for the whole cluster.
    per_row_actor = sums["ray"] / src_rows
    per_row_driver = driver / src_rows
    share = per_row_driver / (per_row_actor + per_row_driver)
    print("\n## 4. Predicted rows/s (teacher-free recipe), per input prompt")
    print(
        f"actor CPU {1e3 * per_row_actor:.2f} ms/row, driver CPU {1e3 * per_row_driver:.2f} ms/row: driver "
        f"share {100 * share:.0f} %"
    )
    print("rows/s(N nodes x C cores) = min(N x C / actor_ms, 1 / driver_ms)")
    for nodes in (1, 2, 4, 8, 16):
        rate = min(nodes * 16 / per_row_actor, 1 / per_row_driver)
        print(f"  {nodes} nodes x 16 cores: {rate:,.0f} rows/s")
    best = teach[-2] if teach else None
    if best:
        print(
            f"teacher builds: per-node {best['busy_rate']:.0f} rows/s at {best['in_flight']} in flight here; "
            "N nodes: N x that, until the teacher's own limit"
        )


if __name__ == "__main__":
    main()
