"""Settings of one validation run. A plain dataclass so a GPU node needs no pydantic to run it."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from safedata.errors import SafedataError


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
    batch_size: int = 64  # examples per micro-batch per device, packed into one padding-free row
    grad_accum: int = 1  # effective batch = batch_size * grad_accum * world size
    # A micro-batch over this many tokens is cut into more accumulation passes (same effective batch), so
    # long traces fit in memory while short ones still fill the GPU. None: sized to the free memory (auto.py)
    micro_tokens: int | None = None
    warmup_ratio: float = 0.03
    weight_decay: float = 0.0
    grad_ckpt: bool = False
    # None: auto.py decides (compile when it pays for itself; bf16 weights in one CUDA process).
    compile: bool | None = None
    bf16_weights: bool | None = None  # bf16 weights + fp32 master copies in the optimizer (master.py)
    # packed: one padding-free row per micro-batch (per-document mask); padded: length-sorted rows, plain
    # causal attention, no mask. On an H100 packed gave more real tokens/s (bench/RESULTS.md).
    batching: str = "packed"
    # varlen: packed rows attend per document through attention.py (no mask), the rest through sdpa.
    # sdpa | flex_attention | eager: transformers' own, which gives packed rows a dense per-document mask.
    attn: str = "varlen"
    lora: bool = False
    lora_r: int = 16
    seed: int = 0
    variants: list[str] = field(default_factory=list)  # empty: every variant in the build
    max_steps: int | None = None
    # Train with TRL's DPOTrainer on the build's `preference` config instead of SFT (validate/dpo.py).
    dpo: bool = False
    beta: float = 0.1  # DPO's KL weight
    # Evaluation.
    evals: list[EvalSet] = field(default_factory=list)  # empty: held-out prompts of the build
    heldout: float = 0.1  # share of each kind's prompts kept out of training for the default evals
    limit: int | None = 50  # prompts per eval set
    samples: int = 1  # K samples per prompt (Safe@K, ConsSafe@K)
    temperature: float = 0.0
    decoding: str = "normal"  # normal | zerothink | lessthink: a pre-filled thought (see engines/decoding.py)
    top_p: float = 1.0
    max_new_tokens: int = 512
    gen_batch_size: int | None = None  # None: the largest batch whose KV cache fits (auto.py)
    static_cache: bool = False  # hf decoder only
    # auto: vllm when importable in one CUDA process, else fast | vllm | fast: decode.py (Qwen2/Llama; other
    # models fall back to hf) | hf: transformers' generate
    decoder: str = "auto"
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


def resolve(out_dir: Path, overrides: dict[str, Any]) -> ValidateConfig:
    """Defaults, then the build recipe's `validate:` block (if any), then command-line flags."""
    import yaml

    cfg = ValidateConfig()
    recipe = out_dir / "recipe.yaml"
    block = (
        (yaml.safe_load(recipe.read_text(encoding="utf-8")) or {}).get("validate")
        if recipe.is_file()
        else None
    )
    if block:
        from pydantic import ValidationError

        from safedata.schemas.validate import ValidateSection

        try:
            section = ValidateSection.model_validate(block)
        except ValidationError as e:
            err = e.errors()[0]
            where = ".".join(str(p) for p in ("validate", *err["loc"]))
            raise SafedataError(f"{recipe}, {where}: {err['msg']}") from None
        # Only what the block sets: ValidateConfig's defaults are the ones that apply.
        values = section.model_dump(exclude_unset=True)
        if "evals" in values:
            values["evals"] = [
                EvalSet(name=f.pop("name", None) or Path(f["path"]).stem, **f) for f in values["evals"]
            ]
        cfg = replace(cfg, **values)
    cfg = replace(cfg, **{k: v for k, v in overrides.items() if v is not None})
    cfg.check_choices()
    return cfg


# MoreThink needs the model to be stopped and resumed at each </think>; validate decodes in one pass.
DECODINGS = ("normal", "zerothink", "lessthink")
BATCHINGS = ("packed", "padded")
ATTENTIONS = ("varlen", "sdpa", "flex_attention", "eager")
DECODERS = ("auto", "vllm", "fast", "hf")
