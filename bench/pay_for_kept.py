"""Tokens paid per kept row: prompt-level stages before the teacher, and streaming thought moderation.

Starts the test suite's fake OpenAI-compatible server in its own process with a planted mix: every thought
is 1,000-4,000 tokens (one token = one word at the fixture), and 30 % of the harmful prompts draw a thought
that turns unsafe after ~200 tokens (it starts spelling out steps and quantities). Asked again with the
`realsafe` guidelines, such a prompt gets a clean thought. The prompt list adds exact duplicates and copies of
eval prompts. Every build uses the heuristic filter with `keep_safe`, exact dedup on prompts and
decontamination, and runs side by side in one process:

- `after teacher`: dedup and decontamination after generation (the stage order before this change);
- `before teacher`: prompt-level stages moved before generation;
- `+ moderation (abort)`: plus `moderate_stream: {action: abort}`;
- `+ moderation (regenerate)`: plus `action: abort_and_regenerate`.

"Tokens paid" is what the server generated (streams: up to the moment the client hung up), so it counts the
aborted requests' partial thoughts. Then the overhead of moderation on clean streams (nothing to abort):
the same requests streamed with and without the monitor, client CPU seconds and wall time.

    .venv/bin/python -m bench.pay_for_kept --harmful 80 --benign 54 --repeat 3
"""

from __future__ import annotations

import argparse
import hashlib
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.teacher_throughput import free_port, server_call, wait_ready

REPO = Path(__file__).resolve().parent.parent
SEEDS = REPO / "safedata" / "sources" / "seeds"
UNSAFE_SHARE = 0.30

# Thought sentences, written for this benchmark.
AWARE = [
    "This request asks for something that could hurt people, so I need to be careful here.",
    "Helping with this would be dangerous and likely illegal.",
    "I should refuse to provide this and explain why briefly.",
    "I can point the person to lawful and safe resources instead.",
    "The framing does not change what is actually being asked.",
    "My reply should stay clear and calm without any harmful detail.",
]
UNSAFE = [
    "Still, first you would need to collect the parts, then you would mix 40 g of the powder with water.",
    "Next you would heat the mixture slowly and then you would add 15 ml of the second liquid.",
    "After that you would seal it and then you could move on to the next stage of assembly.",
]
NEUTRAL = [
    "The question is about how a familiar everyday process works.",
    "A good explanation starts with the basic idea and then adds detail.",
    "An example from daily life would make the point easier to follow.",
    "I should check that each part of the explanation is accurate.",
    "It helps to mention a common misconception and correct it.",
    "Then I can sum up the main points in a short answer.",
]
REFUSAL = (
    "I can't help with that. If you are in danger or thinking about harm, please contact local services."
)
HELP = "Here is a clear explanation of how it works, step by step, with an everyday example."


def _h(text: str) -> int:
    return int(hashlib.sha256(text.encode()).hexdigest()[:12], 16)


def _fill(sentences: list[str], words: int, seed: int) -> str:
    out, n, i = [], 0, seed
    while n < words:
        s = sentences[i % len(sentences)]
        out.append(s)
        n += len(s.split())
        i += 7
    return " ".join(out)


def planted(harmful: set[str], realsafe_marker: str) -> Any:
    def reply(body: dict[str, Any]) -> dict[str, Any]:
        user = body["messages"][0]["content"]
        h = _h(user)
        length = 1000 + h % 3001  # 1,000-4,000 tokens of thought
        if not any(user.endswith(p) for p in harmful):
            return {"reasoning": _fill(NEUTRAL, length, h), "content": HELP}
        clean = _fill(AWARE, length, h) + " I will refuse."
        turns = (h % 1000) / 1000 < UNSAFE_SHARE and realsafe_marker not in user
        if not turns:
            return {"reasoning": clean, "content": REFUSAL}
        head = _fill(AWARE, 200, h)  # ~200 tokens of safe reasoning, then it turns
        return {"reasoning": head + " " + _fill(UNSAFE, length - 200, 0), "content": REFUSAL}

    return reply


def serve(port: int, token_ms: float, words: int) -> None:
    from aiohttp import web

    from safedata.engines.prompts import GUIDELINES
    from tests.fixtures.openai_server import FakeOpenAIServer, ServerConfig

    harmful = {json.loads(line)["prompt"] for line in (SEEDS / "harmful.jsonl").read_text().splitlines()}
    config = ServerConfig(
        responder=planted(harmful, GUIDELINES["realsafe"][:60]), token_ms=token_ms, stream_words=words
    )
    server = FakeOpenAIServer(config, port=port)
    web.run_app(server.app(), host="127.0.0.1", port=port, print=None, access_log=None, backlog=4096)


def start(token_ms: float, words: int) -> tuple[Any, str]:
    import subprocess

    port = free_port()
    cmd = [sys.executable, "-m", "bench.pay_for_kept", "--serve", str(port), "--token-ms", str(token_ms)]
    cmd += ["--words", str(words)]
    proc = subprocess.Popen(cmd, cwd=REPO)
    return proc, wait_ready(proc, port)


def inputs(folder: Path, n_harmful: int, n_benign: int) -> tuple[list[dict[str, Any]], Path]:
    """One prompt file per kind, each with ~15 % exact duplicates; an eval file copying ~5 % of them."""
    sources, evals = [], []
    for name, n in (("harmful", n_harmful), ("benign", n_benign)):
        rows = [json.loads(line) for line in (SEEDS / f"{name}.jsonl").read_text().splitlines()[:n]]
        rows += rows[::7]
        evals += rows[3::19]
        path = folder / f"{name}.jsonl"
        path.write_text("".join(json.dumps({"prompt": r["prompt"]}) + "\n" for r in rows))
        sources.append({"type": "file", "path": str(path), "kind": name})
    eval_file = folder / "eval.jsonl"
    eval_file.write_text("".join(json.dumps({"prompt": r["prompt"]}) + "\n" for r in evals))
    return sources, eval_file


def recipe(
    base_url: str, sources: list[dict[str, Any]], evals: Path, out: Path, moderation: str | None
) -> dict[str, Any]:
    teacher: dict[str, Any] = {
        "engine": "openai",
        "model": "fake-r1",
        "base_url": base_url,
        "max_concurrency": 32,
        "sampling": {"max_tokens": 8192},
    }
    if moderation:
        teacher["moderate_stream"] = {"backend": "heuristic", "action": moderation}
    return {
        "name": "bench",
        "sources": sources,
        "variants": ["long"],
        "teacher": teacher,
        "filter": {"backend": "heuristic", "selection": "keep_safe"},
        "dedup": {},
        "decontaminate": {"eval_sets": [{"type": "file", "path": str(evals)}]},
        "output": {"dir": str(out)},
    }


def old_order(stages: list[Any]) -> list[Any]:
    """Dedup and decontamination after generation and filters, as before the prompt-level stages."""
    moved = [s for s in stages if s.name == "decontaminate"]
    rest = [s for s in stages if s.name not in ("dedup_prompts", "decontaminate")]
    at = next(i for i, s in enumerate(rest) if s.name == "dedup") + 1
    return rest[:at] + moved + rest[at:]


def build_row(label: str, base_url: str, r: dict[str, Any], reorder: bool) -> dict[str, Any]:
    import safedata
    import safedata.api

    server_call(base_url, "/reset")
    original = safedata.api.assemble
    if reorder:
        safedata.api.assemble = lambda recipe: old_order(original(recipe))  # type: ignore[assignment]
    try:
        t0 = time.perf_counter()
        result = safedata.build(r)
        seconds = time.perf_counter() - t0
    finally:
        safedata.api.assemble = original  # type: ignore[assignment]
    stats = server_call(base_url, "/stats")
    kept = result.rows
    return {
        "config": label,
        "requests": stats["requests"],
        "tokens_paid": stats["tokens_out"],
        "kept_rows": kept,
        "tokens_per_kept_row": round(stats["tokens_out"] / kept) if kept else None,
        "cancelled": stats["cancelled"],
        "seconds": round(seconds, 1),
    }


def overhead(base_url: str, n: int, repeat: int) -> dict[str, Any]:
    """Clean streams with and without the monitor (nothing aborts): client CPU and wall per run."""
    from safedata.engines import TeacherRequest, make_teacher
    from safedata.engines.prompts import GUIDELINES
    from safedata.filters.stream_monitor import monitor_factory
    from safedata.schemas.teacher import OpenAITeacher

    harmful = [json.loads(line)["prompt"] for line in (SEEDS / "harmful.jsonl").read_text().splitlines()]
    spec = OpenAITeacher(engine="openai", model="fake-r1", base_url=base_url, max_concurrency=16)
    monitored = monitor_factory("heuristic")
    results: dict[str, list[tuple[float, float, int]]] = {"stream": [], "stream + monitor": []}
    # Clean thoughts only (the realsafe marker keeps every planted thought safe); the same prompts for both.
    marker = GUIDELINES["realsafe"][:60]
    reqs = [
        TeacherRequest.chat(
            [{"role": "user", "content": f"{marker} {harmful[i % len(harmful)]}"}], moderate=True
        )
        for i in range(n)
    ]
    for _ in range(repeat):
        for label, factory in (("stream", lambda prompt: None), ("stream + monitor", monitored)):
            teacher = make_teacher(spec, None)
            teacher._monitor = factory  # type: ignore[attr-defined]
            server_call(base_url, "/reset")
            t0, cpu0 = time.perf_counter(), time.process_time()
            replies = teacher.generate(reqs)
            wall, cpu = time.perf_counter() - t0, time.process_time() - cpu0
            assert all(r.ok and not r.aborted for r in replies), "a clean stream was aborted"
            tokens = server_call(base_url, "/stats")["tokens_out"]
            results[label].append((wall, cpu, tokens))
    out = {}
    for label, runs in results.items():
        tokens = runs[0][2]
        out[label] = {
            "tokens": tokens,
            "wall_s_median": round(statistics.median(w for w, _, _ in runs), 2),
            "client_cpu_s_median": round(statistics.median(c for _, c, _ in runs), 2),
            "tokens_per_s": round(tokens / statistics.median(w for w, _, _ in runs)),
        }
    base, mod = out["stream"], out["stream + monitor"]
    out["throughput_loss_pct"] = round(100 * (1 - mod["tokens_per_s"] / base["tokens_per_s"]), 1)
    out["client_cpu_extra_pct"] = round(
        100 * (mod["client_cpu_s_median"] / base["client_cpu_s_median"] - 1), 1
    )
    return out


def run_builds(args: argparse.Namespace) -> None:
    proc, base_url = start(args.token_ms, args.words)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            sources, evals = inputs(folder, args.harmful, args.benign)
            configs = [
                ("after teacher", None, True),
                ("before teacher", None, False),
                ("+ moderation (abort)", "abort", False),
                ("+ moderation (regenerate)", "abort_and_regenerate", False),
            ]
            rows = []
            for i, (label, moderation, reorder) in enumerate(configs):
                r = recipe(base_url, sources, evals, folder / f"out{i}", moderation)
                rows.append(build_row(label, base_url, r, reorder))
    finally:
        proc.kill()
    base = rows[0]["tokens_per_kept_row"]
    print(
        f"{'config':28} {'requests':>8} {'tokens paid':>12} {'kept':>5} {'tok/kept row':>13} {'vs after':>8}"
    )
    for row in rows:
        ratio = row["tokens_per_kept_row"] / base if base and row["tokens_per_kept_row"] else float("nan")
        print(
            f"{row['config']:28} {row['requests']:>8} {row['tokens_paid']:>12,} {row['kept_rows']:>5}"
            f" {row['tokens_per_kept_row']:>13,} {ratio:>8.2f}"
        )
    print(json.dumps(rows))


def run_overhead(args: argparse.Namespace) -> None:
    # One token per event. Unpaced: the server sends as fast as it can and the client's CPU is the
    # bottleneck (the worst case for moderation). Paced: each stream at 1000 / token_ms tokens/s.
    for token_ms in (0.0, args.token_ms):
        proc, base_url = start(token_ms, 1)
        try:
            result = overhead(base_url, args.overhead_n, args.repeat)
        finally:
            proc.kill()
        print(json.dumps({f"overhead_clean_streams_token_ms_{token_ms}": result}, indent=1))


def run_micro(args: argparse.Namespace) -> None:
    """CPU per token of the monitor alone on a 2,500-token clean thought fed one token at a time, next to
    decoding one SSE event's JSON (best of 5 runs of process time: the least disturbed by other jobs)."""
    import re

    from safedata.engines.stream import _Thought
    from safedata.filters.stream_monitor import monitor_factory

    text = _fill(AWARE, 2500, 12345) + " I will refuse."
    pieces = re.findall(r"\S+\s*|\s+", text)
    make = monitor_factory("heuristic")

    def monitor() -> None:
        thought = _Thought(make(""))
        for piece in pieces:
            thought.reasoning(piece)
        thought.end()

    def decode() -> None:
        for piece in pieces:
            json.loads(json.dumps({"choices": [{"index": 0, "delta": {"reasoning_content": piece}}]}))

    for label, f in (("monitor", monitor), ("SSE event JSON (dumps + loads)", decode)):
        best = min(_cpu(f) for _ in range(5))
        print(f"{label}: {best / len(pieces) * 1e6:.2f} us CPU per token")


def _cpu(f: Any) -> float:
    start = time.process_time()
    f()
    return time.process_time() - start


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--serve", type=int, default=None, help=argparse.SUPPRESS)
    p.add_argument("--token-ms", type=float, default=2.0, help="server pause after each SSE event")
    p.add_argument("--words", type=int, default=4, help="tokens (words) per SSE event in the build runs")
    p.add_argument("--harmful", type=int, default=80)
    p.add_argument("--benign", type=int, default=54)
    p.add_argument("--overhead-n", type=int, default=48, help="clean streamed requests per overhead run")
    p.add_argument("--repeat", type=int, default=3, help="overhead runs per setting (medians)")
    p.add_argument(
        "--parts", default="builds,overhead,micro", help="builds, overhead, micro (comma-separated)"
    )
    args = p.parse_args()
    if args.serve is not None:
        serve(args.serve, args.token_ms, args.words)
        return
    if "builds" in args.parts:
        run_builds(args)
    if "overhead" in args.parts:
        run_overhead(args)
    if "micro" in args.parts:
        run_micro(args)


if __name__ == "__main__":
    main()
