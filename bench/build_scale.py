"""Build time, CPU and peak memory at scale: a teacher-free recipe on synthetic sources.

The recipe is the one issue 15 measured: harmful prompts get `template` + `nocot`, benign rows bring their own
trace, math rows a solution; heuristic filter + rs_match with repair, exact + MinHash dedup, decontamination
against a synthetic eval set, and a ratio mix. Sources are made up from a seeded vocabulary (2 % exact copies,
1 % near copies, 500 eval prompts of which 100 are copied into the training prompts).

Each build runs in a child process; wall seconds, CPU seconds (user + system) and the child's peak RSS come
from `os.wait4`. `--repo` runs another checkout's code on the same data (e.g. /work/main), for a side-by-side
ratio in one run.

    python -m bench.build_scale --rows 100000 --repo . --repo /work/main
    python -m bench.build_scale --rows 1000000 --block-rows 8192
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
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


CHILD = """
import json, sys, safedata
kw = json.loads(sys.argv[2])
r = safedata.build(json.loads(open(sys.argv[1]).read()), **kw)
print(json.dumps({"rows": r.report["rows"]}))
"""


def run_build(repo: Path, recipe_file: Path, kwargs: dict, profile: Path | None) -> dict:
    env = {**os.environ, "PYTHONPATH": str(repo.resolve()), "HF_DATASETS_OFFLINE": "1"}
    args = [sys.executable]
    if profile is not None:
        args += ["-m", "cProfile", "-o", str(profile)]
    child = recipe_file.with_suffix(".child.py")
    child.write_text(CHILD)
    args += [str(child), str(recipe_file), json.dumps(kwargs)]
    start = time.perf_counter()
    proc = subprocess.Popen(args, env=env, stdout=subprocess.PIPE, cwd=repo)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    out = proc.stdout.read().decode() if proc.stdout else ""
    if status != 0:
        raise SystemExit(f"build with {repo} failed (status {status})")
    return {
        "repo": str(repo),
        "rows_out": json.loads(out.strip().splitlines()[-1])["rows"],
        "wall_s": round(wall, 1),
        "cpu_s": round(usage.ru_utime + usage.ru_stime, 1),
        "peak_rss_gb": round(usage.ru_maxrss / 1024**2, 2),
    }


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rows", type=int, default=100_000, help="input rows over the three sources")
    p.add_argument("--repo", type=Path, action="append", help="checkout(s) to build with (default: this one)")
    p.add_argument("--block-rows", type=int, default=None, help="rows per block (this checkout's runner)")
    p.add_argument("--profile", type=Path, default=None, help="write a cProfile of each build here (prefix)")
    p.add_argument("--work", type=Path, default=None, help="folder for sources and outputs (default: temp)")
    args = p.parse_args()
    repos = args.repo or [Path(__file__).resolve().parent.parent]
    work = args.work or Path(tempfile.mkdtemp(prefix="safedata-scale-"))
    work.mkdir(parents=True, exist_ok=True)
    t = time.perf_counter()
    paths = make_sources(work, args.rows)
    print(f"sources: {args.rows:,} rows in {time.perf_counter() - t:.0f} s ({work})", flush=True)
    for k, repo in enumerate(repos):
        recipe_file = work / f"recipe{k}.json"
        recipe_file.write_text(json.dumps(recipe(paths, work / f"out{k}")))
        kwargs = {"block_rows": args.block_rows} if args.block_rows else {}
        profile = Path(f"{args.profile}{k}.prof") if args.profile else None
        res = run_build(repo, recipe_file, kwargs, profile)
        res["rows_in"] = args.rows
        res["rows_per_cpu_s"] = round(args.rows / res["cpu_s"])
        print(json.dumps(res), flush=True)


if __name__ == "__main__":
    main()
