"""Reading an OpenAI-style server-sent-event stream, with the thought checked as it grows.

The `openai` engine streams only moderated requests (`teacher.moderate_stream`, harmful prompts): each
`data:` event carries a delta of the thought (`reasoning_content` / `reasoning`, or inline content before
`</think>`) or of the answer. Thought pieces go to the request's `ThoughtMonitor`; at its first flag the
stream is abandoned (the caller closes the connection, which is how a client cancels a generation) and the
reply is recorded as `aborted_unsafe_thought` with the segment. Its usage is what had arrived: one token per
content-bearing event (vLLM, SGLang and the OpenAI and DeepSeek APIs send one token per event), the prompt
estimated (the server's usage comes only at the end of a stream).
"""

from __future__ import annotations

import json
from typing import Any

from safedata.engines.base import ABORTED, TeacherRequest
from safedata.engines.parse import take_usage

_CLOSE = "</think>"


class _Thought:
    """Which pieces of the stream belong to the thought, fed to the monitor until the thought ends."""

    def __init__(self, monitor: Any) -> None:
        self.monitor = monitor
        self.open = True
        self.flag: Any = None
        self._tail = ""  # the last characters of inline content: `</think>` may span two events

    def reasoning(self, piece: str) -> None:
        if self.open and self.monitor is not None:
            self.flag = self.monitor.feed(piece)

    def content(self, piece: str, separate_reasoning: bool) -> None:
        if not self.open:
            return
        if separate_reasoning:  # the first answer token: the thought is over
            self.end()
            return
        seen = self._tail + piece
        self._tail = seen[-len(_CLOSE) :]
        head, closed, _ = seen.partition(_CLOSE)
        if self.monitor is not None:
            self.flag = self.monitor.feed(head[len(seen) - len(piece) :] if closed else piece)
        if closed and self.flag is None:
            self.end()

    def end(self) -> None:
        if self.open and self.monitor is not None and self.flag is None:
            self.flag = self.monitor.finish()
        self.open = False


async def read_events(resp: Any, req: TeacherRequest, monitor: Any) -> tuple[dict[str, Any], tuple[int, int]]:
    """The raw reply and usage of a streamed chat or completion (see module doc); `monitor` may be None."""
    reasoning: list[str] = []
    content: list[str] = []
    finish, usage, tokens = "", None, 0
    thought = _Thought(monitor)
    async for line in resp.content:
        if not line.startswith(b"data:"):
            continue
        data = line[5:].strip()
        if data == b"[DONE]":
            break
        event = json.loads(data)
        usage = event.get("usage") or usage
        for choice in event.get("choices") or []:
            delta = choice.get("delta") or {}
            r_piece = delta.get("reasoning_content") or delta.get("reasoning")
            c_piece = delta.get("content") or choice.get("text")
            if r_piece:
                tokens += 1
                reasoning.append(r_piece)
                thought.reasoning(r_piece)
            if c_piece:
                tokens += 1
                content.append(c_piece)
                thought.content(c_piece, bool(reasoning))
            finish = choice.get("finish_reason") or finish
        if thought.flag is not None:
            break
    thought.end()  # a thought that never closed (length cut) is checked to its last sentence
    if thought.flag is not None:
        text = "".join(reasoning) or "".join(content).replace("<think>", "").split(_CLOSE)[0]
        flag = thought.flag
        aborted = {"pattern": flag.pattern, "segment": flag.segment, "tokens": tokens}
        raw = {"content": "", "reasoning": text.strip(), "finish_reason": ABORTED, "aborted": aborted}
        return raw, (req.approx_prompt_tokens, tokens)
    raw = {"content": "".join(content), "reasoning": "".join(reasoning) or None, "finish_reason": finish}
    if monitor is not None:
        raw["moderated"] = True  # its thought passed the monitor: not checked again when read
    if usage is None:
        return raw, (req.approx_prompt_tokens, tokens)
    return raw, take_usage(raw, usage)
