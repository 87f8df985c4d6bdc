"""`validate(out_dir, cfg)`: evaluate the base model, fine-tune it on the build, evaluate again, report."""

from __future__ import annotations

import copy
import json
import time
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

from safedata.engines.decoding import PREFILLS
from safedata.errors import SafedataError
from safedata.validation import report, vllm_gen
from safedata.validation.config import ValidateConfig
from safedata.validation.data import encode, is_heldout, read_build
from safedata.validation.dist import Dist, gather, setup, shard, teardown, unshard
from safedata.validation.evalsets import EvalItem, heldout_sets, load_file
from safedata.validation.generate import GenStats, generate
from safedata.validation.models import load_base
from safedata.validation.score import Scored, metrics, score_prompt
from safedata.validation.template import think_warning
from safedata.validation.train import eval_loss, prepare, train

Log = Callable[[str], None]


def evaluate(
    model: Any, tokenizer: Any, sets: dict[str, tuple[str, list[EvalItem]]], cfg: ValidateConfig, d: Dist
) -> tuple[dict[str, Any], dict[str, list[Scored]], GenStats]:
    """Each rank decodes its share of the prompts; rank 0 gathers the completions in order and scores them
    (the other ranks return empty metrics).

    All sets go through one generate call: sorted by length together, small sets still fill large batches.
    """
    import torch

    gen_model = model
    if d.device.startswith("cuda") and next(model.parameters()).dtype != torch.bfloat16:
        gen_model = copy.deepcopy(model).to(torch.bfloat16)  # the fp32 weights stay for training
    items = [(name, kind, item) for name, (kind, rows) in sets.items() for item in rows]
    mine = shard(d, items)
    options: dict[str, Any] = {
        "samples": cfg.samples,
        "max_new_tokens": cfg.max_new_tokens,
        "temperature": cfg.temperature,
        "top_p": cfg.top_p,
        "seed": cfg.seed + d.rank,
        "prefill": PREFILLS[cfg.decoding],
    }
    prompts = [i.prompt for _, _, i in mine]
    if _use_vllm(cfg, d):
        free, total = torch.cuda.mem_get_info(d.device)
        completions, stats = vllm_gen.generate_vllm(gen_model, tokenizer, prompts, options, free, total)
    else:
        completions, stats = generate(
            gen_model,
            tokenizer,
            prompts,
            **options,
            batch_size=cfg.gen_batch_size,
            device=d.device,
            cache="static" if cfg.static_cache else None,
            decoder="hf" if cfg.decoder == "hf" else "fast",
        )
    del gen_model
    done = unshard(d, completions)
    total = gather(d, [(stats.new_tokens, stats.seconds)])
    stats = GenStats(sum(t for t, _ in total), max(s for _, s in total), stats.decoder, stats.batch_size)
    out_metrics: dict[str, Any] = {}
    out_scored: dict[str, list[Scored]] = {}
    if done is None:  # not rank 0
        return out_metrics, out_scored, stats
    for (name, kind, item), texts in zip(items, done, strict=True):
        out_scored.setdefault(name, []).append(score_prompt(item.prompt, kind, texts, item.gold, item.tactic))
    for name, scored in out_scored.items():
        out_metrics[name] = metrics(scored)
    return out_metrics, out_scored, stats


def dpo_pairs(out_dir: Path, d: Dist, heldout_rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """`--dpo`: the preference pairs less those of held-out eval prompts (read before any model loads)."""
    from safedata.validation.dpo import read_pairs

    if d.world > 1:
        raise SafedataError("--dpo runs in one process (TRL sets up its own data parallelism)")
    held = {r["prompt"] for r in heldout_rows}
    pairs = [p for p in read_pairs(out_dir) if p["prompt"][0]["content"] not in held]
    if not pairs:
        raise SafedataError(f"no preference pairs left in {out_dir} after holding out eval prompts")
    return pairs


def _use_vllm(cfg: ValidateConfig, d: Dist) -> bool:
    """`--decoder vllm`, or `auto` in one CUDA process with vllm installed (each torchrun rank would start
    its own engine on a GPU that training holds: ranks use the fast decoder)."""
    if cfg.decoder == "vllm":
        return True
    return cfg.decoder == "auto" and d.world == 1 and d.device.startswith("cuda") and vllm_gen.available()


def validate(
    out_dir: str | Path, cfg: ValidateConfig, dest: str | Path | None = None, log: Log = print
) -> dict[str, Any]:
    cfg.check()
    out_dir = Path(out_dir)
    dest = Path(dest) if dest else out_dir / "validation"
    d = setup()
    if cfg.decoder == "vllm" and not (vllm_gen.available() and d.device.startswith("cuda")):
        raise SafedataError(
            "--decoder vllm needs a CUDA device and the vllm package (pip install 'safedata[vllm]')"
        )
    say: Log = log if d.main else (lambda _msg: None)
    rows = read_build(out_dir, cfg.variants)
    heldout_rows: list[dict[str, Any]] = []
    if cfg.evals:
        train_rows = rows
        sets = {}
        for spec in cfg.evals:
            spec.limit = spec.limit or cfg.limit
            sets[spec.name] = (spec.kind, load_file(spec))
    else:
        held = [is_heldout(r["prompt"], cfg.heldout) for r in rows]
        train_rows = [r for r, h in zip(rows, held, strict=True) if not h]
        heldout_rows = [r for r, h in zip(rows, held, strict=True) if h]
        sets = heldout_sets(heldout_rows, cfg.limit)
    if not train_rows:
        raise SafedataError("no training rows left after holding out eval prompts")
    pairs = dpo_pairs(out_dir, d, heldout_rows) if cfg.dpo else []

    def corpus() -> list[str]:
        return [m["content"] for r in train_rows for m in r["messages"]]

    model, tokenizer = load_base(cfg.base_model, corpus, cfg.seed, cfg.attn, d.device)
    if warning := think_warning(cfg.base_model, tokenizer):
        say(warning)
    n_params = sum(p.numel() for p in model.parameters())
    say(f"model {cfg.base_model}: {n_params / 1e6:.1f}M parameters on {d.device}")
    examples = [encode(r["messages"], tokenizer, cfg.max_length, r.get("variant", "")) for r in train_rows]
    result: dict[str, Any] = {
        "dataset": str(out_dir),
        "base_model": cfg.base_model,
        "variants": sorted({r.get("variant", "") for r in train_rows}),
        "train_examples": len(examples),
        "truncated_examples": sum(e.truncated for e in examples),
        "eval_sets": {name: {"kind": k, "prompts": len(v)} for name, (k, v) in sets.items()},
        "world_size": d.world,
        "config": asdict(cfg),
    }
    samples: dict[str, Any] = {}
    heldout = [encode(r["messages"], tokenizer, cfg.max_length) for r in heldout_rows]
    if heldout:  # loss on the held-out rows' own traces: how well the format was learnt
        result["heldout_loss"] = {
            "base": eval_loss(model, heldout, d, tokenizer.pad_token_id, cfg.batching, cfg.attn)
        }
    if not cfg.skip_base_eval:
        say(f"evaluating the base model on {', '.join(sets)}")
        result["base"], samples["base"], _ = evaluate(model, tokenizer, sets, cfg, d)
    model = prepare(model, cfg)
    say(f"training on {len(examples)} examples")
    last = [time.perf_counter()]

    def on_step(step: int, total: int, loss: float) -> None:
        if time.perf_counter() - last[0] > 10 or step in (1, total):
            last[0] = time.perf_counter()
            say(f"  step {step}/{total} loss {loss:.4f}")

    if cfg.dpo:
        from safedata.validation.dpo import train_dpo

        say(f"DPO on {len(pairs)} preference pairs")
        tlog = train_dpo(model, tokenizer, pairs, cfg, dest)
        result["dpo_pairs"] = len(pairs)
    else:
        tlog = train(model, examples, cfg, d, tokenizer.pad_token_id, on_step, say)
    result["train"] = {**tlog.summary(), "tokens": sum(gather(d, [tlog.tokens])), "curve": tlog.steps}
    result["train"]["tokens_per_s"] = (
        round(result["train"]["tokens"] / tlog.seconds, 1) if tlog.seconds else None
    )
    rate, mfu = tlog.steady()
    rates = gather(d, [(rate or 0.0, mfu or 0.0)])  # the ranks' figures: tokens/s add up, MFU is per GPU
    if rate:
        result["train"]["steady_tokens_per_s"] = round(sum(r for r, _ in rates), 1)
        result["train"]["steady_mfu"] = round(sum(m for _, m in rates) / d.world, 4) if mfu else None
    say(
        f"trained {result['train']['tokens']} tokens at {result['train']['tokens_per_s']} tokens/s over the "
        f"whole loop; after the first step ({result['train']['first_step_s']} s): "
        f"{result['train'].get('steady_tokens_per_s')} tokens/s, MFU {result['train'].get('steady_mfu')}"
    )
    if heldout:
        result["heldout_loss"]["trained"] = eval_loss(
            model, heldout, d, tokenizer.pad_token_id, cfg.batching, cfg.attn
        )
    say("evaluating the trained model")
    result["trained"], samples["trained"], gstats = evaluate(model, tokenizer, sets, cfg, d)
    result["generation"] = {
        "new_tokens": gstats.new_tokens,
        "seconds": round(gstats.seconds, 2),
        "tokens_per_s": round(gstats.tokens_per_s, 1),
        "decoder": gstats.decoder,
        "batch_size": gstats.batch_size,
    }
    say(
        f"generated {gstats.new_tokens} new tokens at {gstats.tokens_per_s:.0f}/s ({gstats.decoder} decoder, "
        f"{gstats.batch_size} rows per batch on each of {d.world} device(s))"
    )
    if d.main:
        files = report.write(result, dest)
        with (dest / "samples.jsonl").open("w", encoding="utf-8") as f:
            for model_name, by_set in samples.items():
                for set_name, scored in by_set.items():
                    for sc in scored:
                        f.write(
                            json.dumps(
                                {"model": model_name, "set": set_name, **asdict(sc)}, ensure_ascii=False
                            )
                        )
                        f.write("\n")
        if cfg.save_model:
            model.save_pretrained(dest / "model")
            tokenizer.save_pretrained(dest / "model")
            files.append("model/")
        result["files"] = [str(dest / f) for f in [*files, "samples.jsonl"]]
    teardown(d)
    return result
