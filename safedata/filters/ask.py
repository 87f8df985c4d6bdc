"""Send judge prompts through any teacher engine and parse the replies, re-asking once on a bad reply.

A retry appends the bad reply and a correction to the conversation, so it is a new request (a request cache
would otherwise hand back the same bad reply).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from safedata.engines.base import Teacher, TeacherReply, TeacherRequest
from safedata.text import split_think

T = TypeVar("T")


class ParseError(ValueError):
    """The judge's reply does not have the expected shape; the message says what is wrong."""


@dataclass
class Answer(Generic[T]):
    value: T | None  # None when the judge never gave a usable reply
    raw: str
    error: str | None = None


def reply_text(reply: TeacherReply) -> str:
    """The final answer of a judge reply (a reasoning judge thinks first; only its answer is parsed)."""
    if reply.answer:
        return reply.answer
    return split_think(reply.text).answer


def ask_all(
    teacher: Teacher,
    prompts: Sequence[str | list[dict[str, str]]],
    parse: Callable[[str], T],
    correction: str,
    retries: int = 1,
    **params: Any,
) -> list[Answer[T]]:
    """One parsed answer per prompt (a user turn, or a whole conversation), in order."""
    convs = [[{"role": "user", "content": p}] if isinstance(p, str) else list(p) for p in prompts]
    out: list[Answer[T]] = [Answer(None, "", "not asked") for _ in prompts]
    pending = list(range(len(prompts)))
    for _ in range(retries + 1):
        if not pending:
            break
        replies = teacher.generate([TeacherRequest.chat(convs[i], **params) for i in pending])
        retry = []
        for i, reply in zip(pending, replies, strict=True):
            if not reply.ok:
                out[i] = Answer(None, reply.text, f"request failed: {reply.error}")
                continue
            text = reply_text(reply)
            try:
                out[i] = Answer(parse(text), text)
            except ParseError as e:
                out[i] = Answer(None, text, f"unparseable reply: {e}")
                convs[i] = [
                    *convs[i],
                    {"role": "assistant", "content": text},
                    {"role": "user", "content": f"That reply could not be used ({e}). {correction}"},
                ]
                retry.append(i)
        pending = retry
    return out
