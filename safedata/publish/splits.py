"""The seeded `test` split, held out by prompt: every sample and variant of a prompt lands on one side."""

from __future__ import annotations

import hashlib

from safedata.schemas.record import Record


def prompt_key(r: Record) -> str:
    """What makes rows "the same prompt": a jailbreak-wrapped row belongs with its plain request."""
    return r.attack.original_request if r.attack is not None else r.prompt


def in_test_split(records: list[Record], share: float, seed: int) -> list[bool]:
    """Per record: in the test split? Whole prompt groups, in seeded hash order, until `share` of the rows.

    Hash order (not a shuffle of the list) keeps a prompt's side stable when other prompts come or go.
    At least one group stays in train, and a non-zero share holds out at least one group.
    """
    if share <= 0 or not records:
        return [False] * len(records)
    sizes: dict[str, int] = {}
    for r in records:
        sizes[prompt_key(r)] = sizes.get(prompt_key(r), 0) + 1
    order = sorted(sizes, key=lambda k: hashlib.sha256(f"{seed}\x1f{k}".encode()).hexdigest())
    want, held, test = share * len(records), 0, set()
    for key in order[:-1]:
        if held >= want:
            break
        test.add(key)
        held += sizes[key]
    return [prompt_key(r) in test for r in records]
