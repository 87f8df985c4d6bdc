"""`openai` engine: any OpenAI-compatible endpoint (DeepSeek API, `vllm serve`, SGLang, OpenRouter, OpenAI).

Every request goes through one semaphore of `max_concurrency`, so a finished request is replaced at once
instead of waiting for the slowest of a batch (distilabel's stock `OpenAILLM`, which waits per batch, was
3-7x slower against a 200 ms endpoint; bench/RESULTS.md). It keeps the thought (`reasoning_content` /
`reasoning`, which stock `OpenAILLM` drops), retries with exponential backoff that honours `Retry-After`,
and records every reply in the request cache as it arrives, so a killed build re-sends only what had not
come back. Its event loop and connection pool live only while it sends: between calls and after `close()`
nothing is left open. (As a distilabel LLM: `safedata.engines.distilabel_llm`.)"""

from __future__ import annotations

import asyncio
import json
import random
import threading
import time
from collections import deque
from pathlib import Path
from typing import Any

import aiohttp

from safedata.engines.base import TeacherReply, TeacherRequest
from safedata.engines.cache import RequestCache
from safedata.engines.engine import Engine, OnReply, Requests, Slots, deliver
from safedata.engines.local import chat_input, render
from safedata.engines.parse import raw_from_choice, take_usage
from safedata.engines.stream import read_events
from safedata.schemas.teacher import OpenAITeacher
from safedata.secrets import reveal

# Status codes worth another try; any other 4xx means the request itself is wrong.
_RETRY_STATUS = {408, 409, 425, 429, 500, 502, 503, 504, 520, 522, 524, 529}
_MAX_WAIT_S = 60.0


class _Pacer:
    """Spaces request starts so at most `per_minute` units go out per minute (requests or tokens). It
    outlives a `generate` call, so a build's blocks share one pace, and a build's engines on one endpoint
    share one pacer (`share_limits`); they may run on other threads' event loops, hence the lock (held
    only to take a slot, never across an await)."""

    def __init__(self, per_minute: int | None) -> None:
        self.per_minute, self._next = per_minute, 0.0
        self._lock = threading.Lock()

    def tighten(self, per_minute: int | None) -> None:
        if per_minute and (not self.per_minute or per_minute < self.per_minute):
            self.per_minute = per_minute

    async def wait(self, units: float = 1.0) -> None:
        if not self.per_minute:
            return
        with self._lock:
            now = time.monotonic()
            start = max(now, self._next)
            self._next = start + units * 60.0 / self.per_minute
        if start > now:
            await asyncio.sleep(start - now)


class HTTPError(Exception):
    """A non-2xx reply; its class name in the cache reads `HTTP429`, `HTTP500`, ..."""

    def __init__(self, status: int, retry_after: str | None) -> None:
        super().__init__(f"HTTP {status}")
        self.status_code, self.retry_after = status, retry_after


class EmptyReply(Exception):
    """A 200 with no usable body (keep-alive noise, an empty choices list): retried like a 5xx."""


# What a request can meet on the way (HTTP status, network, timeout, unusable body); anything else is a bug
# here, which must not be retried (and re-paid) as if the server had failed.
_SEND_ERRORS = (HTTPError, EmptyReply, aiohttp.ClientError, TimeoutError, OSError)


class OpenAIEngine(Engine):
    """The `Teacher` for the `openai` engine."""

    engine = "openai"

    def __init__(self, spec: OpenAITeacher, cache: Path | RequestCache | None) -> None:
        super().__init__(spec, cache)
        self.spec: OpenAITeacher = spec
        self.base_url = spec.base_url.rstrip("/")
        self._template: Any = None
        if spec.prefill == "completions" and spec.tokenizer:
            from transformers import AutoTokenizer

            self._template = AutoTokenizer.from_pretrained(spec.tokenizer)
        # Made per `generate` call, on its own event loop, and gone when it returns.
        self._client: Any = None
        self._sem: asyncio.Semaphore | None = None
        self._pacers = (_Pacer(spec.requests_per_minute), _Pacer(spec.tokens_per_minute))

    def share_limits(self, shared: dict[Any, Any]) -> None:
        """Pace with the build's other engines on this endpoint (model and URL): a limit belongs to the
        account, so two specs that differ only in sampling share it, at the tightest either gives."""
        common = shared.setdefault((self.engine, self.spec.model, self.base_url), self._pacers)
        for own, pacer in zip(self._pacers, common, strict=True):
            pacer.tighten(own.per_minute)
        self._pacers = common

    def _session(self) -> Any:
        """One aiohttp session per call, its pool as large as the concurrency: no request waits for a socket.

        Plain aiohttp rather than the `openai` SDK: the SDK spent ~6 ms of CPU per request here (payload
        transforms, httpx pool bookkeeping), which capped a 2-core box at about half of the 64 / 200 ms
        bound; the wire format is small and stable (see bench/RESULTS.md).
        """
        if self._client is None:
            self._client = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self.spec.max_concurrency),
                timeout=aiohttp.ClientTimeout(total=self.spec.timeout_s),
                headers={"Authorization": f"Bearer {reveal(self.spec.api_key) or 'none'}"},
            )
        return self._client

    # -- one request ------------------------------------------------------------------------------
    async def arequest(self, req: TeacherRequest) -> TeacherReply:
        """The reply to one request (not in the cache), sent with retries and cached on arrival.

        Only sending is retried: the reply is recorded and parsed after the loop, so a reply that arrived is
        paid for once, and a bug on our side surfaces instead of re-sending the request."""
        stats = self.book.stats
        stats.sent += 1
        error, attempt = "unknown", 0
        for attempt in range(1, self.spec.max_retries + 2):
            try:
                raw, usage = await self._send_one(req)
            except _SEND_ERRORS as e:
                status = getattr(e, "status_code", None)
                error = f"HTTP{status}" if status else type(e).__name__
                if status is not None and status not in _RETRY_STATUS or attempt > self.spec.max_retries:
                    break
                stats.retries += 1
                await asyncio.sleep(self._wait_s(e, attempt - 1))
                continue
            return self.book.record(req, raw, usage, attempts=attempt)
        return self.book.record_error(req, error, attempts=attempt)

    def _wait_s(self, error: Exception, attempt: int) -> float:
        header = getattr(error, "retry_after", None)
        if header:
            try:
                return min(float(header), _MAX_WAIT_S)
            except ValueError:
                pass  # an HTTP date: fall back to our own backoff
        return min(self.spec.backoff_s * 2**attempt, _MAX_WAIT_S) * random.uniform(0.8, 1.2)

    async def _send_one(self, req: TeacherRequest) -> tuple[dict[str, Any], tuple[int, int]]:
        assert self._sem is not None, "only called inside `_send`"
        params = req.sampling
        await self._pacers[0].wait()
        await self._pacers[1].wait(params.get("max_tokens", 1024) + req.approx_prompt_tokens)
        model = self.spec.model
        if req.prefill and self.spec.prefill == "completions":
            path, payload = "/completions", {"model": model, "prompt": self.render_prompt(req), **params}
        else:
            path, payload = "/chat/completions", {"model": model, **self.chat_payload(req), **params}
        session = self._session()
        stats = self.book.stats
        stream = req.moderate and self.monitor is not None
        if stream:
            payload |= {"stream": True, "stream_options": {"include_usage": True}}
        async with self._sem:
            stats.in_flight += 1
            try:
                async with session.post(self.base_url + path, json=payload) as resp:
                    if resp.status >= 400:
                        raise HTTPError(resp.status, resp.headers.get("Retry-After"))
                    if stream:
                        monitor = self.monitor(req.messages[-1][1])
                        raw, usage = await read_events(resp, req, monitor)
                        resp.close()  # a stream left early is cancelled by dropping its connection
                        if not raw["content"] and not raw["reasoning"]:
                            raise EmptyReply("the stream carried neither content nor reasoning")
                        return raw, usage
                    body = await resp.read()
            finally:
                stats.in_flight -= 1
        try:
            data = json.loads(body)
        except ValueError:
            raise EmptyReply("the body is not JSON (empty, or keep-alive noise)") from None
        choices = data.get("choices") if isinstance(data, dict) else None
        if not choices:
            raise EmptyReply("no choices in the reply")
        raw = raw_from_choice(choices[0])
        if not raw["content"] and not raw["reasoning"]:
            raise EmptyReply("reply has neither content nor reasoning")
        return raw, take_usage(raw, data.get("usage"))

    def chat_payload(self, req: TeacherRequest) -> dict[str, Any]:
        """Messages (and vLLM's continuation flags when the assistant turn is pre-filled)."""
        payload: dict[str, Any] = {"messages": chat_input(req)}
        if req.prefill:
            payload |= {"continue_final_message": True, "add_generation_prompt": False}
        return payload

    def render_prompt(self, req: TeacherRequest) -> str:
        """Chat template applied locally, then the prefill (for `/v1/completions`)."""
        return render(self._template, chat_input(req))

    # -- many requests ----------------------------------------------------------------------------
    def _send(self, requests: Requests, indices: list[int], replies: Slots, on_reply: OnReply | None) -> None:
        todo = deque(indices)

        async def worker() -> None:
            while todo:
                i = todo.popleft()
                deliver(replies, on_reply, i, await self.arequest(requests[i]))

        async def all_() -> None:
            spec = self.spec
            self._sem = asyncio.Semaphore(spec.max_concurrency)
            # Twice as many workers as slots: one sleeping in a retry backoff leaves no slot idle.
            tasks = [asyncio.ensure_future(worker()) for _ in range(min(2 * spec.max_concurrency, len(todo)))]
            try:
                await asyncio.gather(*tasks)
            finally:  # one worker's error (e.g. the cache cannot be written) stops the others
                for task in tasks:
                    task.cancel()
                await asyncio.gather(*tasks, return_exceptions=True)
                if self._client is not None:
                    await self._client.close()
                    self._client = None

        # A fresh loop per call, closed after it (asyncio.run): no loop, task or connection outlives a call.
        # On Ctrl-C it cancels the requests in flight (their `finally` closes the pool) before raising.
        asyncio.run(all_())
