"""Raw teacher output -> TeacherReply. Applied when a reply is read (fresh or from the cache), so changing
how we parse never invalidates a paid response: the cache stores only what the server sent."""

from __future__ import annotations

from typing import Any

from safedata.engines.base import TeacherReply
from safedata.text import approx_tokens, split_think


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


def generated_parts(raw: dict[str, Any], prefill: str = "") -> tuple[str, str]:
    """(thought, answer) of what the model generated, the pre-filled prefix left out (it was not paid
    for as output): a separate reasoning field, else the content split at `</think>`."""
    content = raw.get("content") or ""
    if raw.get("reasoning"):
        return raw["reasoning"], content
    head, closed, tail = content.partition("</think>")
    if closed:
        return head, tail
    # No closing tag: still inside a thought when one was opened (by the text, the prefill or the template)
    # or when the length limit cut it; otherwise it is all answer (a pre-closed thought, a plain reply).
    opened = prefill.rfind("<think>") > prefill.rfind("</think>")
    cut = raw.get("finish_reason") == "length"
    in_thought = "<think>" in content or opened or raw.get("in_thought") or cut
    return (content, "") if in_thought else ("", content)


def split_usage(raw: dict[str, Any], prefill: str, output_tokens: int) -> tuple[int, int]:
    """output_tokens as (thought, answer): the API's `reasoning_tokens` when it sent one (kept in the raw
    reply), else in proportion to the approximate tokens (words and punctuation) of each generated part:
    the teacher's own tokenizer is usually not at hand (an API model), and the proportion is what matters."""
    thought_text, answer_text = generated_parts(raw, prefill)
    reported = raw.get("reasoning_tokens")
    # Some servers send the field as 0 for every reply; a zero next to a written thought is not a count.
    counted = isinstance(reported, int) and 0 <= reported <= output_tokens
    if counted and (reported or not thought_text.strip()):
        return reported, output_tokens - reported
    thought, answer = approx_tokens(thought_text), approx_tokens(answer_text)
    if thought + answer == 0:
        return 0, output_tokens
    share = round(output_tokens * thought / (thought + answer))
    return share, output_tokens - share


def take_usage(raw: dict[str, Any], usage: dict[str, Any] | None) -> tuple[int, int]:
    """(prompt, completion) tokens of an OpenAI-style `usage`; its reasoning-token count, where the API
    gives one (`completion_tokens_details.reasoning_tokens`), goes into `raw` so the cache keeps it."""
    usage = usage or {}
    details = usage.get("completion_tokens_details") or {}
    if isinstance(details, dict) and isinstance(details.get("reasoning_tokens"), int):
        raw["reasoning_tokens"] = details["reasoning_tokens"]
    return usage.get("prompt_tokens") or 0, usage.get("completion_tokens") or 0
