"""What every engine does around the model call: look a request up in the cache, record its reply (raw,
usage, status) the moment it arrives, parse it, and keep the counters the progress bar and report show."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from safedata.engines.base import ABORTED, TeacherReply, TeacherRequest
from safedata.engines.cache import CachedReply, RequestCache
from safedata.engines.parse import parse_raw, split_usage
from safedata.text import unencodable


@dataclass
class EngineStats:
    sent: int = 0  # requests that reached the model (retries not counted)
    done: int = 0  # replies available: fresh or cached
    cached: int = 0
    failed: int = 0  # failed for good in this run (stored as errors; retried next run)
    retries: int = 0
    in_flight: int = 0
    input_tokens: int = 0  # fresh requests only: what this run paid for
    output_tokens: int = 0
    started: float = field(default_factory=time.perf_counter)

    def tokens_per_s(self) -> float:
        elapsed = time.perf_counter() - self.started
        return self.output_tokens / elapsed if elapsed > 0 else 0.0

    def line(self) -> str:
        return (
            f"done {self.done} · in flight {self.in_flight} · failed {self.failed} · cached {self.cached}"
            f" · {self.tokens_per_s():,.0f} tok/s"
        )


def _unwanted_abort(req: TeacherRequest, raw: dict[str, Any]) -> bool:
    """A reply cut short by streaming moderation answers only a moderated request; asked again without
    moderation, the request is sent in full."""
    return raw.get("finish_reason") == ABORTED and not req.moderate


def _usable(req: TeacherRequest, hit: CachedReply | None) -> bool:
    """A cached row that answers `req` (not a failure to send again, not an unwanted abort)."""
    return hit is not None and hit.ok and hit.raw is not None and not _unwanted_abort(req, hit.raw)


class ReplyBook:
    def __init__(self, engine: str, model: str, cache: RequestCache | None) -> None:
        self.engine, self.model, self.cache = engine, model, cache
        self.stats = EngineStats()

    def key(self, req: TeacherRequest) -> str:
        return req.key(self.engine, self.model)

    def lookup(self, req: TeacherRequest) -> TeacherReply | None:
        """A finished reply from an earlier run, or None (absent, or failed before: send it again)."""
        return self.lookup_many([req])[0]

    def lookup_many(self, reqs: list[TeacherRequest]) -> list[TeacherReply | None]:
        if self.cache is None:
            return [None] * len(reqs)
        keys = [self.key(r) for r in reqs]
        hits = self.cache.get_many(keys)
        out: list[TeacherReply | None] = []
        for req, key in zip(reqs, keys, strict=True):
            hit = hits.get(key)
            if not _usable(req, hit):
                out.append(None)
                continue
            assert hit is not None and hit.raw is not None
            reply = self._parsed(req, hit.raw, hit.input_tokens, hit.output_tokens)
            reply.cached = True
            self.stats.cached += 1
            self.stats.done += 1
            out.append(reply)
        return out

    def missing(self, reqs: Sequence[TeacherRequest]) -> list[int]:
        """Indices of `reqs` with no usable cached reply (what would be sent); counts nothing in stats."""
        if self.cache is None:
            return list(range(len(reqs)))
        keys = [self.key(r) for r in reqs]
        hits = self.cache.get_many(keys)
        return [i for i, (r, k) in enumerate(zip(reqs, keys, strict=True)) if not _usable(r, hits.get(k))]

    def from_cache(
        self, reqs: Sequence[TeacherRequest], on_reply: Callable[[int, TeacherReply], None] | None
    ) -> tuple[list[TeacherReply | None], list[int]]:
        """One slot per request, cached replies already in place (each reported to `on_reply`), and the
        indices still to send: every engine's first step, in one pass so nothing delays the first request."""
        replies: list[TeacherReply | None] = [None] * len(reqs)
        missing = []
        for i, hit in enumerate(self.lookup_many(list(reqs))):
            if hit is None:
                missing.append(i)
                continue
            replies[i] = hit
            if on_reply is not None:
                on_reply(i, hit)
        return replies, missing

    def flush(self) -> None:
        """Every reply recorded so far is on disk (engines call this before returning)."""
        if self.cache is not None:
            self.cache.flush()

    def record(
        self, req: TeacherRequest, raw: dict[str, Any], usage: tuple[int, int], attempts: int = 1
    ) -> TeacherReply:
        if self.cache is not None:
            self.cache.put_ok(self.key(req), self.engine, self.model, raw, usage)
        self.stats.done += 1
        self.stats.input_tokens += usage[0]
        self.stats.output_tokens += usage[1]
        reply = self._parsed(req, raw, *usage)
        reply.attempts = attempts
        if not reply.ok:
            self.stats.failed += 1
        return reply

    def record_error(self, req: TeacherRequest, error: str, attempts: int = 1) -> TeacherReply:
        if self.cache is not None:
            self.cache.put_error(self.key(req), self.engine, self.model, error)
        self.stats.failed += 1
        return TeacherReply(error=error, attempts=attempts)

    @staticmethod
    def _parsed(
        req: TeacherRequest, raw: dict[str, Any], input_tokens: int, output_tokens: int
    ) -> TeacherReply:
        try:
            reply = parse_raw(raw, req.prefill)
        except Exception:  # noqa: BLE001 - a reply we cannot read (a malformed body, a parser bug)
            # Failed for this build, never re-sent: the paid reply stays in the cache for a fixed parser.
            return TeacherReply(error="ParseError", input_tokens=input_tokens, output_tokens=output_tokens)
        reply.input_tokens, reply.output_tokens = input_tokens, output_tokens
        if unencodable(reply.text) is not None:
            # A lone surrogate (a broken escape from the server) cannot be written to any output file. The
            # paid reply stays in the cache; the row is dropped as failed and listed, not sent again.
            reply.error = "UnencodableReply"
        reply.thought_tokens, reply.answer_tokens = split_usage(raw, req.prefill, output_tokens)
        if reply.aborted:
            reply.extra["aborted"] = raw.get("aborted") or {}
        if raw.get("moderated"):
            reply.extra["moderated"] = True
        return reply
