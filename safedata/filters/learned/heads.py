"""Small linear heads over hashed features (stage 1) and over sentence embeddings (stage 2), in one .npz.

Multi-label heads (one sigmoid per class): a thought sentence can both recognise harm and decide to refuse.
Training uses scikit-learn (comes with the embed extra); prediction is numpy only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from safedata.filters.learned.features import DIM


@dataclass
class Head:
    classes: tuple[str, ...]
    weight: np.ndarray  # (DIM or embedding dim, len(classes))
    bias: np.ndarray  # (len(classes),)

    def hashed(self, feats: Sequence[np.ndarray]) -> np.ndarray:
        """(n, classes) probabilities for hashed feature index arrays."""
        if not feats:
            return np.zeros((0, len(self.classes)), dtype=np.float32)
        scores = np.stack([self.weight[f].sum(axis=0) / np.sqrt(len(f)) for f in feats]) + self.bias
        return 1.0 / (1.0 + np.exp(-scores))

    def dense(self, x: np.ndarray) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-(x @ self.weight + self.bias)))


def sparse_matrix(feats: Sequence[np.ndarray]):  # -> scipy.sparse.csr_matrix
    from scipy.sparse import csr_matrix

    indptr = np.cumsum([0] + [len(f) for f in feats])
    data = np.concatenate([np.full(len(f), 1.0 / np.sqrt(len(f)), dtype=np.float32) for f in feats])
    m = csr_matrix((data, np.concatenate(feats), indptr), shape=(len(feats), DIM), dtype=np.float32)
    m.sum_duplicates()
    return m


def fit(x, labels: Sequence[Sequence[str]], classes: Sequence[str], c: float = 4.0) -> Head:
    """One balanced logistic regression per class (a class with one value only gets a constant head)."""
    from sklearn.linear_model import LogisticRegression

    weight = np.zeros((x.shape[1], len(classes)), dtype=np.float32)
    bias = np.zeros(len(classes), dtype=np.float32)
    for j, cls in enumerate(classes):
        y = np.array([cls in lab for lab in labels])
        if y.all() or not y.any():
            bias[j] = 8.0 if y.all() else -8.0
            continue
        lr = LogisticRegression(C=c, class_weight="balanced", max_iter=2000).fit(x, y)
        weight[:, j] = lr.coef_[0]
        bias[j] = lr.intercept_[0]
    return Head(tuple(classes), weight, bias)


def save(heads: dict[str, Head], path: Path, meta: dict[str, str]) -> None:
    arrays: dict[str, np.ndarray] = {"meta": np.array([f"{k}={v}" for k, v in meta.items()])}
    for name, h in heads.items():
        # Most hashed rows are never hit: store the non-zero rows only (keeps the shipped file small).
        rows = np.flatnonzero(np.abs(h.weight).sum(axis=1))
        arrays[f"{name}.rows"] = rows.astype(np.int32)
        arrays[f"{name}.weight"] = h.weight[rows].astype(np.float16)
        arrays[f"{name}.bias"] = h.bias
        arrays[f"{name}.classes"] = np.array(h.classes)
        arrays[f"{name}.dim"] = np.array(h.weight.shape[0])
    np.savez_compressed(path, **arrays)


def load(path: Path) -> tuple[dict[str, Head], dict[str, str]]:
    z = np.load(path, allow_pickle=False)
    names = {k.split(".")[0] for k in z.files if k.endswith(".bias")}
    heads = {}
    for name in names:
        classes = tuple(str(c) for c in z[f"{name}.classes"])
        weight = np.zeros((int(z[f"{name}.dim"]), len(classes)), dtype=np.float32)
        weight[z[f"{name}.rows"]] = z[f"{name}.weight"].astype(np.float32)
        heads[name] = Head(classes, weight, z[f"{name}.bias"].astype(np.float32))
    meta = dict(str(m).split("=", 1) for m in z["meta"])
    return heads, meta
