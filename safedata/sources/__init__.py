"""Prompt sources. Adding a source type: its file (a reader, a default id and its options model, a subclass
of `schemas.sources.SourceBase`), its test, and one line in safedata/registry.py."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

from safedata.registry import SOURCES, resolve

Reader = Callable[[Any], Iterator[tuple[int, dict[str, Any] | str]]]


class _Readers(Mapping[str, tuple[Reader, Callable[[Any], str]]]):
    """type -> (reader, default source id), read from the registry when asked (plugins included)."""

    def __getitem__(self, name: str) -> tuple[Reader, Callable[[Any], str]]:
        entry = SOURCES[name]
        # Without a default id of its own, a source is named by its type.
        return entry.load(), resolve(entry.default_id) if entry.default_id else lambda spec: name

    def __iter__(self) -> Iterator[str]:
        return iter(SOURCES)

    def __len__(self) -> int:
        return len(SOURCES.names())


READERS: Mapping[str, tuple[Reader, Callable[[Any], str]]] = _Readers()
