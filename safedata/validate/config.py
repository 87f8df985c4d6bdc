"""Settings of one validation run. A plain dataclass so a GPU node needs no pydantic to run it."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class EvalSet:
    """Prompts to generate on; `kind` picks the metric: safety, over-refusal or math accuracy."""

    name: str
    kind: str
    path: str | None = None  # None: the prompts held out of the build itself
    limit: int | None = None
    where: dict[str, str] = field(default_factory=dict)  # keep rows whose column equals the value


@dataclass
class ValidateConfig:
    # Defaults follow LRM-Safety-Study's SFT recipe (lr 5e-6, 1 epoch, max length 4096, batch 64).
    base_model: str = "scratch:qwen2-60m"
    lr: float = 5e-6
    epochs: float = 1.0
    max_length: int = 4096
    batch_size: int = 8  # examples per micro-batch per device, packed into one padding-free row
    grad_accum: int = 8  # effective batch = batch_size * grad_accum * world size
    warmup_ratio: float = 0.03
    weight_decay: float = 0.0
    grad_ckpt: bool = False
    compile: bool = False
    # packed: one padding-free row per micro-batch (per-document mask); padded: length-sorted rows, plain
    # causal attention with no mask (flash kernels), measured faster on an H100 (bench/RESULTS.md).
    batching: str = "padded"
    attn: str = "sdpa"  # sdpa | flex_attention | eager; packed rows get a per-document mask either way
    lora: bool = False
    lora_r: int = 16
    seed: int = 0
    variants: list[str] = field(default_factory=list)  # empty: every variant in the build
    max_steps: int | None = None
    # Evaluation.
    evals: list[EvalSet] = field(default_factory=list)  # empty: held-out prompts of the build
    heldout: float = 0.1  # share of each kind's prompts kept out of training for the default evals
    limit: int | None = 50  # prompts per eval set
    samples: int = 1  # K samples per prompt (Safe@K, ConsSafe@K)
    temperature: float = 0.0
    top_p: float = 1.0
    max_new_tokens: int = 512
    gen_batch_size: int = 256
    static_cache: bool = False
    skip_base_eval: bool = False
    save_model: bool = False
