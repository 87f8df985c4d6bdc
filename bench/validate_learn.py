"""Learnability per variant: scratch models of one size, the same token budget, held-out harmful prompts.

    python bench/validate_learn.py OUT_DIR [--size qwen2-60m] [--budget 2000000] [--json FILE]
One tokenizer (trained on every variant) so held-out losses are comparable; `imported` keeps harmful rows
only (STAR-1 long traces in bench/validate_data.yaml). Reports held-out loss on each variant's own traces,
closed </think> rate and refusal rate (RS-Match) on held-out harmful prompts.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import torch

from safedata.validation import scratch
from safedata.validation.config import ValidateConfig
from safedata.validation.data import encode, is_heldout, read_build
from safedata.validation.dist import setup
from safedata.validation.generate import generate
from safedata.validation.score import metrics, score_prompt
from safedata.validation.train import eval_loss, train


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("out_dir", type=Path)
    ap.add_argument("--size", default="qwen2-60m")
    ap.add_argument("--budget", type=int, default=2_000_000, help="training tokens per variant")
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--limit", type=int, default=64)
    ap.add_argument("--json", type=Path)
    ap.add_argument("--variants", nargs="*", default=[])
    a = ap.parse_args()
    rows = [r for r in read_build(a.out_dir, []) if r["kind"] == "harmful"]
    tok = scratch.train_tokenizer(
        (m["content"] for r in rows for m in r["messages"]), scratch.SIZES[a.size][5]
    )
    d = setup()
    prompts = sorted({r["prompt"] for r in rows if is_heldout(r["prompt"], 0.1)})[: a.limit]
    cfg = ValidateConfig(lr=a.lr, batch_size=16, grad_accum=2, micro_tokens=None, max_length=2048)
    results: dict[str, Any] = {"size": a.size, "budget_tokens": a.budget, "heldout_prompts": len(prompts)}
    for variant in a.variants or sorted({r["variant"] for r in rows}):
        mine = [r for r in rows if r["variant"] == variant]
        train_ex = [encode(r["messages"], tok, 2048) for r in mine if not is_heldout(r["prompt"], 0.1)]
        held_ex = [encode(r["messages"], tok, 2048) for r in mine if is_heldout(r["prompt"], 0.1)]
        tokens = sum(len(e.ids) for e in train_ex)
        model = scratch.build_model(a.size, tok, 0).to(d.device)
        log = train(model, train_ex, replace(cfg, epochs=a.budget / tokens), d, tok.pad_token_id)
        gen_model = model.to(dtype=torch.bfloat16) if d.device.startswith("cuda") else model
        outs, _ = generate(gen_model, tok, prompts, samples=1, max_new_tokens=384, temperature=0.0, top_p=1.0,
                           batch_size=256, device=d.device)  # fmt: skip
        m = metrics([score_prompt(p, "harmful", o, None) for p, o in zip(prompts, outs, strict=True)])
        results[variant] = {
            "train_examples": len(train_ex),
            "mean_example_tokens": round(tokens / len(train_ex)),
            "epochs": round(a.budget / tokens, 2),
            "steps": len(log.steps),
            "final_train_loss": round(log.steps[-1]["loss"], 3),
            "heldout_loss": round(eval_loss(model.float(), held_ex, d, tok.pad_token_id, "packed"), 3),
            "closed_think": m["closed_think"],
            "refusal": m["safe@1"],
            "thought_words": m["thought_words"],
        }
        print(variant, results[variant], flush=True)
    print(json.dumps(results, indent=2))
    if a.json:
        a.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
