"""The cheap featuriser: hashed word 1-2-grams and character 4-grams, plus overlap with the request.

Pure Python (zlib.crc32 is stable across runs and platforms, unlike `hash`), so the first stage of the
cascade needs neither torch nor scikit-learn. Conditioning on the request: words of the segment that also
occur in the request are marked, so "maybe I could give them the steps" and "maybe I could give them
resources" differ by what the object has in common with what was asked.
"""

from __future__ import annotations

import re
import zlib

import numpy as np

from safedata.filters.refusal import normalise as straight_quotes

DIM = 1 << 17
_WORD = re.compile(r"[^\W\d_]+|\d+", re.UNICODE)
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")
# Short function words carry the decisions here ("not", "won't", "I'll"), so there is no stop list for the
# n-grams; only the request overlap skips them.
_STOP = frozenset(
    [
        "the",
        "a",
        "an",
        "to",
        "of",
        "and",
        "or",
        "in",
        "on",
        "for",
        "with",
        "is",
        "are",
        "be",
        "it",
        "this",
        "that",
        "i",
        "you",
        "me",
        "my",
        "your",
        "they",
        "them",
        "their",
        "he",
        "she",
        "his",
        "her",
        "we",
        "our",
        "can",
        "could",
        "would",
        "should",
        "will",
        "do",
        "does",
        "how",
        "what",
        "which",
        "who",
        "why",
        "when",
        "where",
        "as",
        "at",
        "by",
        "from",
        "so",
        "if",
        "but",
        "not",
        "no",
        "please",
        "help",
        "want",
        "wants",
        "need",
        "needs",
        "write",
        "give",
        "tell",
        "make",
        "me",
    ]
)


def normalise(text: str) -> str:
    """Curly quotes made straight (the refusal cues' own normalisation), lower case."""
    return straight_quotes(text).lower()


def words(text: str) -> list[str]:
    out: list[str] = []
    for w in _WORD.findall(normalise(text).replace("n't", " not").replace("'", " ")):
        if _CJK.search(w):
            out.extend(
                w[i : i + 2] for i in range(max(1, len(w) - 1))
            )  # CJK has no spaces: character bigrams
        else:
            out.append(w)
    return out


def content_words(text: str) -> set[str]:
    return {w for w in words(text) if w not in _STOP and len(w) > 2 or _CJK.search(w)}


def _h(token: str) -> int:
    return zlib.crc32(token.encode("utf-8")) & (DIM - 1)


def featurise(text: str, request_words: set[str] | None = None) -> np.ndarray:
    """Hashed feature indices of one segment (repeats allowed: they count)."""
    ws = words(text)
    toks = [f"w:{w}" for w in ws] + [f"b:{a}_{b}" for a, b in zip(ws, ws[1:], strict=False)]
    for w in ws:
        if len(w) > 4:
            padded = f"<{w}>"
            toks.extend(f"c:{padded[i : i + 4]}" for i in range(len(padded) - 3))
    if len(ws) <= 3:
        toks.append("len:short")
    if request_words:
        shared = [w for w in ws if w in request_words]
        toks.append(f"ov:{min(len(shared), 3)}")
        toks.extend(f"ovw:{w}" for w in shared)
        toks.extend(
            f"ovb:{a}_{b}" for a, b in zip(ws, ws[1:], strict=False) if b in request_words
        )  # verb + requested object
    toks.append("bias")
    return np.fromiter((_h(t) for t in toks), dtype=np.int64, count=len(toks))
