"""Data-parallel plumbing: the same code runs alone or under `torchrun --nproc-per-node N`."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Dist:
    rank: int = 0
    world: int = 1
    device: str = "cpu"

    @property
    def main(self) -> bool:
        return self.rank == 0  # only rank 0 writes files and prints


def setup() -> Dist:
    """Reads torchrun's environment; NCCL on GPUs, gloo on CPU."""
    import torch

    world = int(os.environ.get("WORLD_SIZE", "1"))
    rank = int(os.environ.get("RANK", "0"))
    local = int(os.environ.get("LOCAL_RANK", "0"))
    cuda = torch.cuda.is_available()
    device = f"cuda:{local}" if cuda else "cpu"
    if cuda:
        torch.cuda.set_device(local)
    if world > 1 and not torch.distributed.is_initialized():
        torch.distributed.init_process_group("nccl" if cuda else "gloo")
    return Dist(rank, world, device)


def gather(d: Dist, items: list[Any]) -> list[Any]:
    """Concatenate every rank's list on all ranks (rank order)."""
    if d.world == 1:
        return items
    import torch

    parts: list[Any] = [None] * d.world
    torch.distributed.all_gather_object(parts, items)
    return [x for part in parts for x in part]


def barrier(d: Dist) -> None:
    if d.world > 1:
        import torch

        torch.distributed.barrier()
