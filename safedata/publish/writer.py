"""Write records as a Hub-style parquet dataset: data/<variant>/train-XXXXX-of-YYYYY.parquet."""

from __future__ import annotations

import hashlib
import shutil
from collections import defaultdict
from collections.abc import Callable, Iterable
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
    records: Iterable[Record], out_dir: Path, shard_rows: int, scrub: Callable[[str], str] | None = None
) -> dict[str, list[str]]:
    """Replace data/ with one config per variant; return variant -> shard paths (relative).

    Streams: at most one shard of rows per variant is held; shards keep the rows' order.
    """
    import datasets

    datasets.disable_progress_bars()  # our own progress is on stderr; theirs would interleave with it

    data_dir = out_dir / "data"
    if data_dir.exists():
        shutil.rmtree(data_dir)  # a rebuild must not leave shards of variants that are gone
    pending: dict[str, list[dict[str, Any]]] = defaultdict(list)
    written: dict[str, list[Path]] = defaultdict(list)

    def flush(variant: str) -> None:
        rows = pending.pop(variant)
        vdir = data_dir / variant
        vdir.mkdir(parents=True, exist_ok=True)
        tmp = vdir / f".train-{len(written[variant]):05d}.tmp"
        datasets.Dataset.from_list(rows).to_parquet(str(tmp))
        written[variant].append(tmp)

    for r in records:
        variant = r.variant or "none"
        row = to_row(r)
        if scrub is not None:  # a secret that reached a record (an ${ENV} in a source id, say) stays out
            row = _scrubbed(row, scrub)
        pending[variant].append(row)
        if len(pending[variant]) >= shard_rows:
            flush(variant)
    for variant in list(pending):
        flush(variant)
    files: dict[str, list[str]] = {}
    for variant, tmps in sorted(written.items()):
        files[variant] = []
        for k, tmp in enumerate(tmps):
            # A content hash in the name: `load_dataset(folder, config)` caches by file names, so a rebuild
            # into the same folder would otherwise load the previous build's rows from its cache.
            digest = hashlib.sha256(tmp.read_bytes()).hexdigest()[:10]
            path = tmp.parent / f"train-{k:05d}-of-{len(tmps):05d}-{digest}.parquet"
            tmp.rename(path)
            files[variant].append(str(path.relative_to(out_dir)))
    return files
