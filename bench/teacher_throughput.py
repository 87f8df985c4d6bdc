"""Teacher throughput: safedata's `openai` engine against distilabel's stock `OpenAILLM` + `TextGeneration`.

Starts the test suite's fake OpenAI-compatible server in its own process (fixed or exponential latency),
sends N requests at each concurrency and prints rows/s side by side with the bound (concurrency / latency):

    .venv/bin/python -m bench.teacher_throughput --n 2000 --latency-ms 200 --concurrency 64 256

Rows: `safedata engine` (Teacher.generate, request cache on, as in a build), `safedata LLM in distilabel`
(our openai engine as `SafedataLLM` inside a distilabel Pipeline + TextGeneration, one large input batch)
and `distilabel stock` (OpenAILLM in TextGeneration with input_batch_size = concurrency, as distilabel is
normally used).
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(latency_ms: float, dist: str) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    cmd = [sys.executable, "-m", "tests.fixtures.openai_server", "--port", str(port)]
    cmd += ["--latency-ms", str(latency_ms), "--dist", dist]
    proc = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return proc, wait_ready(proc, port)


def wait_ready(proc: subprocess.Popen[bytes], port: int) -> str:
    """The base URL once the server on `port` answers (the process is killed if it never does)."""
    for _ in range(400):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/stats", timeout=1)
            return f"http://127.0.0.1:{port}/v1"
        except OSError:
            time.sleep(0.05)
    proc.kill()
    raise RuntimeError("fake server did not start")


def server_call(base_url: str, path: str) -> dict[str, Any]:
    root = base_url.removesuffix("/v1")
    req = urllib.request.Request(root + path, method="POST" if path == "/reset" else "GET")
    with urllib.request.urlopen(req, timeout=5) as r:
        return dict(json.loads(r.read()))


def cpu_s(pid: int) -> float:
    """User + system CPU seconds of a process (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().split()
    return (int(fields[13]) + int(fields[14])) / os.sysconf("SC_CLK_TCK")


def prompts(n: int, tag: str) -> list[str]:
    # A tag per run: no run can hit another's cache.
    return [f"[{tag}] question number {i}: how do tides work?" for i in range(n)]


def run_engine(base_url: str, n: int, conc: int, tag: str) -> tuple[int, float]:
    from safedata.engines import TeacherRequest, make_teacher
    from safedata.schemas.teacher import OpenAITeacher

    spec = OpenAITeacher(engine="openai", model="fake-r1", base_url=base_url, max_concurrency=conc)
    reqs = [TeacherRequest.chat([{"role": "user", "content": p}]) for p in prompts(n, tag)]
    with tempfile.TemporaryDirectory() as cache:
        teacher = make_teacher(spec, Path(cache))
        t0, cpu0 = time.perf_counter(), time.process_time()
        replies = teacher.generate(reqs)
        secs = time.perf_counter() - t0
        cpu_ms = 1000 * (time.process_time() - cpu0) / n
        print(f"  safedata engine @ {conc}: client CPU {cpu_ms:.2f} ms per request", file=sys.stderr)
        teacher.close()  # type: ignore[attr-defined]
        return sum(r.ok for r in replies), secs


def run_pipeline(llm: Any, n: int, batch: int, tag: str) -> tuple[int, float]:
    import distilabel.utils.logging as dl_logging
    from distilabel.pipeline import Pipeline
    from distilabel.steps import LoadDataFromDicts
    from distilabel.steps.tasks import TextGeneration

    if "httpx2" not in dl_logging._SILENT_LOGGERS:
        dl_logging._SILENT_LOGGERS.append("httpx2")
    with Pipeline(name=f"bench-{tag}-{time.time_ns()}") as pipeline:
        load = LoadDataFromDicts(data=[{"instruction": p} for p in prompts(n, tag)], batch_size=batch)
        load >> TextGeneration(llm=llm, input_batch_size=batch)
    t0 = time.perf_counter()
    distiset = pipeline.run(use_cache=False)
    rows = distiset["default"]["train"]
    return sum(g is not None for g in rows["generation"]), time.perf_counter() - t0


def ours_in_distilabel(base_url: str, n: int, conc: int, tag: str) -> tuple[int, float]:
    from safedata.engines.distilabel_llm import SafedataLLM

    llm = SafedataLLM(
        teacher={"engine": "openai", "model": "fake-r1", "base_url": base_url, "max_concurrency": conc}
    )
    return run_pipeline(llm, n, n, tag)  # one big input batch; the semaphore keeps `conc` in flight


def stock_distilabel(base_url: str, n: int, conc: int, tag: str) -> tuple[int, float]:
    from distilabel.models import OpenAILLM

    llm = OpenAILLM(model="fake-r1", base_url=base_url, api_key="none", max_retries=0)
    return run_pipeline(llm, n, conc, tag)


RUNNERS: dict[str, Callable[[str, int, int, str], tuple[int, float]]] = {
    "safedata engine": run_engine,
    "safedata LLM in distilabel": ours_in_distilabel,
    "distilabel stock": stock_distilabel,
}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--n", type=int, default=2000)
    p.add_argument("--latency-ms", type=float, default=200)
    p.add_argument("--dist", choices=("const", "exp"), default="const")
    p.add_argument("--concurrency", type=int, nargs="+", default=[64, 256])
    p.add_argument("--only", nargs="*", choices=list(RUNNERS), default=list(RUNNERS))
    args = p.parse_args()
    os.environ.setdefault("DISTILABEL_CACHE_DIR", tempfile.mkdtemp(prefix="bench-distilabel-"))
    server, base_url = start_server(args.latency_ms, args.dist)
    results: list[tuple[int, str, int, float, dict[str, Any]]] = []
    try:
        for conc in args.concurrency:
            for name in args.only:
                server_call(base_url, "/reset")
                cpu0 = cpu_s(server.pid)
                ok, secs = RUNNERS[name](base_url, args.n, conc, f"{name}-{conc}")
                stats = server_call(base_url, "/stats")
                stats["server_cpu_ms"] = 1000 * (cpu_s(server.pid) - cpu0) / args.n
                results.append((conc, name, ok, secs, stats))
                print(f"  done: {name} @ {conc}: {ok} rows in {secs:.1f} s", file=sys.stderr, flush=True)
    finally:
        server.kill()
    load = os.getloadavg()[0]
    print(
        f"\n{args.n} requests, {args.latency_ms:g} ms {args.dist} latency, load average {load:.1f} (2 cores)"
    )
    print("busy = server's first request to last reply (excludes client start-up, e.g. distilabel's ~3 s)")
    print(
        "| concurrency | client | rows ok | wall s | rows/s (wall) | rows/s (busy) "
        "| % of bound (wall / busy) | peak in flight | server CPU ms/req | x stock (wall) |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for conc, name, ok, secs, stats in results:
        bound = conc / (args.latency_ms / 1000)
        stock = next((o / s for c, nm, o, s, _ in results if c == conc and nm == "distilabel stock"), None)
        rate, busy = ok / secs, ok / max(stats["busy_s"], 1e-9)
        ratio = f"{rate / stock:.1f}x" if stock else "-"
        print(
            f"| {conc} | {name} | {ok} | {secs:.1f} | {rate:.0f} | {busy:.0f} "
            f"| {100 * rate / bound:.0f} % / {100 * busy / bound:.0f} % | {stats['peak_in_flight']} "
            f"| {stats['server_cpu_ms']:.2f} | {ratio} |"
        )


if __name__ == "__main__":
    main()
