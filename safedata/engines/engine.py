"""The base every engine subclasses: the request cache is looked up before anything is sent, replies are
recorded as they arrive, and `close()` (or leaving a `with` block) releases what the engine holds.

A subclass gives `engine` (its registry name) and `_send(requests, indices, replies, on_reply)`, which
fills `replies[i]` for each index through `self.book.record` / `record_error`; it may override `_release`
to free its own resources (a connection pool, an event loop, a model)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from safedata.engines.base import TeacherReply, TeacherRequest, teacher_info
from safedata.engines.book import ReplyBook
from safedata.engines.cache import RequestCache, open_cache

OnReply = Callable[[int, TeacherReply], None]
Requests = Sequence[TeacherRequest]
Slots = list[TeacherReply | None]  # one per request; `_send` fills the ones it is given


class Engine:
    engine = ""

    def __init__(self, spec: Any, cache: Path | RequestCache | None) -> None:
        """`cache`: a build's shared request cache, a folder to open one in (this engine then owns and
        closes it), or None (no cache)."""
        self.spec = spec
        self.info = teacher_info(self.engine, spec)
        self._owns_cache = isinstance(cache, Path)
        store = open_cache(cache) if isinstance(cache, Path) else cache
        self.book = ReplyBook(self.engine, spec.model, store)
        self.closed = False
        # Streaming moderation: prompt -> a thought monitor, handed in by the stage that asks for it
        # (builders/moderation.py: `watched_teacher`); None = never stream. Engines that cannot stream
        # ignore it.
        self.monitor: Callable[[str], Any] | None = None

    def generate(
        self, requests: Sequence[TeacherRequest], on_reply: OnReply | None = None
    ) -> list[TeacherReply]:
        """One reply per request, in order; `on_reply(index, reply)` fires as each one is available. Cached
        replies come from the cache (looked up first, in one pass); only the others are sent."""
        if self.closed:
            raise RuntimeError(f"the {self.engine} engine was closed")
        replies, missing = self.book.from_cache(requests, on_reply)
        try:
            if missing:
                self._send(requests, missing, replies, on_reply)
        finally:
            self.book.flush()
        return [r for r in replies if r is not None]

    def share_limits(self, shared: dict[Any, Any]) -> None:
        """Join the build's other engines on the same endpoint under one rate limit (`shared`: the build's
        pacers by endpoint). Engines without rate limits have nothing to share."""

    def missing(self, requests: Sequence[TeacherRequest]) -> list[int]:
        """Indices of the `requests` that `generate` would send (the rest are cached): dry-run counts."""
        return self.book.missing(requests)

    def _send(self, requests: Requests, indices: list[int], replies: Slots, on_reply: OnReply | None) -> None:
        raise NotImplementedError

    def _release(self) -> None:
        """Free what the engine itself holds (connections, event loop, model)."""

    def close(self) -> None:
        """Release the engine and, if it opened it, its request cache (idempotent)."""
        if self.closed:
            return
        self.closed = True
        try:
            self._release()
        finally:
            if self._owns_cache and self.book.cache is not None:
                self.book.cache.close()

    def __enter__(self) -> Engine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def deliver(
    replies: list[TeacherReply | None], on_reply: OnReply | None, i: int, reply: TeacherReply
) -> None:
    """Put a reply in its slot and report it."""
    replies[i] = reply
    if on_reply is not None:
        on_reply(i, reply)


def chunks(requests: Requests, indices: list[int], size: int) -> Iterator[tuple[dict[str, Any], list[int]]]:
    """`indices` grouped by their requests' sampling params (a batch shares one setting), in chunks of
    `size`: (params, chunk)."""
    groups: dict[tuple[Any, ...], list[int]] = defaultdict(list)
    for i in indices:
        groups[requests[i].params].append(i)
    for params, idx in groups.items():
        for start in range(0, len(idx), size):
            yield dict(params), idx[start : start + size]
