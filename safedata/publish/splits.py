"""The seeded `test` split, held out by prompt: every sample and variant of a prompt lands on one side."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from safedata.schemas.record import Record


def prompt_key(r: Record) -> str:
    """What makes rows "the same prompt": a jailbreak-wrapped row belongs with its plain request."""
    return r.attack.original_request if r.attack is not None else r.prompt


def group_hash(r: Record, seed: int) -> int:
    """The row's prompt group as a seeded 64-bit hash (the head of a sha256): groups are held out in this
    hash order, and the writer keeps one integer per row, not the prompt's text, while it streams."""
    digest = hashlib.sha256(f"{seed}\x1f{prompt_key(r)}".encode()).digest()
    return int.from_bytes(digest[:8], "big")


def test_groups(hashes: Sequence[int], share: float) -> set[int]:
    """The groups (by `group_hash`) in the test split: whole groups, in hash order, until `share` of the rows.

    Hash order (not a shuffle of the list) keeps a prompt's side stable when other prompts come or go.
    At least one group stays in train, and a non-zero share holds out at least one group.
    """
    import numpy as np

    if share <= 0 or not len(hashes):
        return set()
    groups, sizes = np.unique(np.asarray(hashes, dtype=np.uint64), return_counts=True)  # sorted by hash
    want, held, test = share * len(hashes), 0, set()
    for group, size in zip(groups[:-1].tolist(), sizes[:-1].tolist(), strict=True):
        if held >= want:
            break
        test.add(group)
        held += size
    return test


def in_test_split(records: list[Record], share: float, seed: int) -> list[bool]:
    """Per record: in the test split?"""
    hashes = [group_hash(r, seed) for r in records]
    test = test_groups(hashes, share)
    return [h in test for h in hashes]
