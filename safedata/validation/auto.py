"""Settings a run picks for itself when the user leaves them unset (flags and the recipe block win).

On CUDA: bf16 weights in one process; a micro-batch token budget from the free device memory and the model's
shape; torch.compile when the time it saves on this many tokens is larger than its own cost; and, at
generation, the largest batch whose KV cache and prefill fit. On CPU: the plain settings.

The memory model counts bytes per parameter (weights, gradients, AdamW) and per token (what a decoder
layer keeps for backward), calibrated on the 0.5B shape on an H100: predicted 65.7 GiB peak for a
29.5k-token micro-batch, measured 63.4 (bench/RESULTS.md, issue 6).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from safedata.validation.config import ValidateConfig

GiB = 2**30
CPU_MICRO_TOKENS = 8192
CPU_GEN_BATCH = 256
# 4,096 prompts on an H200: 68.2k new tokens/s in one batch, 50.0k in two of 2,048 (bench/RESULTS.md)
MAX_GEN_BATCH = 4096
# Dense bf16 FLOP/s by device name (no sparsity), for MFU and the compile decision.
PEAKS = (("H100", 989e12), ("H200", 989e12), ("H800", 989e12), ("A100", 312e12), ("L40S", 362e12))
UNKNOWN_PEAK = 312e12  # a conservative guess for the compile decision only; MFU is not reported then
# MFU of the 0.5B shape at the default batch of 64 rows on an H200, eager and compiled, and compile's one-off
# cost (the first step), measured (bench/RESULTS.md, issue 18): compiling pays off beyond ~4M tokens a GPU.
EAGER_MFU, COMPILED_MFU, COMPILE_S = 0.23, 0.37, 20.0


@dataclass(frozen=True)
class Shape:
    """What the memory and FLOP estimates need of a decoder-only model."""

    params: int
    trainable: int
    layers: int
    hidden: int
    intermediate: int
    vocab: int
    heads: int
    kv_heads: int
    head_dim: int

    @classmethod
    def of(cls, model: Any) -> Shape:
        c = model.config
        heads = c.num_attention_heads
        return cls(
            params=sum(p.numel() for p in model.parameters()),
            trainable=sum(p.numel() for p in model.parameters() if p.requires_grad),
            layers=c.num_hidden_layers,
            hidden=c.hidden_size,
            intermediate=c.intermediate_size,
            vocab=c.vocab_size,
            heads=heads,
            kv_heads=getattr(c, "num_key_value_heads", None) or heads,
            head_dim=getattr(c, "head_dim", None) or c.hidden_size // heads,
        )

    @property
    def kv_bytes_per_token(self) -> int:
        return 2 * self.layers * self.kv_heads * self.head_dim * 2  # k and v, bf16

    def train_flops(self, tokens: int, attended: float = 0.0) -> float:
        """6·N per token (forward + backward) plus causal attention over `attended` = sum of len²/2."""
        return 6 * self.params * tokens + 12 * self.layers * self.heads * self.head_dim * attended


def peak_flops(device_name: str) -> float | None:
    return next((peak for key, peak in PEAKS if key in device_name), None)


def micro_tokens(shape: Shape, free_bytes: int, *, bf16_weights: bool, grad_ckpt: bool, world: int) -> int:
    """Tokens per micro-batch that fit in 85 % of `free_bytes` (a multiple of 1024, at least 1024)."""
    full = shape.params - shape.trainable  # frozen (LoRA base) weights: the weights alone
    per_param = 20 if bf16_weights else 18  # weights, fp32 gradients and AdamW (+ a bf16 copy or masters)
    if world > 1:
        per_param += 4  # DDP's gradient buckets
    fixed = shape.trainable * per_param + full * (2 if bf16_weights else 4)
    fixed += 4096 * shape.vocab * 12 + 2 * GiB  # loss.py's 4,096-row logits chunk; the CUDA context
    per_layer = 34 * shape.hidden + 8 * shape.intermediate  # bytes a layer keeps per token for backward
    # Checkpointing keeps each layer's input only, and recomputes one layer at a time.
    per_token = shape.layers * 4 * shape.hidden + per_layer if grad_ckpt else shape.layers * per_layer
    tokens = int((0.85 * free_bytes - fixed) / per_token)
    return max(1024, tokens // 1024 * 1024)


def worth_compiling(shape: Shape, tokens_per_device: float, peak: float | None) -> bool:
    """Compile when the eager time it saves over the run beats its own cost (~20 s of compiling)."""
    flops = shape.train_flops(round(tokens_per_device))
    peak = peak or UNKNOWN_PEAK
    saved = flops / (EAGER_MFU * peak) - flops / (COMPILED_MFU * peak)
    return saved > COMPILE_S


def gen_batch(shape: Shape, free_bytes: int, prompt_width: int, max_new_tokens: int, rows: int) -> int:
    """The largest decode batch whose KV cache and prefill fit in 80 % of `free_bytes` (fast decoder)."""
    cache = (prompt_width + max_new_tokens) * shape.kv_bytes_per_token
    group = shape.heads // shape.kv_heads
    # Prefill, one layer at a time: hidden states, q/k/v, MLP intermediates (bf16); the boolean mask,
    # repeated per query group; the last position's float32 logits and their softmax.
    prefill = prompt_width * (12 * shape.hidden + 6 * shape.intermediate) + group * prompt_width**2
    per_row = cache + prefill + 12 * shape.vocab
    fits = int(0.8 * free_bytes / per_row)
    return max(1, min(fits, MAX_GEN_BATCH, rows))


def training(
    cfg: ValidateConfig,
    shape: Shape,
    *,
    cuda: bool,
    world: int,
    free_bytes: int,
    tokens_per_device: float,
    peak: float | None,
) -> tuple[ValidateConfig, list[str]]:
    """cfg with compile, bf16_weights and micro_tokens filled in where unset, and a line per choice."""
    notes: list[str] = []
    if not cuda:
        picked = replace(
            cfg,
            compile=bool(cfg.compile),
            bf16_weights=bool(cfg.bf16_weights),
            micro_tokens=cfg.micro_tokens or CPU_MICRO_TOKENS,
        )
        return picked, notes
    if cfg.bf16_weights is None:
        # Master weights keep their own fp32 gradients, which DDP's all-reduce does not know about.
        cfg = replace(cfg, bf16_weights=world == 1)
        notes.append(f"bf16_weights={cfg.bf16_weights} ({'one process' if world == 1 else 'DDP: autocast'})")
    if cfg.micro_tokens is None:
        free = free_bytes / GiB
        budget = micro_tokens(
            shape, free_bytes, bf16_weights=bool(cfg.bf16_weights), grad_ckpt=cfg.grad_ckpt, world=world
        )
        cfg = replace(cfg, micro_tokens=budget)
        notes.append(f"micro_tokens={budget} (fits {free:.0f} GiB free)")
    if cfg.compile is None:
        cfg = replace(cfg, compile=worth_compiling(shape, tokens_per_device, peak))
        why = "saves more than it costs" if cfg.compile else "would cost more than it saves"
        notes.append(f"compile={cfg.compile} ({tokens_per_device / 1e6:.1f}M tokens per GPU: {why})")
    return cfg, notes


def free_memory(device: str) -> int:
    """Bytes this process can still allocate on `device`: the driver's free memory plus the allocator's
    cached but unused blocks."""
    import torch

    free, _ = torch.cuda.mem_get_info(device)
    return free + torch.cuda.memory_reserved(device) - torch.cuda.memory_allocated(device)
