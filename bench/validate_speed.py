"""GPU speed of `safedata validate`, Qwen2.5-0.5B shape: SFT tokens/s + MFU, eval generation tokens/s.

Run on a GPU node, from a checkout, on a build's output folder (real packed data):
    python bench/validate_speed.py OUT_DIR [--sft] [--gen] [--json FILE]
Every SFT variant runs the real training loop (safedata.validation.train.train) except `naive`, the baseline
(HF forward with labels: full logits over the 152k vocabulary, loss on every position's logits).
`--gen` times HF `generate` and the fast decoder (safedata/validation/decode.py) on the same prompts, batch by
batch; on a CPU it runs end to end with a tiny model (fp32):
    python bench/validate_speed.py OUT_DIR --gen --size qwen2-tiny --gen-batches 8 32 --static-batches
"""

from __future__ import annotations

import argparse
import json
import time
from functools import partial
from pathlib import Path
from typing import Any

import torch

from safedata.validation import scratch
from safedata.validation.config import ValidateConfig
from safedata.validation.data import encode, pack, read_build, schedule
from safedata.validation.dist import setup
from safedata.validation.generate import generate
from safedata.validation.train import prepare, train

PEAK_BF16 = 989e12  # H100 / H200 SXM dense bf16
JSON: Path | None = None


def save(results: dict[str, Any]) -> None:
    """Written after every variant, so a run cut off by a time limit keeps what it measured."""
    if JSON is not None:
        JSON.write_text(json.dumps(results, indent=2))


def flops(model: Any, groups: list[list[Any]], pad_id: int, mode: str) -> tuple[float, float]:
    """(nominal, executed) training FLOPs of the micro-batches: 6·N per token plus causal attention.

    nominal counts the vocabulary projection on every token (the convention of the 27 % baseline);
    executed counts it only on supervised tokens, as loss.py runs it.
    """
    cfg = model.config
    n_all = sum(p.numel() for p in model.parameters())
    n_head = cfg.vocab_size * cfg.hidden_size
    attn_dim = cfg.num_attention_heads * (cfg.hidden_size // cfg.num_attention_heads)
    nominal = executed = 0.0
    for g in groups:
        mb = pack(g, pad_id, mode)
        tokens = mb.tokens
        ctx = sum(len(e.ids) * (len(e.ids) + 1) / 2 for e in g)
        attn = 12 * cfg.num_hidden_layers * attn_dim * ctx
        nominal += 6 * n_all * tokens + attn
        executed += 6 * (n_all - n_head) * tokens + 6 * n_head * mb.n_supervised + attn
    return nominal, executed


def naive_steps(model: Any, steps: list[list[list[Any]]], pad_id: int, mode: str) -> list[float]:
    """Baseline: HF computes full logits and its own shifted loss; same packed rows, bf16 autocast, AdamW."""
    opt = torch.optim.AdamW(model.parameters(), lr=1e-5, fused=True)
    times = []
    start = time.perf_counter()
    for groups in steps:
        for g in groups:
            row = pack(g, pad_id, mode).tensors("cuda")
            mb = {k: row[k] for k in ("input_ids", "labels", "position_ids") if k in row}
            with torch.autocast("cuda", dtype=torch.bfloat16):
                out = model(**mb, use_cache=False)
            (out.loss / len(groups)).backward()
        opt.step()
        opt.zero_grad(set_to_none=True)
        torch.cuda.synchronize()
        times.append(time.perf_counter() - start)
    return times


PROFILE: set[str] = set()
PROFILE_DIR: Path | None = None


def profiled(key: str, run: Any) -> Any:
    """Runs `run(on_step)`; for keys in PROFILE, records steps 3-4 and writes the top CUDA kernels."""
    if key not in PROFILE:
        return run(lambda step, total, loss: None)
    from torch.profiler import ProfilerActivity, profile, schedule

    with profile(activities=[ProfilerActivity.CUDA], schedule=schedule(wait=1, warmup=1, active=2)) as prof:
        out = run(lambda step, total, loss: prof.step())
    table = prof.key_averages().table(sort_by="cuda_time_total", row_limit=40, max_name_column_width=70)
    if PROFILE_DIR is not None:
        (PROFILE_DIR / f"profile-{key}.txt").write_text(table)
    print(table[:6000])
    return out


def bench_sft(out_dir: Path, results: dict[str, Any], n_steps: int, warm: int, only: list[str]) -> Any:
    rows = read_build(out_dir, [])
    t0 = time.perf_counter()
    tok = scratch.train_tokenizer((m["content"] for r in rows for m in r["messages"]), 151936)
    results["tokenizer_s"] = round(time.perf_counter() - t0, 1)
    examples = [encode(r["messages"], tok, 4096) for r in rows]
    lens = [len(e.ids) for e in examples]
    results["data"] = {
        "examples": len(examples),
        "mean_tokens": sum(lens) / len(lens),
        "max_tokens": max(lens),
    }
    d = setup()
    variants = [  # (name, config, naive baseline?, micro-batch examples)
        ("naive-packed", {"attn": "sdpa"}, True, 32),
        ("chunked-ce-sdpa-packed", {"attn": "sdpa"}, False, 32),
        ("chunked-ce-padded", {"batching": "padded"}, False, 32),
        ("varlen-packed", {}, False, 32),
        ("varlen-packed", {}, False, 64),
        ("varlen-packed", {}, False, 128),
        ("varlen-packed", {}, False, 256),
        ("varlen-packed-compile", {"compile": True}, False, 128),
        ("varlen-packed-compile", {"compile": True}, False, 160),
        ("varlen-packed-compile", {"compile": True}, False, 192),
        ("varlen-packed-compile-ckpt", {"compile": True, "grad_ckpt": True}, False, 256),
        ("varlen-packed-compile-bf16w", {"compile": True, "bf16_weights": True}, False, 160),
        ("varlen-packed-compile-bf16w", {"compile": True, "bf16_weights": True}, False, 224),
        ("varlen-packed-compile-bf16w", {"compile": True, "bf16_weights": True}, False, 288),
        ("varlen-packed-compile-bf16w", {"compile": True, "bf16_weights": True}, False, 64),
        ("varlen-packed-compile-bf16w", {"compile": True, "bf16_weights": True}, False, 384),
    ]
    if only:
        variants = [v for v in variants if f"{v[0]}-bs{v[3]}" in only]
    for name, kw, naive, bs in variants:
        key = f"{name}-bs{bs}"
        # Every setting explicit (none left to auto.py); a budget no micro-batch reaches: never cut.
        fixed = {"compile": False, "bf16_weights": False, "micro_tokens": 1 << 30, **kw}
        cfg = ValidateConfig(lr=1e-5, batch_size=bs, grad_accum=2, max_steps=n_steps, epochs=1, **fixed)
        try:
            torch.cuda.empty_cache()
            torch.cuda.reset_peak_memory_stats()
            model = scratch.build_model("qwen2-0.5b", tok, 0)
            if cfg.attn != "varlen":  # varlen is switched on by train() itself
                model.config._attn_implementation = cfg.attn
            model = prepare(model.cuda(), cfg)  # gradient checkpointing, as configured
            steps = schedule(examples, bs, cfg.grad_accum, 1, 1.0, cfg.seed, cfg.batching)[:n_steps]
            first_loss = None
            if naive:
                times = naive_steps(model, steps, tok.pad_token_id, cfg.batching)
            else:
                log = profiled(key, partial(train, model, examples, cfg, d, tok.pad_token_id))
                times = [s["time"] for s in log.steps]
                first_loss = log.steps[0]["loss"]  # same data and seed: equal across attentions
            timed = steps[warm:]
            tokens = sum(pack(g, tok.pad_token_id, cfg.batching).tokens for s in timed for g in s)
            secs = times[-1] - times[warm - 1]
            nominal, executed = flops(model, [g for s in timed for g in s], tok.pad_token_id, cfg.batching)
            results["sft"][key] = {
                "tokens_per_s": round(tokens / secs),
                "mfu_nominal": round(nominal / secs / PEAK_BF16, 3),
                "mfu_executed": round(executed / secs / PEAK_BF16, 3),
                "tokens_per_microbatch": round(tokens / sum(len(s) for s in timed)),
                "peak_gib": round(torch.cuda.max_memory_allocated() / 2**30, 1),
                "first_step_s": round(times[0], 1),
                "first_loss": first_loss,
            }
        except Exception as e:  # one variant failing (memory, compile) must not lose the others
            results["sft"][key] = {"error": f"{type(e).__name__}: {str(e)[:300]}"}
        print(key, results["sft"][key], flush=True)
        save(results)
        model = None
    return tok, rows


def bench_gen(
    tok: Any,
    rows: list[dict[str, Any]],
    results: dict[str, Any],
    new_tokens: int,
    size: str,
    batches: list[int],
    static_batches: list[int],
) -> None:
    device = "cuda" if torch.cuda.is_available() else "cpu"
    model = scratch.build_model(size, tok, 0).to(
        device, torch.bfloat16 if device == "cuda" else torch.float32
    )
    model.config._attn_implementation = "sdpa"
    # Random weights rarely emit EOS, so every sequence decodes the full budget: the steady-state rate.
    prompts = [r["prompt"] for r in rows][: max(batches + static_batches)]
    if len(prompts) < max(batches + static_batches):
        print(f"only {len(prompts)} prompts: the larger batches are cut to that", flush=True)

    def run(decoder: str, bs: int, cache: str | None, n_new: int) -> tuple[list[list[str]], Any]:
        return generate(
            model, tok, prompts[:bs], samples=1, max_new_tokens=n_new, temperature=0.0, top_p=1.0,
            batch_size=bs, device=device, cache=cache, decoder=decoder,
        )  # fmt: skip

    for decoder in ("hf", "fast"):  # warm-up (CUDA context, kernels), untimed
        run(decoder, 8, None, 4)
    # Side by side per batch size: HF dynamic cache, then the fast decoder on the same prompts.
    plan = [(d, bs, None) for bs in batches for d in ("hf", "fast")] + [
        ("hf", bs, "static") for bs in static_batches
    ]
    hf_texts: dict[int, list[list[str]]] = {}
    for decoder, bs, cache in plan:
        key = f"hf-generate-{cache or 'dynamic'}-bs{bs}" if decoder == "hf" else f"fast-decode-bs{bs}"
        try:
            texts, st = run(decoder, bs, cache, new_tokens)
            results["gen"][key] = {
                "tokens_per_s": round(st.tokens_per_s),
                "new_tokens": st.new_tokens,
                "seconds": round(st.seconds, 2),
                "decoder": st.decoder,
            }
            if decoder == "hf" and cache is None:
                hf_texts[bs] = texts
            elif decoder == "fast" and bs in hf_texts:  # greedy: same completions (bf16 may flip near-ties)
                same = sum(a == b for a, b in zip(texts, hf_texts[bs], strict=True)) / len(texts)
                results["gen"][key]["same_as_hf"] = round(same, 3)
                hf_rate = results["gen"][f"hf-generate-dynamic-bs{bs}"]["tokens_per_s"]
                results["gen"][key]["speedup_vs_hf"] = round(st.tokens_per_s / hf_rate, 2)
        except Exception as e:
            results["gen"][key] = {"error": f"{type(e).__name__}: {str(e)[:300]}"}
        print(key, results["gen"][key], flush=True)
        save(results)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("out_dir", type=Path)
    ap.add_argument("--sft", action="store_true")
    ap.add_argument("--gen", action="store_true")
    ap.add_argument("--steps", type=int, default=8)
    ap.add_argument("--warm", type=int, default=3)
    ap.add_argument("--new-tokens", type=int, default=128)
    ap.add_argument("--size", default="qwen2-0.5b", choices=list(scratch.SIZES), help="--gen model shape")
    ap.add_argument("--gen-batches", type=int, nargs="*", default=[64, 256, 512, 1024, 2048])
    ap.add_argument("--static-batches", type=int, nargs="*", default=[512, 1024], help="HF static cache rows")
    ap.add_argument("--json", type=Path)
    ap.add_argument("--profile", nargs="*", default=[], help="SFT variants to profile (top CUDA kernels)")
    ap.add_argument("--only", nargs="*", default=[], help="SFT variants to run, e.g. chunked-ce-sdpa-bs64")
    a = ap.parse_args()
    global JSON, PROFILE_DIR
    JSON = a.json
    PROFILE.update(a.profile)
    PROFILE_DIR = a.json.parent if a.json else None
    results: dict[str, Any] = {
        "device": torch.cuda.get_device_name() if torch.cuda.is_available() else "cpu",
        "torch": torch.__version__,
        "sft": {},
        "gen": {},
    }
    import transformers

    results["transformers"] = transformers.__version__
    tok, rows = bench_sft(a.out_dir, results, a.steps, a.warm, a.only) if a.sft else (None, None)
    if a.gen:
        if tok is None:
            rows = read_build(a.out_dir, [])
            vocab = scratch.SIZES[a.size][5]
            tok = scratch.train_tokenizer((m["content"] for r in rows for m in r["messages"]), vocab)
        bench_gen(tok, rows, results, a.new_tokens, a.size, a.gen_batches, a.static_batches)
    save(results)
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
