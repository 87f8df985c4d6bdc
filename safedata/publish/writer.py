"""Write records as a Hub-style parquet dataset: data/<variant>/train-XXXXX-of-YYYYY.parquet."""

from __future__ import annotations

import hashlib
import shutil
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

from safedata.publish.columns import to_row
from safedata.schemas.record import Record


def _scrubbed(value: Any, scrub: Callable[[str], str]) -> Any:
    if isinstance(value, str):
        return scrub(value)
    if isinstance(value, list):
        return [_scrubbed(v, scrub) for v in value]
    if isinstance(value, dict):
        return {k: _scrubbed(v, scrub) for k, v in value.items()}
    return value


def write_variants(
    records: list[Record], out_dir: Path, shard_rows: int, scrub: Callable[[str], str] | None = None
) -> dict[str, list[str]]:
    """Replace data/ with one config per variant; return variant -> shard paths (relative)."""
    import datasets

    datasets.disable_progress_bars()  # our own progress is on stderr; theirs would interleave with it

    by_variant: dict[str, list[Record]] = defaultdict(list)
    for r in records:
        by_variant[r.variant or "none"].append(r)
    data_dir = out_dir / "data"
    if data_dir.exists():
        shutil.rmtree(data_dir)  # a rebuild must not leave shards of variants that are gone
    return {
        variant: write_config([to_row(r) for r in recs], out_dir, variant, shard_rows, scrub)
        for variant, recs in sorted(by_variant.items())
    }


def write_config(
    rows: list[dict[str, Any]],
    out_dir: Path,
    config: str,
    shard_rows: int,
    scrub: Callable[[str], str] | None = None,
) -> list[str]:
    """Write rows as data/<config>/train-*.parquet; return the shard paths (relative to out_dir)."""
    import datasets

    vdir = out_dir / "data" / config
    vdir.mkdir(parents=True)
    n_shards = max(1, -(-len(rows) // shard_rows))
    files = []
    for k in range(n_shards):
        chunk = rows[k * shard_rows : (k + 1) * shard_rows]
        tmp = vdir / f".train-{k:05d}.tmp"
        if scrub is not None:  # a secret that reached a record (an ${ENV} in a source id, say) stays out
            chunk = [_scrubbed(row, scrub) for row in chunk]
        datasets.Dataset.from_list(chunk).to_parquet(str(tmp))
        # A content hash in the name: `load_dataset(folder, config)` caches by file names, so a rebuild
        # into the same folder would otherwise load the previous build's rows from its cache.
        digest = hashlib.sha256(tmp.read_bytes()).hexdigest()[:10]
        path = vdir / f"train-{k:05d}-of-{n_shards:05d}-{digest}.parquet"
        tmp.rename(path)
        files.append(str(path.relative_to(out_dir)))
    return files
