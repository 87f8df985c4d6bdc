"""Decoding strategies (SafeChain): how much the teacher thinks.

- normal: the model thinks as it likes.
- zerothink: the assistant turn is pre-filled with an empty thought, so the model answers at once.
- lessthink: pre-filled with a one-sentence thought that is already closed.
- morethink: each time the model closes its thought, the closing tag is dropped, a cue ("Wait,") is
  appended, and the model continues from there, up to `rounds` times or until the thought reaches its
  word budget. Every round is its own cached request (the prefill is part of the key), so a resumed
  build replays finished rounds for free.

Pre-filling needs an engine that continues an assistant turn: transformers and vllm render the prompt
locally; the openai engine uses `continue_final_message` (vLLM / SGLang servers) or `/v1/completions`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from safedata.engines.base import Teacher, TeacherReply, TeacherRequest
from safedata.schemas.teacher import MoreThink

ZEROTHINK = "<think>\n\n</think>\n\n"
LESSTHINK = "<think>\nI understand the request well enough to answer it directly.\n</think>\n\n"

PREFILLS = {"normal": "", "zerothink": ZEROTHINK, "lessthink": LESSTHINK, "morethink": ""}


def reopen(reasoning: str, cue: str) -> str:
    """The prefill that continues a closed thought: the thought so far, its closing tag dropped, a cue."""
    return f"<think>\n{reasoning.strip()}\n\n{cue}"


def run_decoding(
    teacher: Teacher,
    requests: list[TeacherRequest],
    decoding: str,
    more: MoreThink,
    on_reply: Callable[[int, TeacherReply], None] | None = None,
) -> list[TeacherReply]:
    replies = teacher.generate(requests, on_reply)
    if decoding != "morethink":
        return replies
    for round_ in range(more.rounds):
        again = [
            i
            for i, r in enumerate(replies)
            if r.ok and not r.truncated and len(r.reasoning.split()) < more.thought_tokens
        ]
        if not again:
            break
        cue = more.cues[round_ % len(more.cues)]
        follow = [replace(requests[i], prefill=reopen(replies[i].reasoning, cue)) for i in again]
        for i, reply in zip(again, teacher.generate(follow), strict=True):
            prev = replies[i]
            # A failed round fails the sample (it is retried next run); usage adds up over the rounds.
            replies[i] = reply.absorb(prev)
            reply.extra["morethink_rounds"] = prev.extra.get("morethink_rounds", 0) + 1
    return replies
