"""`validate --dpo`: train on the build's `preference` config with TRL's DPOTrainer instead of SFT.

The eval before and after, the scoring and the report are the SFT run's, so SFT on teacher data, SFT on the
student's own data and DPO on the pairs compare on the same eval sets. One process (TRL runs its own
data-parallel setup under accelerate; not under safedata's torchrun path). Needs `pip install trl`.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from safedata.errors import SafedataError
from safedata.schemas.preference import PREFERENCE_CONFIG
from safedata.validation.config import ValidateConfig
from safedata.validation.train import TrainLog


def read_pairs(out_dir: Path) -> list[dict[str, Any]]:
    """The build's pairs, columns TRL reads only (`prompt`, `chosen`, `rejected`)."""
    import pyarrow.parquet as pq

    shards = sorted((out_dir / "data" / PREFERENCE_CONFIG).glob("*.parquet"))
    if not shards:
        raise SafedataError(f"{out_dir} has no `preference` config: build it with a `preference:` section")
    cols = ["prompt", "chosen", "rejected"]
    return [row for shard in shards for row in pq.read_table(shard, columns=cols).to_pylist()]


def train_dpo(
    model: Any, tokenizer: Any, pairs: list[dict[str, Any]], cfg: ValidateConfig, dest: Path
) -> TrainLog:
    """DPO from `model` (also the frozen reference) on `pairs`, with validate's lr, epochs, batch and seed."""
    try:
        import datasets
        from trl import DPOConfig, DPOTrainer
    except ImportError:
        raise SafedataError("--dpo trains with TRL: pip install trl") from None
    import torch

    on_gpu = next(model.parameters()).is_cuda
    args = DPOConfig(
        output_dir=str(dest / "dpo"),
        learning_rate=cfg.lr,
        num_train_epochs=cfg.epochs,
        max_steps=cfg.max_steps or -1,
        per_device_train_batch_size=cfg.batch_size,
        gradient_accumulation_steps=cfg.grad_accum,
        warmup_steps=cfg.warmup_ratio,  # transformers 5: a value below 1 is a share of the steps
        beta=cfg.beta,
        max_length=cfg.max_length,
        logging_steps=1,
        save_strategy="no",
        report_to=[],
        seed=cfg.seed,
        bf16=on_gpu and torch.cuda.is_bf16_supported(),
        use_cpu=not on_gpu,
        gradient_checkpointing=cfg.grad_ckpt,
    )
    trainer = DPOTrainer(
        model=model, args=args, train_dataset=datasets.Dataset.from_list(pairs), processing_class=tokenizer
    )
    start = time.perf_counter()
    trainer.train()
    log = TrainLog(seconds=time.perf_counter() - start)
    log.steps = [
        {"step": h["step"], "loss": h["loss"], "lr": h.get("learning_rate", 0.0)}
        for h in trainer.state.log_history
        if "loss" in h
    ]
    return log
