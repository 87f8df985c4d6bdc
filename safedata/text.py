"""Parsing of reasoning traces and worked solutions, shared by sources, teachers and filters."""

from __future__ import annotations

import re
from dataclasses import dataclass


def unencodable(text: str) -> int | None:
    """Where `text` cannot be written as UTF-8 (a lone surrogate, which JSON readers accept), or None."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as e:
        return e.start
    return None


# An approximate token: a word or a punctuation mark (no tokenizer needed; used where only proportions or
# plot shapes matter).
TOKEN = r"\w+|[^\w\s]"
_TOKEN_RE = re.compile(TOKEN)

_OPEN = "<think>"
_CLOSE = "</think>"


@dataclass(frozen=True)
class Trace:
    reasoning: str
    answer: str
    closed: bool  # False when the thought never ended (a length cut): the answer is then empty


def approx_tokens(text: str) -> int:
    return len(_TOKEN_RE.findall(text))


def split_think(text: str) -> Trace:
    """Split `<think>…</think>answer`.

    Handles the R1-Distill case where the chat template pre-fills `<think>` so the text starts inside
    the thought and only `</think>` appears. Text with no tags at all is an answer with no thought.
    """
    has_open, has_close = _OPEN in text, _CLOSE in text
    if has_close:
        head, _, tail = text.partition(_CLOSE)
        reasoning = head.split(_OPEN, 1)[1] if has_open else head
        return Trace(reasoning.strip(), tail.strip(), True)
    if has_open:
        before, _, reasoning = text.partition(_OPEN)
        return Trace(reasoning.strip(), before.strip(), False)
    return Trace("", text.strip(), True)


_BOXED = re.compile(r"\\boxed\{")
_HASHES = re.compile(r"^\s*####\s*(.+?)\s*$", re.MULTILINE)
_SENTENCE = re.compile(r"(?:final answer|the answer) is[:\s]*\$?([^\n$]+?)\$?\s*\.?\s*$", re.IGNORECASE)


def last_boxed(text: str) -> str | None:
    """Content of the last `\\boxed{...}`, with nested braces."""
    starts = [m.end() for m in _BOXED.finditer(text)]
    if not starts:
        return None
    i, depth = starts[-1], 1
    for j in range(i, len(text)):
        depth += {"{": 1, "}": -1}.get(text[j], 0)
        if depth == 0:
            return text[i:j].strip()
    return None


def extract_final_answer(solution: str) -> str | None:
    """The final answer of a worked solution: `#### x` (GSM8K), `\\boxed{x}` (MATH), or 'The answer is x.'"""
    m = _HASHES.search(solution)
    if m:
        return m.group(1).replace(",", "").strip()
    boxed = last_boxed(solution)
    if boxed is not None:
        return boxed
    lines = [ln for ln in solution.strip().splitlines() if ln.strip()]
    if lines:
        m = _SENTENCE.search(lines[-1])
        if m:
            return m.group(1).strip()
    return None


def solution_to_trace(solution: str) -> Trace | None:
    """A worked solution as reasoning (the steps) plus a short boxed answer."""
    final = extract_final_answer(solution)
    if final is None:
        return None
    steps = _HASHES.sub("", solution)
    # GSM8K annotates arithmetic as <<48/2=24>>; the annotation is for graders, not readers.
    steps = re.sub(r"<<[^>]*>>", "", steps).strip()
    return Trace(steps, f"The final answer is $\\boxed{{{final}}}$.", True)
