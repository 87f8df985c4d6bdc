"""The values of a recipe's `${VAR}`s on their way to Ray actors, as two halves that mean nothing alone.

Ray writes every actor's runtime environment, environment variables included, in plain text to a log on each
node (`runtime_env_agent.log`), and keeps actor arguments in its control and object stores. So each value
travels as a random pad through the runtime environment and as value XOR pad among the actor's arguments: a
log, or a dump of Ray's stores, holds one half only. The actor joins them back into its own environment, where
the recipe's `${VAR}`s are resolved as in a local build.
"""

from __future__ import annotations

import os

PAD = "SAFEDATA_PAD_"


def _xor(a: bytes, b: bytes) -> bytes:
    return bytes(x ^ y for x, y in zip(a, b, strict=True))


def split(values: dict[str, str]) -> tuple[dict[str, str], dict[str, str]]:
    """The pads (environment variables for the actor's runtime environment) and the masked values (for its
    arguments), both by variable name."""
    pads, masked = {}, {}
    for name, value in values.items():
        data = value.encode()
        pad = os.urandom(len(data))
        pads[PAD + name], masked[name] = pad.hex(), _xor(data, pad).hex()
    return pads, masked


def restore(masked: dict[str, str]) -> None:
    """In the actor: each variable back into this process's environment, from its pad and masked value."""
    for name, half in masked.items():
        os.environ[name] = _xor(bytes.fromhex(half), bytes.fromhex(os.environ[PAD + name])).decode()
