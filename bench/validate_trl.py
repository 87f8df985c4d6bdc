"""safedata's SFT loop against TRL's SFTTrainer on the same data, model shape and tokenizer, in one run.

    python bench/validate_trl.py OUT_DIR [--steps 30 --warm 5 --batch 64] [--json FILE]

Both train on the build's rows tokenized once by `safedata.validation.data.encode` (the scratch BPE, the same
assistant-only labels: TRL gets `input_ids` + `completion_mask`, so it skips its own tokenization), 64 rows
per optimizer step, fp32 weights under bf16 autocast for TRL (the Trainer's mixed precision), AdamW, cosine.
TRL variants (each with Liger kernels when installed: fused linear cross-entropy, RMSNorm, SwiGLU, RoPE):
  - `padfree`: padding_free=True, the step's rows flattened into one row (safedata's own layout);
  - `bfd`: packing_strategy="bfd" into rows of --pack-length tokens, rows per step chosen for about the same
    tokens per step; padding-free;
  each with the attention TRL gets by default here (sdpa: a dense per-document mask from position ids) and
  with the best kernel on the device: safedata's varlen flash attention (attention.py), fed the cu_seqlens
  that TRL's padding-free collator already passes (flash-attn itself is not installable there).
Steady-state tokens/s: tokens of the steps after --warm over their wall time (the device synchronised at
every step end, for both).
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path
from typing import Any

import torch

from safedata.validation import scratch
from safedata.validation.attention import register, varlen_attention
from safedata.validation.config import ValidateConfig
from safedata.validation.data import IGNORE, Example, encode, read_build
from safedata.validation.dist import setup
from safedata.validation.train import train

TRL_VARLEN = "safedata_varlen_trl"


def trl_varlen(module: Any, q: Any, k: Any, v: Any, mask: Any, scaling: Any = None, **kw: Any) -> Any:
    """safedata's varlen kernel under the names TRL's padding-free collator gives the bounds."""
    return varlen_attention(
        module, q, k, v, mask, scaling, cu_seqlens=kw["cu_seq_lens_q"], max_seqlen=kw["max_length_q"]
    )


def steady(times: list[float], tokens: list[int], warm: int) -> float:
    return sum(tokens[warm + 1 : len(times)]) / (times[-1] - times[warm])


def run_safedata(examples: list[Example], tok: Any, a: argparse.Namespace, **kw: Any) -> dict[str, Any]:
    model = scratch.build_model(a.size, tok, 0).to(a.device)
    cfg = ValidateConfig(lr=1e-5, batch_size=a.batch, grad_accum=1, max_steps=a.steps, **kw)
    log = train(model, examples, cfg, setup(), tok.pad_token_id)
    times = [s["time"] for s in log.steps]
    return {
        "tokens_per_s": round(steady(times, [int(s["tokens"]) for s in log.steps], a.warm)),
        "settings": log.settings,
        "final_loss": round(log.steps[-1]["loss"], 4),
    }


def run_trl(
    examples: list[Example], tok: Any, a: argparse.Namespace, packed: bool, attn: str
) -> dict[str, Any]:
    from datasets import Dataset
    from transformers import TrainerCallback
    from trl import SFTConfig, SFTTrainer

    data = Dataset.from_dict(
        {
            "input_ids": [e.ids for e in examples],
            "completion_mask": [[int(x != IGNORE) for x in e.labels] for e in examples],
        }
    )
    mean = sum(len(e.ids) for e in examples) / len(examples)
    rows = max(1, round(a.batch * mean / a.pack_length)) if packed else a.batch
    model = scratch.build_model(a.size, tok, 0)
    model.config._attn_implementation = attn
    times: list[float] = []
    tokens: list[int] = []

    class Clock(TrainerCallback):  # type: ignore[misc]
        def on_step_end(self, *args: Any, **kwargs: Any) -> None:
            if torch.cuda.is_available():
                torch.cuda.synchronize()
            times.append(time.perf_counter())

    with tempfile.TemporaryDirectory() as out:
        args = SFTConfig(
            output_dir=out,
            per_device_train_batch_size=rows,
            gradient_accumulation_steps=1,
            max_steps=a.steps,
            learning_rate=1e-5,
            lr_scheduler_type="cosine",
            warmup_steps=1,
            bf16=torch.cuda.is_available(),
            use_liger_kernel=a.liger,
            padding_free=True,
            packing=packed,
            packing_strategy="bfd",
            max_length=a.pack_length if packed else None,  # rows already cut at 4,096 (encode)
            completion_only_loss=True,
            logging_steps=1,
            report_to="none",
            save_strategy="no",
            dataloader_num_workers=0,
            seed=0,
        )
        trainer = SFTTrainer(
            model=model, args=args, train_dataset=data, processing_class=tok, callbacks=[Clock()]
        )
        collate = trainer.data_collator

        def counting(features: list[dict[str, Any]]) -> dict[str, Any]:
            batch = collate(features)
            tokens.append(int(batch["input_ids"].numel()))
            return batch

        trainer.data_collator = counting
        trainer.train()
    losses = [h["loss"] for h in trainer.state.log_history if "loss" in h]
    return {
        "tokens_per_s": round(steady(times, tokens, a.warm)),
        "rows_per_step": rows,
        "tokens_per_step": round(sum(tokens[: len(times)]) / len(times)),
        "final_loss": round(losses[-1], 4) if losses else None,
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("out_dir", type=Path)
    ap.add_argument("--steps", type=int, default=30)
    ap.add_argument("--warm", type=int, default=5)
    ap.add_argument("--batch", type=int, default=64, help="rows per optimizer step (safedata's default)")
    ap.add_argument("--pack-length", type=int, default=4096)
    ap.add_argument("--size", default="qwen2-0.5b", choices=list(scratch.SIZES))
    ap.add_argument("--rows", type=int, default=0, help="use only the first N rows (CPU checks)")
    ap.add_argument("--no-liger", dest="liger", action="store_false")
    ap.add_argument("--json", type=Path)
    a = ap.parse_args()
    a.device = "cuda" if torch.cuda.is_available() else "cpu"
    rows = read_build(a.out_dir, [])
    rows = rows[: a.rows] if a.rows else rows
    texts = (m["content"] for r in rows for m in r["messages"])
    tok = scratch.train_tokenizer(texts, scratch.SIZES[a.size][5])
    examples = [encode(r["messages"], tok, 4096) for r in rows]
    results: dict[str, Any] = {"device": torch.cuda.get_device_name() if a.device == "cuda" else "cpu"}
    attns = ["sdpa"]
    if a.device == "cuda":
        from transformers import AttentionInterface

        register()
        AttentionInterface.register(TRL_VARLEN, trl_varlen)
        attns.append(TRL_VARLEN)
    plan: list[tuple[str, Any]] = [("safedata-auto", lambda: run_safedata(examples, tok, a))]
    if a.device == "cuda":  # the plain command may leave compile off for a short run: both figures
        plan.append(("safedata-compile", lambda: run_safedata(examples, tok, a, compile=True)))
    for attn in attns:
        for packed in (False, True):
            name = f"trl-{'bfd' if packed else 'padfree'}-{attn}"
            plan.append((name, lambda p=packed, t=attn: run_trl(examples, tok, a, p, t)))
    for name, job in plan:
        try:
            results[name] = job()
        except Exception as e:  # one variant failing must not lose the others
            results[name] = {"error": f"{type(e).__name__}: {str(e)[:300]}"}
        print(name, results[name], flush=True)
        if a.json:
            a.json.write_text(json.dumps(results, indent=2))

    def best(prefix: str) -> int:
        return max((v.get("tokens_per_s", 0) for k, v in results.items() if k.startswith(prefix)), default=0)

    best_trl, best_sd = best("trl-"), best("safedata-")
    if best_trl:
        results["safedata_over_best_trl"] = round(best_sd / best_trl, 2)
    print(json.dumps(results, indent=2))
    if a.json:
        a.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
