"""Raw teacher output -> TeacherReply. Applied when a reply is read (fresh or from the cache), so changing
how we parse never invalidates a paid response: the cache stores only what the server sent."""

from __future__ import annotations

from typing import Any

from safedata.builders.teachers.base import TeacherReply
from safedata.text import split_think


def raw_from_choice(choice: dict[str, Any]) -> dict[str, Any]:
    """The fields we keep from one OpenAI-style choice, chat or completion. The thought may sit in
    `reasoning_content` (DeepSeek API, older vLLM) or `reasoning` (newer vLLM), or inline in the content."""
    message = choice.get("message") or {}
    content = message.get("content") if message else choice.get("text")
    reasoning = message.get("reasoning_content") or message.get("reasoning")
    return {
        "content": content or "",
        "reasoning": reasoning or None,
        "finish_reason": choice.get("finish_reason") or "",
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
