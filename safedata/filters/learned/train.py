"""Train the stage-1 heads on the segment bank and write them next to this file (heads.npz).

    python -m safedata.filters.learned.train [--bank PATH] [--out PATH]

Trains on the bank's `train` split, prints per-class F1 on its `dev` split (topics the heads never saw),
then refits on both splits for the shipped file.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from safedata.filters.learned import heads as H
from safedata.filters.learned.bank import PASSAGES, REQUESTS, ROLES, generate
from safedata.filters.learned.features import content_words, featurise

HEADS_PATH = Path(__file__).parent / "data" / "heads.npz"
KIND_HEAD = {"thought": ("thought", ROLES), "answer": ("answer", PASSAGES), "request": ("request", REQUESTS)}


def read_bank(path: Path | None = None) -> list[dict[str, Any]]:
    """The segment bank: rebuilt by its generator, or read from a file (a bank of your own)."""
    if path is None:
        return generate()
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def rows_features(rows: Sequence[dict[str, Any]]) -> list[np.ndarray]:
    return [
        featurise(r["text"], None if r["kind"] == "request" else content_words(r["request"])) for r in rows
    ]


def train_heads(rows: Sequence[dict[str, Any]]) -> dict[str, H.Head]:
    out = {}
    for kind, (name, classes) in KIND_HEAD.items():
        part = [r for r in rows if r["kind"] == kind]
        if part:
            out[name] = H.fit(H.sparse_matrix(rows_features(part)), [r["labels"] for r in part], classes)
    return out


def train_embedded(
    rows: Sequence[dict[str, Any]], emb: np.ndarray, req: dict[str, np.ndarray]
) -> dict[str, H.Head]:
    """Stage-2 heads on [segment embedding, segment x request embedding] (rows aligned with `emb`)."""
    from safedata.filters.learned.embedded import pair_features

    out = {}
    for kind in ("thought", "answer"):
        idx = [i for i, r in enumerate(rows) if r["kind"] == kind]
        x = pair_features(emb[idx], np.stack([req[rows[i]["request"]] for i in idx]))
        out[f"{kind}_emb"] = H.fit(x, [rows[i]["labels"] for i in idx], KIND_HEAD[kind][1], c=1.0)
    return out


def bank_embeddings(
    rows: Sequence[dict[str, Any]], model: str, cache: Path | None
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Embeddings of every bank text and every request (cached in `cache`.npz: embedding the bank is slow)."""
    from safedata.filters.learned.embedded import encode

    reqs = sorted({r["request"] for r in rows})
    if cache and cache.is_file():
        z = np.load(cache)
        if len(z["emb"]) == len(rows) and len(z["req"]) == len(reqs):
            return z["emb"], dict(zip(reqs, z["req"], strict=True))
    emb, req = encode([r["text"] for r in rows], model), encode(reqs, model)
    if cache:
        np.savez(cache, emb=emb, req=req)
    return emb, dict(zip(reqs, req, strict=True))


def f1_report(heads: dict[str, H.Head], rows: Sequence[dict[str, Any]]) -> dict[str, float]:
    report = {}
    for kind, (name, classes) in KIND_HEAD.items():
        part = [r for r in rows if r["kind"] == kind]
        if not part or name not in heads:
            continue
        prob = heads[name].hashed(rows_features(part))
        for j, cls in enumerate(classes):
            gold = np.array([cls in r["labels"] for r in part])
            pred = prob[:, j] > 0.5
            tp, fp, fn = int((gold & pred).sum()), int((~gold & pred).sum()), int((gold & ~pred).sum())
            report[f"{name}.{cls}"] = round(2 * tp / (2 * tp + fp + fn), 3) if tp + fp + fn else 1.0
    return report


def main(argv: Sequence[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bank", type=Path, help="a bank file to train on (default: the built-in generator)")
    ap.add_argument("--out", type=Path, default=HEADS_PATH)
    ap.add_argument("--embed-model", help="also train stage-2 heads on this sentence-transformers model")
    ap.add_argument("--embed-cache", type=Path, help="npz cache of the bank's embeddings")
    args = ap.parse_args(argv)
    rows = read_bank(args.bank)
    dev = [r for r in rows if r["split"] == "dev"]
    heads = train_heads([r for r in rows if r["split"] == "train"])
    for k, v in f1_report(heads, dev).items():
        print(f"dev F1 {k}: {v}")
    final = train_heads(rows)
    meta = {"bank_rows": str(len(rows))}
    if args.embed_model:
        emb, req = bank_embeddings(rows, args.embed_model, args.embed_cache)
        final.update(train_embedded(rows, emb, req))
        meta["embed_model"] = args.embed_model
    H.save(final, args.out, meta)
    print(f"wrote {args.out} ({args.out.stat().st_size // 1024} KiB)")


if __name__ == "__main__":
    main()
