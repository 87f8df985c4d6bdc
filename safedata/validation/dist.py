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
    opened: bool = False  # this setup() call opened the process group, so its caller closes it (teardown)

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
    opened = world > 1 and not torch.distributed.is_initialized()
    if opened:
        torch.distributed.init_process_group("nccl" if cuda else "gloo")
    return Dist(rank, world, device, opened)


def teardown(d: Dist) -> None:
    """Wait for every rank, then close the process group if `d`'s setup() opened it. A rank that exits with
    the group still open can abort a peer still inside gloo ("terminate called without an active
    exception")."""
    if d.world > 1:
        import torch

        torch.distributed.barrier()
        if d.opened:
            torch.distributed.destroy_process_group()


def gather(d: Dist, items: list[Any]) -> list[Any]:
    """Concatenate every rank's list on all ranks (rank order)."""
    if d.world == 1:
        return items
    import torch

    parts: list[Any] = [None] * d.world
    torch.distributed.all_gather_object(parts, items)
    return [x for part in parts for x in part]


def shard(d: Dist, items: list[Any]) -> list[Any]:
    """This rank's share of `items`: every world-th item, starting at its rank."""
    return items[d.rank :: d.world]


def unshard(d: Dist, mine: list[Any]) -> list[Any] | None:
    """Every rank's `shard` back in the original order, on rank 0; None on the other ranks."""
    if d.world == 1:
        return mine
    import torch

    parts: list[Any] | None = [None] * d.world if d.main else None
    torch.distributed.gather_object(mine, parts, dst=0)
    if parts is None:
        return None
    # Item i went to rank i % world, at position i // world.
    return [part[i] for i in range(max(len(p) for p in parts)) for part in parts if i < len(part)]
