"""Length distributions per kind for the report: whitespace words, or tokens when a tokenizer is set."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import Any

import numpy as np

from safedata.errors import SafedataError, first_line


def counter(tokenizer: str | None) -> tuple[str, Callable[[list[str]], list[int]]]:
    """(unit name, batch length function)."""
    if tokenizer is None:
        return "whitespace words", lambda texts: [len(t.split()) for t in texts]
    try:
        from transformers import AutoTokenizer

        tok = AutoTokenizer.from_pretrained(tokenizer)
    except Exception as e:  # missing package, bad path, hub errors: one line for the user
        raise SafedataError(f"cannot load tokenizer {tokenizer!r}: {first_line(e)}") from None
    return f"tokens ({tokenizer})", lambda texts: [len(ids) for ids in tok(texts)["input_ids"]]


def _stats(values: list[int]) -> dict[str, float]:
    a = np.asarray(values or [0])
    q = np.percentile(a, [50, 90, 99])
    return {
        "mean": round(float(a.mean()), 1),
        "p50": round(float(q[0]), 1),
        "p90": round(float(q[1]), 1),
        "p99": round(float(q[2]), 1),
        "max": int(a.max()),
    }


def summarize(kinds: list[str], prompt: list[int], response: list[int], unit: str) -> dict[str, Any]:
    """Per kind: distributions of prompt and response lengths (parallel lists, one entry per row)."""
    by_kind: dict[str, list[int]] = defaultdict(list)
    for i, kind in enumerate(kinds):
        by_kind[kind].append(i)
    out: dict[str, Any] = {"unit": unit}
    for kind, rows in sorted(by_kind.items()):
        out[kind] = {
            "prompt": _stats([prompt[i] for i in rows]),
            "response": _stats([response[i] for i in rows]),
        }
    return out
