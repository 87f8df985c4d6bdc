"""Run by test_dist.py under `torchrun --nproc-per-node 2` (gloo): each rank takes its `shard` of 11 items,
tags each with its rank, and rank 0 writes what `unshard` gathered (the other rank writes what it got)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from safedata.validation.dist import setup, shard, teardown, unshard


def main() -> None:
    out = Path(sys.argv[1])
    d = setup()
    items = [f"prompt-{i}" for i in range(11)]
    mine = [(item, d.rank) for item in shard(d, items)]
    done = unshard(d, mine)
    (out / f"rank{d.rank}.json").write_text(json.dumps({"world": d.world, "gathered": done}))
    teardown(d)


if __name__ == "__main__":
    main()
