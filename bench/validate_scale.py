"""Data-parallel scaling of `safedata validate`: steady-state SFT tokens/s and sharded eval decoding.

Run once alone and once under torchrun on the same node, then compare the JSON files:
    python bench/validate_scale.py OUT_DIR --json one.json --configs 160x2 160x1
    torchrun --nproc-per-node 2 bench/validate_scale.py OUT_DIR --json two.json --configs 160x1
`--configs BSxACCUM`: examples per micro-batch per GPU x accumulation passes; 160x2 on one GPU and 160x1 on
two is the same global batch, 160x1 on both the same per-GPU micro-batch. Every config trains a fresh
Qwen2.5-0.5B-shape model with per-layer torch.compile and autocast (DDP trains fp32 weights under autocast:
master.py's bf16 weights are one-process only); the first --warm steps (compile, recompile for dynamic
shapes) are left out of the steady-state figure. Then each rank decodes its share (`dist.shard`) of
--gen-prompts prompts with the fast decoder at the auto batch size, random weights, no EOS (every row decodes
--gen-new tokens), and rank 0 gathers them in order (`dist.unshard`).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

import torch

from safedata.validation import scratch
from safedata.validation.config import ValidateConfig
from safedata.validation.data import encode, read_build
from safedata.validation.dist import barrier, gather, setup, shard, unshard
from safedata.validation.generate import generate
from safedata.validation.train import train


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("out_dir", type=Path)
    ap.add_argument("--configs", nargs="+", default=["160x1"])
    ap.add_argument("--steps", type=int, default=14)
    ap.add_argument("--warm", type=int, default=4)
    ap.add_argument("--size", default="qwen2-0.5b", choices=list(scratch.SIZES))
    ap.add_argument("--compile", action=argparse.BooleanOptionalAction, default=True)
    ap.add_argument("--gen-prompts", type=int, default=2048)
    ap.add_argument("--gen-new", type=int, default=128)
    ap.add_argument("--json", type=Path)
    a = ap.parse_args()
    d = setup()
    rows = read_build(a.out_dir, [])
    tok = scratch.train_tokenizer(
        (m["content"] for r in rows for m in r["messages"]), scratch.SIZES[a.size][5]
    )
    examples = [encode(r["messages"], tok, 4096) for r in rows]
    results: dict[str, Any] = {
        "world": d.world,
        "device": torch.cuda.get_device_name() if "cuda" in d.device else "cpu",
    }

    def save() -> None:
        if d.main and a.json:
            a.json.write_text(json.dumps(results, indent=2))

    for spec in a.configs:
        bs, accum = (int(x) for x in spec.split("x"))
        cfg = ValidateConfig(
            lr=1e-5, batch_size=bs, grad_accum=accum, max_steps=a.steps, compile=a.compile,
            bf16_weights=False, micro_tokens=1 << 30,
        )  # fmt: skip
        model = scratch.build_model(a.size, tok, 0).to(d.device)
        log = train(model, examples, cfg, d, tok.pad_token_id)
        later = log.steps[a.warm :]
        secs = later[-1]["time"] - log.steps[a.warm - 1]["time"]
        rank_tokens = sum(s["tokens"] for s in later)
        total = sum(gather(d, [rank_tokens]))
        mfu = sum(s["flops"] for s in later) / secs / log.peak_flops if log.peak_flops else None
        results[f"train-{spec}"] = {
            "global_batch": bs * accum * d.world,
            "steady_tokens_per_s": round(total / secs),
            "per_gpu_tokens_per_s": round(total / secs / d.world),
            "mfu_per_gpu": round(mfu, 4) if mfu else None,
            "first_step_s": round(log.steps[0]["time"], 1),
            "steady_steps": len(later),
            "whole_loop_tokens_per_s": round(sum(gather(d, [log.tokens])) / log.seconds),
            "final_loss": round(log.steps[-1]["loss"], 4),
        }
        if d.main:
            print(spec, results[f"train-{spec}"], flush=True)
        save()
        del model, log
        torch.cuda.empty_cache()
    if a.gen_prompts:
        model = scratch.build_model(a.size, tok, 0).to(d.device, torch.bfloat16)
        model.config._attn_implementation = "sdpa"
        prompts = [r["prompt"] for r in rows][: a.gen_prompts]
        kw: dict[str, Any] = {"samples": 1, "temperature": 0.0, "top_p": 1.0, "device": d.device}
        generate(model, tok, prompts[:8], max_new_tokens=4, batch_size=8, **kw)  # warm-up, untimed
        barrier(d)
        start = time.perf_counter()
        texts, st = generate(model, tok, shard(d, prompts), max_new_tokens=a.gen_new, batch_size=None, **kw)
        done = unshard(d, texts)
        seconds = time.perf_counter() - start  # rank 0: until every share has arrived
        new = sum(gather(d, [st.new_tokens]))
        if d.main:
            assert done is not None and len(done) == len(prompts)
            results["gen"] = {
                "prompts": len(prompts),
                "new_tokens": new,
                "seconds": round(seconds, 2),
                "tokens_per_s": round(new / seconds),
                "batch_per_gpu": st.batch_size,
            }
            print("gen", results["gen"], flush=True)
        save()
    barrier(d)


if __name__ == "__main__":
    main()
