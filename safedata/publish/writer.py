"""Write records as a Hub-style parquet dataset: data/<config>/<split>-XXXXX-of-YYYYY-<hash>.parquet.

Configs: `default` (the whole mix, every kind and variant), `prompt_completion` (the same rows in TRL's
conversational prompt/completion form: loss on the answer under any chat template), and one per variant.
Splits: `train` and, when the recipe holds prompts out (`output.test_size`), `test`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from safedata.publish.columns import prompt_completion, record_rows, to_table
from safedata.publish.splits import in_test_split
from safedata.schemas.record import Record

DEFAULT = "default"
PROMPT_COMPLETION = "prompt_completion"
RESERVED = (DEFAULT, PROMPT_COMPLETION)


def _scrubbed(value: Any, scrub: Callable[[str], str]) -> Any:
    if isinstance(value, str):
        return scrub(value)
    if isinstance(value, list):
        return [_scrubbed(v, scrub) for v in value]
    if isinstance(value, dict):
        return {k: _scrubbed(v, scrub) for k, v in value.items()}
    return value


def _write_split(table: Any, folder: Path, split: str, shard_rows: int, root: Path) -> list[str]:
    import pyarrow.parquet as pq

    folder.mkdir(parents=True, exist_ok=True)
    n_shards = max(1, -(-table.num_rows // shard_rows))
    paths = []
    for k in range(n_shards):
        tmp = folder / f".{split}-{k:05d}.tmp"
        pq.write_table(table.slice(k * shard_rows, shard_rows), tmp)
        # A content hash in the name: `load_dataset(folder, config)` caches by file names, so a rebuild
        # into the same folder would otherwise load the previous build's rows from its cache.
        digest = hashlib.sha256(tmp.read_bytes()).hexdigest()[:10]
        path = folder / f"{split}-{k:05d}-of-{n_shards:05d}-{digest}.parquet"
        tmp.rename(path)
        paths.append(path.relative_to(root).as_posix())
    return paths


def write_configs(
    records: list[Record],
    out_dir: Path,
    shard_rows: int,
    *,
    test_size: float = 0.0,
    seed: int = 0,
    scrub: Callable[[str], str] | None = None,
) -> dict[str, dict[str, list[str]]]:
    """Write every config's splits under out_dir/data; return config -> split -> shard paths (relative)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    rows = record_rows(records)
    if scrub is not None:  # a secret that reached a record (an ${ENV} in a source id, say) stays out
        rows = [_scrubbed(row, scrub) for row in rows]
    table = to_table(rows)
    in_test = pa.array(in_test_split(records, test_size, seed), pa.bool_())
    configs = {DEFAULT: table, PROMPT_COMPLETION: prompt_completion(table)}
    for variant in sorted(set(table.column("variant").to_pylist()) - set(RESERVED)):
        configs[variant] = table.filter(pc.equal(table.column("variant"), variant))
    files: dict[str, dict[str, list[str]]] = {}
    for name, config in configs.items():
        is_test = in_test if name in RESERVED else in_test.filter(pc.equal(table.column("variant"), name))
        files[name] = {}
        for split in ("train", "test"):
            mask = pc.invert(is_test) if split == "train" else is_test
            part = config.filter(mask)
            if part.num_rows or split == "train":
                files[name][split] = _write_split(part, out_dir / "data" / name, split, shard_rows, out_dir)
    return files


def write_config(
    rows: list[dict[str, Any]],
    out_dir: Path,
    config: str,
    shard_rows: int,
    scrub: Callable[[str], str] | None = None,
) -> dict[str, list[str]]:
    """A config of other rows than records (the preference pairs) as data/<config>/train-*.parquet; returns
    split -> shard paths (relative to out_dir), the shape `write_configs` gives each config."""
    import pyarrow as pa

    if scrub is not None:
        rows = [_scrubbed(row, scrub) for row in rows]
    table = pa.Table.from_pylist(rows)
    return {"train": _write_split(table, out_dir / "data" / config, "train", shard_rows, out_dir)}
