"""Run by test_dist.py, alone or under `torchrun --nproc-per-node 2` (gloo on CPU).

argv: BUILD_DIR OUT_DIR MICRO_BATCH [MICRO_TOKENS]. Trains a tiny scratch model two steps and records (rank 0
only) the step losses, each rank's example hashes, parameters and accumulation passes; then runs `validate`
with a per-rank report folder, so the test can check that only rank 0 wrote one.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import torch

from safedata.validation import scratch
from safedata.validation.config import ValidateConfig
from safedata.validation.data import encode, read_build
from safedata.validation.dist import gather, setup, teardown
from safedata.validation.run import validate
from safedata.validation.train import train


def main() -> None:
    build, out, micro = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])
    budget = int(sys.argv[4]) if len(sys.argv) > 4 else None
    d = setup()
    rows = read_build(build, [])[:48]
    tok = scratch.train_tokenizer((m["content"] for r in rows for m in r["messages"]), 512)
    examples = [encode(r["messages"], tok, 1024) for r in rows]  # untruncated: lengths vary
    model = scratch.build_model("qwen2-tiny", tok, 0)
    cfg = ValidateConfig(
        lr=3e-3, batch_size=micro, grad_accum=1, micro_tokens=budget, max_steps=2, warmup_ratio=0.0
    )
    log = train(model, examples, cfg, d, tok.pad_token_id)
    flat = torch.cat([p.detach().flatten() for p in model.parameters()]).tolist()
    shards = gather(d, [log.shard])
    params = gather(d, [flat])
    passes = gather(d, [[s["micro_batches"] for s in log.steps]])
    if d.main:
        out.mkdir(parents=True, exist_ok=True)
        record = {
            "losses": [s["loss"] for s in log.steps],
            "shards": shards,
            "params": params,
            "micro_batches": passes,
            "world": d.world,
        }
        (out / "train.json").write_text(json.dumps(record))
    vcfg = ValidateConfig(
        base_model="scratch:qwen2-tiny", lr=3e-3, batch_size=micro, grad_accum=1, max_steps=1, limit=2,
        max_new_tokens=8, skip_base_eval=True,
    )  # fmt: skip
    validate(build, vcfg, out / f"validation-rank{d.rank}", log=lambda _m: None)
    teardown(d)


if __name__ == "__main__":
    main()
