"""`type: hf` — anything `datasets.load_dataset` accepts: a Hub id, a local folder, or `json`/`csv`/`parquet`
with `data_files`."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from safedata.errors import SafedataError, first_line
from safedata.schemas.sources import HFSource


def read_hf(spec: HFSource) -> Iterator[tuple[int, dict[str, Any] | str]]:
    import datasets

    datasets.disable_progress_bars()
    try:
        ds = datasets.load_dataset(
            spec.path, spec.name, split=spec.split, revision=spec.revision, data_files=spec.data_files
        )
    except Exception as e:  # datasets raises many types; the user needs the message, not the stack
        raise SafedataError(f"cannot load hf dataset {spec.path!r}: {first_line(e)}") from None
    yield from enumerate(ds, 1)


def default_id(spec: HFSource) -> str:
    return spec.path if not spec.name else f"{spec.path}/{spec.name}"
