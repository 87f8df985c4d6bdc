"""What the in-process engines (transformers, vllm) share: prompt rendering with an assistant-turn prefill,
and a batched send loop (requests grouped by sampling settings) that records each chunk as soon as it is
done. The cache was looked up before (`Engine.generate`); the model loads on the first request sent, so a
fully cached build never loads it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from safedata.engines.base import TeacherRequest
from safedata.engines.engine import Engine, OnReply, Requests, Slots, chunks, deliver


def join_prefill(head: str, prefill: str) -> str:
    """Append a prefill to a rendered prompt, without doubling a `<think>` the template already opened."""
    opener = "<think>\n"
    if prefill.startswith(opener) and head.rstrip().endswith("<think>"):
        return head.rstrip() + "\n" + prefill[len(opener) :]
    return head + prefill


def render(tokenizer: Any, chat: list[dict[str, str]]) -> str:
    """The prompt text; a chat whose last turn is the assistant's is a prefill the model continues."""
    if chat and chat[-1]["role"] == "assistant":
        head = tokenizer.apply_chat_template(chat[:-1], tokenize=False, add_generation_prompt=True)
        return join_prefill(head, chat[-1]["content"])
    return tokenizer.apply_chat_template(chat, tokenize=False, add_generation_prompt=True)


def chat_input(req: TeacherRequest) -> list[dict[str, str]]:
    messages = req.as_messages()
    return [*messages, {"role": "assistant", "content": req.prefill}] if req.prefill else messages


def opens_thought(prompt: str) -> bool:
    """Does the rendered prompt end inside an open `<think>` (so generation starts in the thought)?"""
    return prompt.rfind("<think>") > prompt.rfind("</think>")


@dataclass
class Generated:
    """One completion of an in-process model: the new text and its token counts."""

    text: str
    input_tokens: int
    output_tokens: int
    finished: bool  # ended by the model (end of sequence), not by max_tokens


class LocalEngine(Engine):
    """Subclasses give `engine`, `_load()` (load the model; return its tokenizer, for the chat template) and
    `_complete(prompts, params) -> list[Generated]`, and free the model in `_release`."""

    batch_size = 8
    _tokenizer: Any = None  # set by the first `_send` (the model loads with it)

    def _load(self) -> Any:
        raise NotImplementedError

    def _complete(self, prompts: list[str], params: dict[str, Any]) -> list[Generated]:
        raise NotImplementedError

    def _send(self, requests: Requests, indices: list[int], replies: Slots, on_reply: OnReply | None) -> None:
        if self._tokenizer is None:
            self._tokenizer = self._load()
        for params, chunk in chunks(requests, indices, self.batch_size):
            self.book.stats.sent += len(chunk)
            prompts = [render(self._tokenizer, chat_input(requests[i])) for i in chunk]
            for i, prompt, out in zip(chunk, prompts, self._complete(prompts, params), strict=True):
                raw = {
                    "content": out.text,
                    "reasoning": None,
                    "finish_reason": "stop" if out.finished else "length",
                    "in_thought": opens_thought(prompt),
                }
                reply = self.book.record(requests[i], raw, (out.input_tokens, out.output_tokens))
                deliver(replies, on_reply, i, reply)
