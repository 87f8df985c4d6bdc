"""Split a thought into sentences (decision points) and an answer into passages.

Answer passages: a fenced code block or a run of list items stays whole (a list is one procedure, or one list
of resources); other paragraphs are split into sentences, so a refusal placed after in-frame text is its own
passage wherever it sits.
"""

from __future__ import annotations

import re

# Sentence ends, except after a title or a common abbreviation ("Mr. Smith", "e.g. this").
_SENT = re.compile(
    r"(?<!\bMr\.)(?<!\bMs\.)(?<!\bDr\.)(?<!\bSt\.)(?<!\bvs\.)(?<!\be\.g\.)(?<!\bi\.e\.)(?<!\bMrs\.)"
    r"(?<=[.!?。！？])[\"')\]]?\s+|(?<=[。！？])|\n+"
)
_FENCE = re.compile(r"```.*?(?:```|\Z)", re.DOTALL)
_ITEM = re.compile(r"^\s*(?:\d+[.)]|[-*•]|\(\d+\))\s+")
MAX_SEGMENTS = 120  # a runaway thought is judged on its first and last sentences, where decisions sit


def sentences(text: str) -> list[str]:
    out = [s.strip() for s in _SENT.split(text) if s and s.strip()]
    out = [s for s in out if any(ch.isalnum() for ch in s)]
    if len(out) > MAX_SEGMENTS:
        half = MAX_SEGMENTS // 2
        out = out[:half] + out[-half:]
    return out


def passages(answer: str) -> list[str]:
    out: list[str] = []
    pos = 0
    for m in _FENCE.finditer(answer):
        out.extend(_prose(answer[pos : m.start()]))
        out.append(m.group(0).strip())
        pos = m.end()
    out.extend(_prose(answer[pos:]))
    return out[:MAX_SEGMENTS]


def _prose(text: str) -> list[str]:
    out: list[str] = []
    items: list[str] = []
    for line in text.splitlines():
        if _ITEM.match(line) or (items and line.startswith((" ", "\t")) and line.strip()):
            items.append(line.strip())
            continue
        if items:
            out.append("\n".join(items))
            items = []
        out.extend(sentences(line))
    if items:
        out.append("\n".join(items))
    return out
