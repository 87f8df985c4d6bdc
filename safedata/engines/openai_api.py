"""`openai` engine: any OpenAI-compatible endpoint (DeepSeek API, `vllm serve`, SGLang, OpenRouter, OpenAI).

`R1OpenAILLM` is a distilabel `AsyncLLM`, so it drops into a distilabel `TextGeneration` step, but it does
not inherit distilabel's batch barrier: every request goes through one semaphore of `max_concurrency`, so a
finished request is replaced at once instead of waiting for the slowest of its batch (distilabel's stock
`OpenAILLM` was 3-7x slower against a 200 ms endpoint; bench/RESULTS.md). It also keeps the thought
(`reasoning_content` / `reasoning`, which stock `OpenAILLM` drops), retries with exponential backoff that
honours `Retry-After`, and records every reply in the request cache as it arrives, so a killed build
re-sends only what had not come back."""

from __future__ import annotations

import asyncio
import json
import random
import time
from collections import deque
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import aiohttp
from distilabel.models.llms.base import AsyncLLM
from distilabel.models.llms.utils import prepare_output
from pydantic import Field, PrivateAttr, SecretStr

from safedata.engines.base import TeacherReply, TeacherRequest, teacher_info
from safedata.engines.book import ReplyBook
from safedata.engines.cache import CACHE_FILE, RequestCache
from safedata.engines.local import chat_input, render
from safedata.engines.parse import raw_from_choice, take_usage
from safedata.engines.stream import read_events
from safedata.schemas.teacher import OpenAITeacher
from safedata.secrets import reveal

if TYPE_CHECKING:
    from distilabel.typing import FormattedInput, GenerateOutput

# Status codes worth another try; any other 4xx means the request itself is wrong.
_RETRY_STATUS = {408, 409, 425, 429, 500, 502, 503, 504, 520, 522, 524, 529}
_MAX_WAIT_S = 60.0


class _Pacer:
    """Spaces request starts so at most `per_minute` units go out per minute (requests or tokens)."""

    def __init__(self, per_minute: int | None) -> None:
        self.per_minute, self._next = per_minute, 0.0
        self._lock = asyncio.Lock()

    async def wait(self, units: float = 1.0) -> None:
        if not self.per_minute:
            return
        async with self._lock:
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


class R1OpenAILLM(AsyncLLM):
    model: str
    base_url: str
    api_key: SecretStr | None = Field(default=None, exclude=True)  # never serialised into pipeline.yaml
    max_concurrency: int = 64
    requests_per_minute: int | None = None
    tokens_per_minute: int | None = None
    timeout_s: float = 600.0
    max_retries: int = 5
    backoff_s: float = 1.0
    prefill_mode: str = "continue_final_message"
    tokenizer: str | None = None
    cache_path: str | None = None  # sqlite request cache; None = no cache
    sampling: dict[str, Any] = Field(default_factory=dict)  # defaults for requests made by `agenerate`

    _client: Any = PrivateAttr(default=None)
    _sem: asyncio.Semaphore | None = PrivateAttr(default=None)
    _pacers: tuple[_Pacer, _Pacer] | None = PrivateAttr(default=None)
    _book: ReplyBook | None = PrivateAttr(default=None)
    _template: Any = PrivateAttr(default=None)
    # Streaming moderation: prompt -> a ThoughtMonitor (filters/stream_monitor.py); None = never stream.
    _monitor: Any = PrivateAttr(default=None)

    @property
    def model_name(self) -> str:
        return self.model

    @property
    def book(self) -> ReplyBook:
        if self._book is None:
            cache = RequestCache(Path(self.cache_path)) if self.cache_path else None
            self._book = ReplyBook("openai", self.model, cache)
        return self._book

    def load(self) -> None:
        super().load()
        self._sem = asyncio.Semaphore(self.max_concurrency)
        self._pacers = (_Pacer(self.requests_per_minute), _Pacer(self.tokens_per_minute))
        if self.prefill_mode == "completions" and self.tokenizer:
            from transformers import AutoTokenizer

            self._template = AutoTokenizer.from_pretrained(self.tokenizer)

    async def _session(self) -> Any:
        """One aiohttp session per run, its pool as large as the concurrency: no request waits for a socket.

        Plain aiohttp rather than the `openai` SDK: the SDK spent ~6 ms of CPU per request here (payload
        transforms, httpx pool bookkeeping), which capped a 2-core box at about half of the 64 / 200 ms
        bound; the wire format is small and stable (see bench/RESULTS.md).
        """
        if self._client is None or self._client.closed:
            self._client = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self.max_concurrency),
                timeout=aiohttp.ClientTimeout(total=self.timeout_s),
                headers={"Authorization": f"Bearer {reveal(self.api_key) or 'none'}"},
            )
        return self._client

    # -- one request ------------------------------------------------------------------------------
    async def arequest(self, req: TeacherRequest, look_up: bool = True) -> TeacherReply:
        """The reply to one request: from the cache, or sent (with retries) and cached on arrival.

        Only sending is retried: the reply is recorded and parsed after the loop, so a reply that arrived is
        paid for once, and a bug on our side surfaces instead of re-sending the request."""
        cached = self.book.lookup(req) if look_up else None
        if cached is not None:
            return cached
        stats = self.book.stats
        stats.sent += 1
        error, attempt = "unknown", 0
        for attempt in range(1, self.max_retries + 2):
            try:
                raw, usage = await self._send(req)
            except _SEND_ERRORS as e:
                status = getattr(e, "status_code", None)
                error = f"HTTP{status}" if status else type(e).__name__
                if status is not None and status not in _RETRY_STATUS or attempt > self.max_retries:
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
        return min(self.backoff_s * 2**attempt, _MAX_WAIT_S) * random.uniform(0.8, 1.2)

    async def _send(self, req: TeacherRequest) -> tuple[dict[str, Any], tuple[int, int]]:
        assert self._sem is not None and self._pacers is not None, "call load() first"
        params = req.sampling
        await self._pacers[0].wait()
        await self._pacers[1].wait(params.get("max_tokens", 1024) + req.approx_prompt_tokens)
        if req.prefill and self.prefill_mode == "completions":
            path, payload = "/completions", {"model": self.model, "prompt": self.render_prompt(req), **params}
        else:
            path, payload = "/chat/completions", {"model": self.model, **self.chat_payload(req), **params}
        session = await self._session()
        stats = self.book.stats
        stream = req.moderate and self._monitor is not None
        if stream:
            payload |= {"stream": True, "stream_options": {"include_usage": True}}
        async with self._sem:
            stats.in_flight += 1
            try:
                async with session.post(self.base_url.rstrip("/") + path, json=payload) as resp:
                    if resp.status >= 400:
                        raise HTTPError(resp.status, resp.headers.get("Retry-After"))
                    if stream:
                        monitor = self._monitor(req.messages[-1][1])  # type: ignore[misc]
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
    def run_requests(
        self, requests: Sequence[TeacherRequest], on_reply: Callable[[int, TeacherReply], None] | None = None
    ) -> list[TeacherReply]:
        replies, missing = self.book.from_cache(requests, on_reply)
        todo = deque(missing)

        def done(i: int, reply: TeacherReply) -> None:
            replies[i] = reply
            if on_reply is not None:
                on_reply(i, reply)

        async def worker() -> None:
            while todo:
                i = todo.popleft()
                done(i, await self.arequest(requests[i], look_up=False))

        async def all_() -> None:
            # Twice as many workers as slots: one sleeping in a retry backoff leaves no slot idle.
            tasks = [asyncio.ensure_future(worker()) for _ in range(min(2 * self.max_concurrency, len(todo)))]
            try:
                await asyncio.gather(*tasks)
            finally:  # one worker's error (e.g. the cache cannot be written) stops the others
                for task in tasks:
                    task.cancel()
                await asyncio.gather(*tasks, return_exceptions=True)
                if self._client is not None:
                    await self._client.close()

        try:
            self.event_loop.run_until_complete(all_())
        finally:
            self.book.flush()
        return [r for r in replies if r is not None]

    # -- distilabel's interface (so the engine also runs inside a distilabel TextGeneration step) ---
    async def agenerate(  # type: ignore[override]
        self,
        input: FormattedInput,
        num_generations: int = 1,
        max_new_tokens: int | None = None,
        temperature: float | None = None,
        top_p: float | None = None,
    ) -> GenerateOutput:
        """Generate `num_generations` completions for one chat (distilabel calls this per input row).

        Args:
            input: the chat messages.
            num_generations: samples to draw; each is its own request (not every API honours `n`).
            max_new_tokens: cap on generated tokens.
            temperature: sampling temperature.
            top_p: nucleus sampling.
        """
        given = {"max_tokens": max_new_tokens, "temperature": temperature, "top_p": top_p}
        params = {**self.sampling, **{k: v for k, v in given.items() if v is not None}}
        reqs = [TeacherRequest.chat(input, sample=i, **params) for i in range(num_generations)]  # type: ignore[arg-type]
        replies = await asyncio.gather(*(self.arequest(r) for r in reqs))
        return prepare_output(
            generations=[r.text if r.ok else None for r in replies],
            input_tokens=[sum(r.input_tokens for r in replies)],
            output_tokens=[r.output_tokens for r in replies],
        )


class OpenAIEngine:
    """The `Teacher` for the `openai` engine."""

    def __init__(self, spec: OpenAITeacher, cache_dir: Path | None) -> None:
        self.info = teacher_info("openai", spec)
        self.llm = R1OpenAILLM(
            model=spec.model,
            base_url=spec.base_url,
            api_key=spec.api_key,
            max_concurrency=spec.max_concurrency,
            requests_per_minute=spec.requests_per_minute,
            tokens_per_minute=spec.tokens_per_minute,
            timeout_s=spec.timeout_s,
            max_retries=spec.max_retries,
            backoff_s=spec.backoff_s,
            prefill_mode=spec.prefill,
            tokenizer=spec.tokenizer,
            cache_path=str(cache_dir / CACHE_FILE) if cache_dir else None,
            sampling=spec.sampling.params(),
        )
        if spec.moderate_stream is not None:
            from safedata.filters.stream_monitor import monitor_factory

            self.llm._monitor = monitor_factory(spec.moderate_stream.backend)
        self._loaded = False

    @property
    def book(self) -> ReplyBook:
        return self.llm.book

    def generate(
        self, requests: Sequence[TeacherRequest], on_reply: Callable[[int, TeacherReply], None] | None = None
    ) -> list[TeacherReply]:
        if not self._loaded:
            self.llm.load()
            self._loaded = True
        return self.llm.run_requests(requests, on_reply)
