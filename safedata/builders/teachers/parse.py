"""Raw teacher output -> TeacherReply. Applied when a reply is read (fresh or from the cache), so changing
how we parse never invalidates a paid response: the cache stores only what the server sent."""

from __future__ import annotations

from typing import Any

from safedata.builders.teachers.base import TeacherReply
from safedata.text import split_think


def raw_from_message(message: Any, finish_reason: str | None) -> dict[str, Any]:
    """The fields we keep from an OpenAI-style choice (the reasoning may sit in either of two fields)."""
    extra = getattr(message, "model_extra", None) or {}
    reasoning = getattr(message, "reasoning_content", None) or extra.get("reasoning_content")
    reasoning = reasoning or getattr(message, "reasoning", None) or extra.get("reasoning")
    return {
        "content": getattr(message, "content", None) or "",
        "reasoning": reasoning or None,
        "finish_reason": finish_reason or "",
    }


def full_text(raw: dict[str, Any], prefill: str = "") -> str:
    """The whole assistant turn: pre-filled prefix + what came back, thought re-wrapped in <think>."""
    content = raw.get("content") or ""
    reasoning = raw.get("reasoning")
    if reasoning:
        closed = bool(content.strip()) or raw.get("finish_reason") != "length"
        return f"<think>\n{reasoning.strip()}\n" + (f"</think>\n\n{content.strip()}" if closed else "")
    # In-process engines see the rendered prompt: `in_thought` says the chat template itself opened the
    # thought (R1-Distill), so the generated text starts inside it.
    return (prefill or ("<think>\n" if raw.get("in_thought") else "")) + content


def parse_raw(raw: dict[str, Any], prefill: str = "") -> TeacherReply:
    text = full_text(raw, prefill)
    finish = raw.get("finish_reason") or ""
    if "<think>" not in text and "</think>" not in text and finish == "length":
        # An R1 model whose template pre-fills <think> starts inside its thought: a cut with no tag at all
        # is a thought that never ended, not an answer.
        reasoning, answer, closed = text.strip(), "", False
    else:
        trace = split_think(text)
        reasoning, answer, closed = trace.reasoning, trace.answer, trace.closed
    return TeacherReply(
        text=text, reasoning=reasoning, answer=answer, truncated=not closed, finish_reason=finish
    )
