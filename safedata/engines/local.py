"""What the in-process engines (transformers, vllm) share: prompt rendering with an assistant-turn prefill,
and a batched generate loop that checks the cache first and records each chunk as soon as it is done."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from safedata.engines.base import TeacherReply, TeacherRequest, teacher_info
from safedata.engines.book import ReplyBook
from safedata.engines.cache import CACHE_FILE, RequestCache


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


class LocalEngine:
    """Subclasses give `engine`, `_load_llm()` (a distilabel LLM with `generate` and `prepare_input`) and
    `_generation_kwargs(params)`."""

    engine = ""

    def __init__(self, spec: Any, cache_dir: Path | None) -> None:
        self.spec = spec
        self.info = teacher_info(self.engine, spec)
        cache = RequestCache(cache_dir / CACHE_FILE) if cache_dir else None
        self.book = ReplyBook(self.engine, spec.model, cache)
        self.llm: Any = None
        self.batch_size = 8

    def _load_llm(self) -> Any:
        raise NotImplementedError

    def _generation_kwargs(self, params: dict[str, Any]) -> dict[str, Any]:
        raise NotImplementedError

    def generate(
        self, requests: Sequence[TeacherRequest], on_reply: Callable[[int, TeacherReply], None] | None = None
    ) -> list[TeacherReply]:
        replies, missing = self.book.from_cache(requests, on_reply)
        todo: dict[tuple[Any, ...], list[int]] = defaultdict(list)  # requests sharing sampling params
        for i in missing:
            todo[requests[i].params].append(i)
        try:
            self._generate_missing(requests, todo, replies, on_reply)
        finally:
            self.book.flush()
        return [r for r in replies if r is not None]

    def _generate_missing(
        self,
        requests: Sequence[TeacherRequest],
        todo: dict[tuple[Any, ...], list[int]],
        replies: list[TeacherReply | None],
        on_reply: Callable[[int, TeacherReply], None] | None,
    ) -> None:
        for params, idx in todo.items():
            kwargs = self._generation_kwargs(dict(params))
            for start in range(0, len(idx), self.batch_size):
                chunk = idx[start : start + self.batch_size]
                if self.llm is None:
                    self.llm = self._load_llm()
                self.book.stats.sent += len(chunk)
                chats = [chat_input(requests[i]) for i in chunk]
                outputs = self.llm.generate(chats, **kwargs)
                for i, chat, out in zip(chunk, chats, outputs, strict=True):
                    n_in, n_out = out["statistics"]["input_tokens"][0], out["statistics"]["output_tokens"][0]
                    raw = {
                        "content": out["generations"][0] or "",
                        "reasoning": None,
                        "finish_reason": "length" if n_out >= kwargs["max_new_tokens"] else "stop",
                        "in_thought": opens_thought(self.llm.prepare_input(chat)),
                    }
                    replies[i] = reply = self.book.record(requests[i], raw, (n_in, n_out))
                    if on_reply:
                        on_reply(i, reply)
