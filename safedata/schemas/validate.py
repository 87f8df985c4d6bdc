"""Settings of one validation run, defined once: the `ValidateConfig` dataclass (what `safedata validate`
runs with; plain, so `safedata --help` reads its defaults without pydantic models). The recipe's optional
`validate:` block is derived from the settings marked `recipe(...)` (schemas/validate_block.py)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, Literal, get_args

from safedata.errors import SafedataError

# MoreThink needs the model to be stopped and resumed at each </think>; validate decodes in one pass.
Decoding = Literal["normal", "zerothink", "lessthink"]
Batching = Literal["packed", "padded"]
Attention = Literal["varlen", "sdpa", "flex_attention", "eager"]
Decoder = Literal["auto", "vllm", "fast", "hf"]
DECODINGS, BATCHINGS, ATTENTIONS, DECODERS = (get_args(t) for t in (Decoding, Batching, Attention, Decoder))


def recipe(default: Any = dataclasses.MISSING, description: str = "", **bounds: Any) -> Any:
    """A setting the recipe's `validate:` block may set too; `bounds` are pydantic's (gt, ge, le, ...)."""
    meta = {"recipe": {"description": description, **bounds}}
    if callable(default):
        return field(default_factory=default, metadata=meta)
    return field(default=default, metadata=meta)


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
    base_model: str = recipe("scratch:qwen2-60m", "hub id, local folder, or scratch:<size>")
    lr: float = recipe(5e-6, gt=0)
    epochs: float = recipe(1.0, gt=0)
    max_length: int = recipe(4096, ge=16)
    # Examples per micro-batch per device, packed into one padding-free row.
    batch_size: int = recipe(64, "examples per micro-batch per device", ge=1)
    grad_accum: int = recipe(1, ge=1)  # effective batch = batch_size * grad_accum * world size
    # A micro-batch over this many tokens is cut into more accumulation passes (same effective batch), so
    # long traces fit in memory while short ones still fill the GPU. None: sized to the free memory (auto.py)
    micro_tokens: int | None = recipe(
        None,
        "cut micro-batches over this many tokens into more accumulation passes (unset: sized to the free GPU "
        "memory; 8192 on CPU)",
        ge=64,
    )
    warmup_ratio: float = 0.03
    weight_decay: float = 0.0
    grad_ckpt: bool = recipe(False)
    # None: auto.py decides (compile when it pays for itself; bf16 weights in one CUDA process).
    compile: bool | None = recipe(
        None, "torch.compile each decoder layer (unset: on CUDA when it saves more than it costs)"
    )
    bf16_weights: bool | None = recipe(  # bf16 weights + fp32 master copies in the optimizer (master.py)
        None, "bf16 weights with fp32 master copies, else autocast (unset: one CUDA process)"
    )
    # packed: one padding-free row per micro-batch (per-document mask); padded: length-sorted rows, plain
    # causal attention, no mask. On an H100 packed gave more real tokens/s (bench/RESULTS.md).
    batching: Batching = recipe("packed")
    # varlen: packed rows attend per document through attention.py (no mask), the rest through sdpa.
    # sdpa | flex_attention | eager: transformers' own, which gives packed rows a dense per-document mask.
    attn: Attention = recipe(
        "varlen", "varlen: packed rows attend per document with no mask (flash kernel on CUDA)"
    )
    lora: bool = recipe(False)
    lora_r: int = 16
    seed: int = 0
    variants: list[str] = recipe(list)  # empty: every variant in the build
    max_steps: int | None = None
    # Train with TRL's DPOTrainer on the build's `preference` config instead of SFT (validation/dpo.py).
    dpo: bool = recipe(False, "train with TRL DPO on the `preference` config instead of SFT")
    beta: float = recipe(0.1, "DPO's KL weight", gt=0)
    # Evaluation.
    evals: list[EvalSet] = recipe(list, "empty: the build's held-out prompts")
    heldout: float = 0.1  # share of each kind's prompts kept out of training for the default evals
    limit: int | None = recipe(50, ge=1)  # prompts per eval set
    samples: int = recipe(1, ge=1)  # K samples per prompt (Safe@K, ConsSafe@K)
    temperature: float = recipe(0.0, ge=0)
    decoding: Decoding = recipe("normal")  # a pre-filled thought (see engines/decoding.py)
    top_p: float = recipe(1.0, gt=0, le=1)
    max_new_tokens: int = recipe(512, ge=1)
    gen_batch_size: int | None = recipe(  # None: the largest batch whose KV cache fits (auto.py)
        None, "rows decoded together (unset: the largest whose KV cache fits; 256 on CPU)", ge=1
    )
    static_cache: bool = False  # hf decoder only
    # auto: vllm when importable in one CUDA process, else fast | vllm | fast: decode.py (Qwen2/Llama; other
    # models fall back to hf) | hf: transformers' generate
    decoder: Decoder = recipe(
        "auto",
        "auto: vllm when installed (one process), else fast | vllm | fast: preallocated-cache decoder "
        "(Qwen2/Llama; others use hf) | hf: generate",
    )
    skip_base_eval: bool = False
    save_model: bool = False

    def check_choices(self) -> None:
        """Named settings hold one of their known values (flags bypass the recipe block's schema)."""
        for name, allowed in (
            ("decoding", DECODINGS),
            ("decoder", DECODERS),
            ("batching", BATCHINGS),
            ("attn", ATTENTIONS),
        ):
            if getattr(self, name) not in allowed:
                raise SafedataError(
                    f"--{name} must be one of {', '.join(allowed)} (got {getattr(self, name)!r})"
                )

    def check(self) -> None:
        """Everything a run needs of its settings, as one-line errors."""
        self.check_choices()
        if self.samples > 1 and self.temperature <= 0:
            raise SafedataError(
                "--samples > 1 needs --temperature > 0 (greedy decoding gives K identical samples)"
            )
        positive = (
            "lr",
            "epochs",
            "max_length",
            "batch_size",
            "grad_accum",
            "max_new_tokens",
            "gen_batch_size",
        )
        for name in positive:
            value = getattr(self, name)
            if value is not None and value <= 0:
                raise SafedataError(f"--{name.replace('_', '-')} must be > 0")
