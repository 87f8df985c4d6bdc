"""Merge a freshly generated card into the one already on the Hub, keeping what the user wrote.

Convention: safedata's sections sit between `<!-- safedata:begin NAME -->` and `<!-- safedata:end NAME -->`.
- Text outside those markers is the user's: kept verbatim, in place.
- A generated section already on the Hub is replaced in place; one that the build no longer produces is
  removed; a new one goes right after the section that precedes it in the generated card.
- A card with no markers at all (written by hand) keeps its text, and the generated sections follow it.
- YAML header: keys safedata writes (license, configs, …) are updated, the user's other keys are kept, and
  `tags` is the union of both.
Merging is idempotent: merging the same build twice gives the same bytes, so an unchanged re-push is a no-op.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

_BLOCK = re.compile(
    r"<!-- safedata:begin (?P<name>[\w-]+) -->\n.*?\n<!-- safedata:end (?P=name) -->", re.DOTALL
)


def split_front(text: str) -> tuple[dict[str, Any], str]:
    """(YAML header, body); an absent or unreadable header is empty (the body keeps everything)."""
    if text.startswith("---\n"):
        end = text.find("\n---\n", 4)
        if end != -1:
            try:
                front = yaml.safe_load(text[4:end]) or {}
            except yaml.YAMLError:
                front = None
            if isinstance(front, dict):
                return front, text[end + 5 :]
    return {}, text


def _pieces(body: str) -> list[tuple[str | None, str]]:
    """The body as (block name or None for user text, text) in order."""
    out: list[tuple[str | None, str]] = []
    pos = 0
    for m in _BLOCK.finditer(body):
        if m.start() > pos:
            out.append((None, body[pos : m.start()]))
        out.append((m.group("name"), m.group(0)))
        pos = m.end()
    if pos < len(body):
        out.append((None, body[pos:]))
    return out


def merge_front(remote: dict[str, Any], generated: dict[str, Any]) -> dict[str, Any]:
    merged = {**remote, **generated}
    tags = list(generated.get("tags") or [])
    merged["tags"] = tags + [t for t in remote.get("tags") or [] if t not in tags]
    return merged


def merge_card(remote: str | None, generated: str) -> str:
    if not remote:
        return generated
    remote_front, remote_body = split_front(remote)
    gen_front, gen_body = split_front(generated)
    blocks = {name: text for name, text in _pieces(gen_body) if name is not None}
    order = list(blocks)
    pieces = _pieces(remote_body)
    on_hub = {name for name, _ in pieces if name in blocks}
    placed: set[str] = set()

    def followers(name: str | None) -> list[str]:
        """Generated blocks not on the Hub that come right after `name` (None: before the first one)."""
        start = 0 if name is None else order.index(name) + 1
        out = []
        for n in order[start:]:
            if n in on_hub:
                break
            out.append(n)
        return out

    body: list[str] = []
    for name, text in pieces:
        if name is None:
            body.append(text)
        elif name in blocks:
            new = [
                n
                for n in [*(followers(None) if not placed else []), name, *followers(name)]
                if n not in placed
            ]
            placed.update(new)
            body.append("\n\n".join(blocks[n] for n in new))
        # else: a section this build no longer produces: dropped
    rest = [n for n in order if n not in placed]
    text = "".join(body).rstrip("\n")
    if rest:
        text = (text + "\n\n" if text.strip() else "") + "\n\n".join(blocks[n] for n in rest)
    front = yaml.safe_dump(merge_front(remote_front, gen_front), sort_keys=False, allow_unicode=True)
    return f"---\n{front}---\n\n{text.lstrip(chr(10))}\n"
