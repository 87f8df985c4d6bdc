"""The writer's row-id digests compare across processes that were not forked from one another."""

from __future__ import annotations

import os
import subprocess
import sys

from safedata.publish.writer import _id_hash

_CHILD = "from safedata.publish.writer import _id_hash; print(_id_hash('row-7f3a'), hash('row-7f3a'))"


def test_id_hash_is_the_same_in_every_interpreter() -> None:
    seen = set()
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        out = subprocess.run(
            [sys.executable, "-c", _CHILD], env=env, capture_output=True, text=True, check=True
        )
        digest, salted = out.stdout.split()
        assert int(digest) == _id_hash("row-7f3a")
        seen.add(salted)
    assert len(seen) == 2  # Python's own str hash differs between the two: the reason for the digest
