"""What every teacher engine (openai-compatible, vllm, transformers) offers the rest of safedata.

Builders (generation variants) and filters (LLM judges, regeneration) only use this interface; engines
implement it by subclassing `engine.Engine`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from safedata.schemas.record import TeacherInfo
from safedata.schemas.teacher import TeacherBase

# finish_reason of a request cancelled by streaming thought moderation (stored in the cache like any reply,
# so a resumed build does not send it again).
ABORTED = "aborted_unsafe_thought"

# Bump when the way a request is rendered changes, so cached replies of the old rendering are not reused.
PROMPT_TEMPLATE_VERSION = 1


@dataclass(frozen=True)
class TeacherRequest:
    messages: tuple[tuple[str, str], ...]  # (role, content) pairs
    params: tuple[tuple[str, Any], ...] = ()  # sampling params, sorted
    prefill: str = ""  # assistant-turn prefix the model must continue (ZeroThink / LessThink)
    sample: int = 0  # which of K samples: part of the key (K draws are K requests), never sent
    # Watch the thought as it streams and cancel at the first unsafe segment (engines that stream). Not in
    # the key: a finished reply is the same reply either way, and its thought is checked when it is read.
    moderate: bool = False

    @classmethod
    def chat(
        cls,
        messages: Sequence[dict[str, str]],
        prefill: str = "",
        sample: int = 0,
        moderate: bool = False,
        **params: Any,
    ) -> TeacherRequest:
        return cls(
            messages=tuple((m["role"], m["content"]) for m in messages),
            params=tuple(sorted((k, v) for k, v in params.items() if v is not None)),
            prefill=prefill,
            sample=sample,
            moderate=moderate,
        )

    @property
    def sampling(self) -> dict[str, Any]:
        return dict(self.params)

    @property
    def approx_prompt_tokens(self) -> int:
        """~4 characters a token: enough for rate pacing and cost ceilings, no tokenizer needed."""
        return sum(len(c) for _, c in self.messages) // 4

    def as_messages(self) -> list[dict[str, str]]:
        return [{"role": r, "content": c} for r, c in self.messages]

    def key(self, engine: str, model: str) -> str:
        """Cache key: everything that changes what the teacher is asked, nothing about how we parse it."""
        payload = {
            "engine": engine,
            "model": model,
            "messages": self.messages,
            "params": self.params,
            "prefill": self.prefill,
            "sample": self.sample,
            "template_version": PROMPT_TEMPLATE_VERSION,
        }
        return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


@dataclass
class TeacherReply:
    text: str = ""  # raw assistant text as returned (thought re-wrapped in <think> when sent separately)
    reasoning: str = ""
    answer: str = ""
    truncated: bool = False  # the thought never closed (length cut)
    input_tokens: int = 0
    output_tokens: int = 0
    # output_tokens split into thought and answer: the API's reasoning-token count where it gives one,
    # else in proportion to the approximate tokens of each generated part (see parse.split_usage).
    thought_tokens: int = 0
    answer_tokens: int = 0
    cached: bool = False
    error: str | None = None  # error class when the request failed for good
    attempts: int = 0  # requests sent for it in this run (0: read from the cache)
    finish_reason: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def aborted(self) -> bool:
        """Cancelled mid-stream because the thought turned unsafe (streaming moderation)."""
        return self.finish_reason == ABORTED

    def absorb(self, earlier: TeacherReply) -> TeacherReply:
        """This reply continues or replaces `earlier` (a MoreThink round, a retry, a closed thought): the
        tokens of both were paid, so they add up."""
        self.input_tokens += earlier.input_tokens
        self.output_tokens += earlier.output_tokens
        self.thought_tokens += earlier.thought_tokens
        self.answer_tokens += earlier.answer_tokens
        self.cached = self.cached and earlier.cached
        return self


class Teacher(Protocol):
    info: TeacherInfo

    def generate(
        self,
        requests: Sequence[TeacherRequest],
        on_reply: Callable[[int, TeacherReply], None] | None = None,
    ) -> list[TeacherReply]:
        """One reply per request, in order; `on_reply(index, reply)` fires as each one finishes."""
        ...

    def close(self) -> None:
        """Release connections, threads and the model (engines are also context managers)."""
        ...


def teacher_info(engine: str, spec: TeacherBase) -> TeacherInfo:
    """What each record says about the teacher that wrote it."""
    return TeacherInfo(
        engine=engine,
        model=spec.model,
        params=spec.sampling.params(),
        guidelines=spec.guidelines,
        decoding=spec.decoding,
    )
