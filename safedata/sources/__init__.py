"""Prompt sources. Adding one: a reader module, its schema in schemas/sources.py, one line below."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from safedata.sources import file, hf, seeds

Reader = Callable[[Any], Iterator[tuple[int, dict[str, Any] | str]]]

# type -> (reader, default source id)
READERS: dict[str, tuple[Reader, Callable[[Any], str]]] = {
    "file": (file.read_file, file.default_id),
    "hf": (hf.read_hf, hf.default_id),
    "seeds": (seeds.read_seeds, seeds.default_id),
}
