"""Data-parallel training: 2 gloo processes under torchrun match one process with the same global batch."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

WORKER = Path(__file__).with_name("dist_worker.py")
REPO = Path(__file__).resolve().parents[2]


def _run(args: list[str]) -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO), "OMP_NUM_THREADS": "1", "HF_HUB_OFFLINE": "1"}
    env.pop("WORLD_SIZE", None)
    proc = subprocess.run(args, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]


def test_two_gloo_ranks_match_one_process(build_dir: Path, tmp_path: Path) -> None:
    two, one = tmp_path / "two", tmp_path / "one"
    _run([sys.executable, "-m", "torch.distributed.run", "--nproc-per-node", "2", "--master-port", "29533",
          str(WORKER), str(build_dir), str(two), "4"])  # fmt: skip
    _run([sys.executable, str(WORKER), str(build_dir), str(one), "8"])
    dist, single = json.loads((two / "train.json").read_text()), json.loads((one / "train.json").read_text())
    assert dist["world"] == 2 and single["world"] == 1
    # Each rank trained on its own shard; together they saw exactly what the single process saw.
    rank0, rank1 = dist["shards"]
    assert rank0 and rank1 and not set(rank0) & set(rank1)
    assert sorted(rank0 + rank1) == sorted(single["shards"][0])
    # Gradients were synchronised: parameters are identical on both ranks after the steps.
    assert dist["params"][0] == dist["params"][1]
    # Same global batch, same loss (the mean over every supervised token of the step), step after step.
    assert dist["losses"] == pytest.approx(single["losses"], rel=1e-4)
    # Only rank 0 wrote a report.
    assert (two / "validation-rank0" / "report.json").is_file()
    assert not (two / "validation-rank1").exists()


def test_ranks_with_different_micro_batch_counts_stay_in_step(build_dir: Path, tmp_path: Path) -> None:
    """A token budget can give the ranks different numbers of accumulation passes in a step; each still
    makes one synchronising backward, so training matches one process."""
    two, one = tmp_path / "two", tmp_path / "one"
    _run([sys.executable, "-m", "torch.distributed.run", "--nproc-per-node", "2", "--master-port", "29534",
          str(WORKER), str(build_dir), str(two), "4", "1400"])  # fmt: skip
    _run([sys.executable, str(WORKER), str(build_dir), str(one), "8"])
    dist, single = json.loads((two / "train.json").read_text()), json.loads((one / "train.json").read_text())
    rank0, rank1 = dist["micro_batches"]
    assert rank0 != rank1, (rank0, rank1)  # uneven passes happened
    assert dist["params"][0] == dist["params"][1]
    assert dist["losses"] == pytest.approx(single["losses"], rel=1e-4)


def test_sharded_eval_is_gathered_in_order_on_rank_zero(tmp_path: Path) -> None:
    """Each rank decodes its share of the prompts; rank 0 gets every completion back in prompt order."""
    worker = Path(__file__).with_name("unshard_worker.py")
    _run([sys.executable, "-m", "torch.distributed.run", "--nproc-per-node", "2", "--master-port", "29535",
          str(worker), str(tmp_path)])  # fmt: skip
    rank0 = json.loads((tmp_path / "rank0.json").read_text())
    rank1 = json.loads((tmp_path / "rank1.json").read_text())
    assert rank0["world"] == rank1["world"] == 2
    assert [item for item, _ in rank0["gathered"]] == [f"prompt-{i}" for i in range(11)]
    # Both ranks decoded: an uneven split (6 and 5), alternating in prompt order.
    assert [rank for _, rank in rank0["gathered"]] == [i % 2 for i in range(11)]
    assert rank1["gathered"] is None  # only rank 0 scores and writes
