"""Build time, CPU and peak memory at scale: a teacher-free recipe on synthetic sources.

The recipe is the one issue 15 measured: harmful prompts get `template` + `nocot`, benign rows bring their own
trace, math rows a solution; heuristic filter + rs_match with repair, exact + MinHash dedup, decontamination
against a synthetic eval set, and a ratio mix. Sources are made up from a seeded vocabulary (2 % exact copies,
1 % near copies, 500 eval prompts of which 100 are copied into the training prompts).

Each build runs in a child process; wall seconds, CPU seconds (user + system, workers included) and the
largest process's peak RSS come from `os.wait4`; the peak PSS of the whole process tree (driver and forked
workers, shared pages counted once) is sampled from /proc every 0.5 s. `--repo` runs another checkout's code
on the same data (e.g. /work/main), for a side-by-side ratio in one run.

    python -m bench.build_scale --rows 100000 --repo /work/main --repo . --repo .@2
    python -m bench.build_scale --rows 1000000 --repo .@2
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

VOCAB_SEED = 7


def _vocab(n: int = 3000) -> list[str]:
    rng = random.Random(VOCAB_SEED)
    letters = "abcdefghijklmnopqrstuvwxyz"
    return ["".join(rng.choice(letters) for _ in range(rng.randint(3, 9))) for _ in range(n)]


def _text(rng: random.Random, vocab: list[str], lo: int, hi: int) -> str:
    return " ".join(rng.choice(vocab) for _ in range(rng.randint(lo, hi)))


def make_sources(folder: Path, rows: int) -> dict[str, Path]:
    """harmful (50 %), benign with a trace (30 %), math with a solution (20 %), and an eval set."""
    rng = random.Random(0)
    vocab = _vocab()
    paths = {k: folder / f"{k}.jsonl" for k in ("harmful", "benign", "math", "eval")}
    counts = {"harmful": rows // 2, "benign": rows * 3 // 10}
    counts["math"] = rows - counts["harmful"] - counts["benign"]
    planted: list[str] = []
    for kind, n in counts.items():
        recent: list[str] = []
        with paths[kind].open("w") as f:
            for i in range(n):
                r = rng.random()
                if recent and r < 0.02:
                    prompt = rng.choice(recent)  # an exact copy
                elif recent and r < 0.03:
                    words = rng.choice(recent).split()
                    words[rng.randrange(len(words))] = rng.choice(vocab)  # a near copy
                    prompt = " ".join(words)
                else:
                    prompt = f"How can I {_text(rng, vocab, 8, 24)}?"
                recent = (recent + [prompt])[-200:]
                if kind == "harmful" and len(planted) < 100 and i % 997 == 0:
                    planted.append(prompt)
                row: dict[str, str] = {"prompt": prompt, "category": f"cat{i % 7}"}
                if kind == "benign":
                    row["response"] = f"<think>{_text(rng, vocab, 20, 60)}</think>{_text(rng, vocab, 10, 40)}"
                if kind == "math":
                    row["solution"] = f"{_text(rng, vocab, 10, 30)}\n#### {rng.randint(1, 999)}"
                f.write(json.dumps(row) + "\n")
    with paths["eval"].open("w") as f:
        for p in planted + [f"Tell me {_text(rng, vocab, 8, 20)}" for _ in range(400)]:
            f.write(json.dumps({"question": p}) + "\n")
    return paths


def recipe(paths: dict[str, Path], out: Path) -> dict:
    def src(kind: str, **extra: object) -> dict:
        return {"type": "file", "path": str(paths[kind]), "kind": kind, "id": kind, **extra}

    return {
        "name": "scale",
        "seed": 0,
        "sources": [
            src("harmful"),
            src("benign", fields={"response": "response"}),
            src("math", fields={"solution": "solution"}),
        ],
        "variants": ["template", "nocot"],
        "filter": {"backend": "heuristic", "judges": ["rs_match"], "selection": "keep_safe"},
        "repair": {"rounds": 1, "actions": {"over_refusal": "drop", "weak_refusal": "to_template"}},
        "dedup": {"exact": {"fields": ["prompt"]}, "minhash": {"fields": ["prompt"], "threshold": 0.8}},
        "decontaminate": {
            "eval_sets": [
                {"type": "file", "path": str(paths["eval"]), "id": "ev", "fields": {"prompt": "question"}}
            ]
        },
        "mix": {"ratio": {"harmful": 2, "benign": 1, "math": 1}, "select": "random"},
        "output": {"dir": str(out), "shard_rows": 100_000},
    }


# Options a checkout's `build` does not take (main before `workers`) are left out for that checkout.
CHILD = """
import inspect, json, sys, safedata
kw = {k: v for k, v in json.loads(sys.argv[2]).items() if k in inspect.signature(safedata.build).parameters}
r = safedata.build(json.loads(open(sys.argv[1]).read()), **kw)
print(json.dumps({"rows": r.report["rows"], "options": kw}))
"""


def _tree_pss(pid: int) -> int:
    """Proportional set size (bytes) of a process and its descendants: pages the forked workers share with
    the driver count once, so this is the memory the build takes from the machine."""
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        try:
            for line in Path(f"/proc/{p}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1]) * 1024
            for task in Path(f"/proc/{p}/task").iterdir():
                todo += [int(c) for c in (task / "children").read_text().split()]
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
    return total


def _size(path: Path) -> int:
    files = path.rglob("*") if path.is_dir() else [path]
    return sum(f.stat().st_size for f in files if f.is_file())


def _watch(pid: int, peak: list[int], done: threading.Event, work: Path) -> None:
    """Peak PSS; every 30 s a line on stderr (time, memory now and at peak, the spill files so far with their
    sizes in MB: how far a build got, also one that does not finish)."""
    start = time.perf_counter()
    beat = start
    while not done.wait(0.5):
        now = _tree_pss(pid)
        peak[0] = max(peak[0], now)
        if time.perf_counter() - beat >= 30:
            beat = time.perf_counter()
            try:
                spills = {p.name: round(_size(p) / 1e6) for p in sorted(work.glob("*"))}
            except FileNotFoundError:  # a spill removed while it was listed
                spills = {}
            print(
                f"  {beat - start:.0f} s: {now / 1024**3:.2f} GB now ({peak[0] / 1024**3:.2f} peak), "
                f"spills (MB) {spills}",
                file=sys.stderr,
                flush=True,
            )


def run_build(repo: Path, recipe_file: Path, kwargs: dict, profile: Path | None, out: Path) -> dict:
    path = os.pathsep.join(p for p in (str(repo.resolve()), os.environ.get("PYTHONPATH", "")) if p)
    env = {**os.environ, "PYTHONPATH": path, "HF_DATASETS_OFFLINE": "1"}
    args = [sys.executable]
    if profile is not None:
        args += ["-m", "cProfile", "-o", str(profile)]
    child = recipe_file.with_suffix(".child.py")
    child.write_text(CHILD)
    args += [str(child), str(recipe_file), json.dumps(kwargs)]
    start = time.perf_counter()
    proc = subprocess.Popen(args, env=env, stdout=subprocess.PIPE, cwd=repo)
    peak, done = [0], threading.Event()
    work = out / ".safedata-work"
    watcher = threading.Thread(target=_watch, args=(proc.pid, peak, done, work), daemon=True)
    watcher.start()
    printed = proc.stdout.read().decode() if proc.stdout else ""
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    done.set()
    watcher.join()
    if status != 0:
        raise SystemExit(f"build with {repo} failed (status {status})")
    return {
        "repo": str(repo),
        **json.loads(printed.strip().splitlines()[-1]),
        "wall_s": round(wall, 1),
        "cpu_s": round(usage.ru_utime + usage.ru_stime, 1),
        "peak_rss_gb": round(usage.ru_maxrss / 1024**2, 2),  # the largest single process (driver or worker)
        "peak_pss_gb": round(peak[0] / 1024**3, 2),  # all its processes together, sampled every 0.5 s
    }


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rows", type=int, default=100_000, help="input rows over the three sources")
    p.add_argument(
        "--repo",
        action="append",
        help="checkout to build with, PATH or PATH@WORKERS (row-stage processes); repeat for a side-by-side "
        "run (default: this checkout)",
    )
    p.add_argument("--block-rows", type=int, default=None, help="rows per block (this checkout's runner)")
    p.add_argument("--profile", type=Path, default=None, help="write a cProfile of each build here (prefix)")
    p.add_argument("--work", type=Path, default=None, help="folder for sources and outputs (default: temp)")
    args = p.parse_args()
    repos = args.repo or [str(Path(__file__).resolve().parent.parent)]
    work = args.work or Path(tempfile.mkdtemp(prefix="safedata-scale-"))
    work.mkdir(parents=True, exist_ok=True)
    t = time.perf_counter()
    made = work / "sources.json"  # the row count the sources in `work` were made for: reused when it matches
    if made.exists() and json.loads(made.read_text()) == args.rows:
        paths = {k: work / f"{k}.jsonl" for k in ("harmful", "benign", "math", "eval")}
    else:
        paths = make_sources(work, args.rows)
        made.write_text(json.dumps(args.rows))
    print(f"sources: {args.rows:,} rows in {time.perf_counter() - t:.0f} s ({work})", flush=True)
    for k, spec in enumerate(repos):
        repo, _, workers = spec.partition("@")
        recipe_file = work / f"recipe{k}.json"
        recipe_file.write_text(json.dumps(recipe(paths, work / f"out{k}")))
        kwargs = {"block_rows": args.block_rows} if args.block_rows else {}
        kwargs |= {"workers": int(workers)} if workers else {}
        profile = Path(f"{args.profile}{k}.prof") if args.profile else None
        res = run_build(Path(repo), recipe_file, kwargs, profile, work / f"out{k}")
        res["rows_in"] = args.rows
        res["rows_per_cpu_s"] = round(args.rows / res["cpu_s"])
        print(json.dumps(res), flush=True)


if __name__ == "__main__":
    main()
