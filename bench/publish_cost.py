"""What publishing costs next to the build: report.html, a first push and an unchanged re-push.

A real build of N synthetic harmful prompts (file source; variants template + nocot, so 2N rows), then,
side by side in one run: the build's own time, writing report.html, a first push to the local fake Hub
(tests/fixtures/fake_hub.py: real huggingface_hub client, real HTTP on 127.0.0.1, LFS "basic" transfer),
and a re-push of the unchanged build (hashing + one tree listing, no commit).

    /work/venv/bin/python -m bench.publish_cost [N]
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

import safedata
from safedata.publish.html_report import write_html_report
from safedata.publish.hub import push
from tests.fixtures.fake_hub import FakeHub, _Server

VERBS = ["explain", "describe", "list", "outline", "detail", "summarise"]


def main(n: int) -> None:
    from huggingface_hub import constants
    from huggingface_hub.utils import disable_progress_bars

    constants.HF_HUB_DISABLE_XET = True  # the fake Hub speaks the LFS protocol only
    disable_progress_bars()
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "prompts.jsonl"
        src.write_text(
            "".join(
                json.dumps(
                    {"prompt": f"Please {VERBS[i % 6]} how to do harmful thing number {i} step by step."}
                )
                + "\n"
                for i in range(n)
            )
        )
        out = Path(tmp) / "big"
        recipe = {
            "name": "big",
            "sources": [{"type": "file", "path": str(src), "kind": "harmful", "category": "illicit/violent"}],
            "variants": ["template", "nocot"],
            "output": {"dir": str(out), "shard_rows": 20_000},
        }
        t0 = time.perf_counter()
        result = safedata.build(recipe)  # writes report.html too
        build_total = time.perf_counter() - t0
        t0 = time.perf_counter()
        write_html_report(out)
        report_s = time.perf_counter() - t0

        hub = FakeHub()
        server = _Server(hub)
        server.start()
        try:
            t0 = time.perf_counter()
            first = push(out, "bench/big", endpoint=hub.url, token="hf_bench", commit_files=4)
            first_s = time.perf_counter() - t0
            t0 = time.perf_counter()
            again = push(out, "bench/big", endpoint=hub.url, token="hf_bench", commit_files=4)
            again_s = time.perf_counter() - t0
        finally:
            server.stop()
        shards = list(out.glob("data/*/*.parquet"))
        data_mb = sum(p.stat().st_size for p in shards) / 1e6
        html_kb = (out / "report.html").stat().st_size / 1e3

    print(f"rows {result.rows:,}  parquet {data_mb:.1f} MB in {len(shards)} shards")
    print(f"{'step':<34}{'seconds':>9}{'x build':>9}")
    rows = [
        ("build (stages + parquet + card)", result.report["seconds"]),
        ("report.html", report_s),
        ("first push (fake Hub, localhost)", first_s),
        ("re-push, unchanged", again_s),
    ]
    for name, s in rows:
        print(f"{name:<34}{s:>9.2f}{s / result.report['seconds']:>9.2f}")
    print(f"build() end to end {build_total:.2f} s; report.html {html_kb:.0f} kB")
    print(f"first push: {len(first.commits)} commits, {len(first.uploaded)} files", end="; ")
    print(f"re-push: {len(again.commits)} commits")
    print(f"re-push / first push = {again_s / first_s:.2f}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
