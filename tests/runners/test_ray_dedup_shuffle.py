"""Dedup's bucketing as a hash shuffle on the private Ray cluster: the same edges as on the driver, and a
Ray build with `dedup_shuffle: cluster` writes what a local build writes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from safedata.dedup import shuffle
from safedata.dedup.exact import star_edges
from tests.runners.test_block_equality import dedup_against_recipe, removed_against_and_duplicates
from tests.runners.test_ray_runner import same_on_ray

ray = pytest.importorskip("ray")


def test_shuffled_buckets_equal_the_drivers(ray_cluster: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Keys with many repeats, in several map chunks and partitions: the edges found on the cluster are the
    driver's, for one-word keys (band keys) and two-word keys (exact digests)."""
    monkeypatch.setattr(shuffle, "CHUNK_ROWS", 97)
    rng = np.random.default_rng(0)
    one = rng.integers(0, 40, size=1000).astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15)
    two = rng.integers(0, 3, size=(1000, 2)).astype(np.uint64)
    ray.init(address=ray_cluster, include_dashboard=False, log_to_driver=False, configure_logging=False)
    try:
        buckets = shuffle.RayBuckets(ray, 3, 0)
        for keys in (one, two, one[:1]):
            got = buckets(keys)
            want = star_edges(keys)
            assert sorted(map(tuple, got.tolist())) == sorted(map(tuple, want.tolist()))
        assert buckets.shuffles == 3
        assert len(shuffle.RayBuckets(ray, 3, 10_000)(one)) == len(star_edges(one))  # below min_rows: local
    finally:
        ray.shutdown()


def test_dedup_on_the_cluster_equals_local(
    ray_cluster: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Exact and MinHash dedup against an earlier output, duplicates across blocks of 7 rows, bucketed on
    the cluster: shards, report, card and clusters file equal the local build's."""
    used: list[shuffle.RayBuckets] = []
    made = shuffle.ray_buckets

    def noted(*args: Any) -> shuffle.RayBuckets | None:
        used.append(made(*args))  # type: ignore[arg-type]
        return used[-1]

    monkeypatch.setattr(shuffle, "ray_buckets", noted)
    recipe = {**dedup_against_recipe(tmp_path), "runner": {"dedup_shuffle": "cluster"}}
    whole = same_on_ray(recipe, tmp_path, ray_cluster, blocks=(7,))
    assert removed_against_and_duplicates(whole)
    assert used and used[0].shuffles > 0, "dedup did not shuffle on the cluster"
