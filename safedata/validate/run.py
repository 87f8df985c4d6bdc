"""`validate(out_dir, cfg)`: evaluate the base model, fine-tune it on the build, evaluate again, report."""

from __future__ import annotations

import copy
import json
import time
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

from safedata.builders.decoding import PREFILLS
from safedata.errors import SafedataError
from safedata.validate import report
from safedata.validate.config import ValidateConfig
from safedata.validate.data import encode, is_heldout, read_build
from safedata.validate.dist import Dist, barrier, gather, setup
from safedata.validate.evalsets import EvalItem, heldout_sets, load_file
from safedata.validate.generate import GenStats, generate
from safedata.validate.models import load_base
from safedata.validate.score import Scored, metrics, score_prompt
from safedata.validate.template import think_warning
from safedata.validate.train import eval_loss, prepare, train

Log = Callable[[str], None]


def evaluate(
    model: Any, tokenizer: Any, sets: dict[str, tuple[str, list[EvalItem]]], cfg: ValidateConfig, d: Dist
) -> tuple[dict[str, Any], dict[str, list[Scored]], GenStats]:
    """Each rank generates its shard of every set; every rank ends with all scores (rank order).

    All sets go through one generate call: sorted by length together, small sets still fill large batches.
    """
    import torch

    gen_model = model
    if d.device.startswith("cuda") and next(model.parameters()).dtype != torch.bfloat16:
        gen_model = copy.deepcopy(model).to(torch.bfloat16)  # the fp32 weights stay for training
    shares = {name: (kind, items[d.rank :: d.world]) for name, (kind, items) in sets.items()}
    completions, stats = generate(
        gen_model,
        tokenizer,
        [i.prompt for _, mine in shares.values() for i in mine],
        samples=cfg.samples,
        max_new_tokens=cfg.max_new_tokens,
        temperature=cfg.temperature,
        top_p=cfg.top_p,
        batch_size=cfg.gen_batch_size,
        device=d.device,
        seed=cfg.seed + d.rank,
        cache="static" if cfg.static_cache else None,
        decoder=cfg.decoder,
        prefill=PREFILLS[cfg.decoding],
    )
    rest = iter(completions)
    out_metrics: dict[str, Any] = {}
    out_scored: dict[str, list[Scored]] = {}
    for name, (kind, mine) in shares.items():
        scored = gather(d, [score_prompt(i.prompt, kind, next(rest), i.gold, i.tactic) for i in mine])
        out_scored[name] = scored
        out_metrics[name] = metrics(scored)
    total = gather(d, [(stats.new_tokens, stats.seconds)])
    stats = GenStats(sum(t for t, _ in total), max(s for _, s in total), stats.decoder)
    del gen_model
    return out_metrics, out_scored, stats


def validate(
    out_dir: str | Path, cfg: ValidateConfig, dest: str | Path | None = None, log: Log = print
) -> dict[str, Any]:
    cfg.check()
    out_dir = Path(out_dir)
    dest = Path(dest) if dest else out_dir / "validation"
    d = setup()
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

    tlog = train(model, examples, cfg, d, tokenizer.pad_token_id, on_step)
    result["train"] = {**tlog.summary(), "tokens": sum(gather(d, [tlog.tokens])), "curve": tlog.steps}
    result["train"]["tokens_per_s"] = (
        round(result["train"]["tokens"] / tlog.seconds, 1) if tlog.seconds else None
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
    }
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
    barrier(d)
    return result
