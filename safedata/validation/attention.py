"""Padding-free attention for packed rows: each document attends only to itself, and no (T, T) mask exists.

Given a packed row's restarting position ids, transformers builds a dense per-document mask, which rules out
sdpa's flash kernel and grows as T² (bench/RESULTS.md: 11 % MFU on short examples). Here the documents'
bounds travel with the batch as cumulative lengths: on CUDA torch's varlen flash kernel reads them directly;
elsewhere each document gets its own causal sdpa call (the same result, for tests and CPU runs).
"""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import torch
from torch.nn import functional

NAME = "safedata_varlen"
# Keyword arguments for torch's varlen_attn, which changed between releases: 2.10 takes `is_causal`, 2.11
# `window_size` and `scale`, 2.12+ also `enable_gqa`. Filled in by register().
_FLASH: set[str] = set()
# Whether grouped-query k/v (fewer heads than q) go to the flash kernel as they are, without the group-fold
# repeat: varlen_attn's `enable_gqa` (torch >= 2.12), or else the flash ops themselves (GQAFlash), once a
# probe found them equal to the repeated path. Filled in by register() on CUDA.
_GQA: dict[str, bool] = {}


def register() -> None:
    """Make NAME an attention implementation transformers models can switch to (idempotent)."""
    from transformers import AttentionInterface

    if not _FLASH and torch.cuda.is_available():
        try:
            from torch.nn.attention.varlen import varlen_attn
        except ImportError:
            from safedata.errors import SafedataError

            raise SafedataError(
                f"--attn varlen needs torch >= 2.10 on CUDA (this is {torch.__version__}); use --attn sdpa"
            ) from None
        _FLASH.update(inspect.signature(varlen_attn).parameters)
        _GQA["native"] = "enable_gqa" in _FLASH or _aten_gqa_works()
    AttentionInterface.register(NAME, varlen_attention)


@contextmanager
def packed_attention(model: Any, attn: str, batching: str) -> Iterator[None]:
    """With `--attn varlen` and packed rows, the model attends through NAME inside the block only:
    generation still needs its padding mask, which transformers builds only for its own implementations."""
    if attn != "varlen" or batching != "packed":
        yield
        return
    register()
    before = model.config._attn_implementation
    model.config._attn_implementation = NAME
    try:
        yield
    finally:
        model.config._attn_implementation = before


def varlen_attention(
    module: Any,
    query: torch.Tensor,
    key: torch.Tensor,
    value: torch.Tensor,
    attention_mask: torch.Tensor | None,
    scaling: float | None = None,
    dropout: float = 0.0,
    cu_seqlens: torch.Tensor | None = None,
    max_seqlen: int | None = None,
    **kwargs: Any,
) -> tuple[torch.Tensor, None]:
    """transformers' attention interface: (1, heads, T, dim) in, (1, T, heads, dim) out."""
    if cu_seqlens is None or max_seqlen is None or query.shape[0] != 1:
        raise ValueError(f"{NAME} attention needs one packed row with its cu_seqlens (data.pack)")
    q, k, v = (x[0].transpose(0, 1) for x in (query, key, value))  # (T, heads, dim)
    groups = q.shape[1] // k.shape[1]
    scale = scaling if scaling is not None else q.shape[-1] ** -0.5
    if q.is_cuda:
        out = _flash(q, k, v, cu_seqlens, max_seqlen, scale, groups)
    else:
        bounds = cu_seqlens.tolist()
        out = torch.cat(
            [
                functional.scaled_dot_product_attention(
                    *(x[a:b].transpose(0, 1) for x in (q, k, v)),
                    is_causal=True,
                    scale=scale,
                    enable_gqa=groups > 1,
                ).transpose(0, 1)
                for a, b in zip(bounds, bounds[1:], strict=False)
            ]
        )
    return out.unsqueeze(0), None


def _flash(
    q: torch.Tensor,
    k: torch.Tensor,
    v: torch.Tensor,
    cu: torch.Tensor,
    max_len: int,
    scale: float,
    groups: int,
) -> torch.Tensor:
    from torch.nn.attention.varlen import varlen_attn

    # Rotary embeddings leave q and k in float32 under autocast; the kernel takes 16-bit inputs only.
    autocast = torch.is_autocast_enabled("cuda")
    half = torch.get_autocast_dtype("cuda") if autocast else torch.bfloat16
    dtype = q.dtype
    q, k, v = (x.to(half) for x in (q, k, v))
    kw: dict[str, Any] = {"is_causal": True} if "is_causal" in _FLASH else {"window_size": (-1, 0)}
    if groups > 1:
        if "enable_gqa" in _FLASH:
            kw["enable_gqa"] = True
        elif _GQA.get("native"):
            out = GQAFlash.apply(q, k, v, cu, max_len, scale)
            return out if autocast else out.to(dtype)
        else:
            k, v = k.repeat_interleave(groups, 1), v.repeat_interleave(groups, 1)
    if "scale" in _FLASH:
        kw["scale"] = scale
    elif abs(scale * q.shape[-1] ** 0.5 - 1) > 1e-6:  # the kernel uses dim ** -0.5: fold others into q
        q = q * (scale * q.shape[-1] ** 0.5)
    out = varlen_attn(q, k, v, cu, cu, max_len, max_len, **kw)
    return out if autocast else out.to(dtype)  # o_proj runs under the same autocast


class GQAFlash(torch.autograd.Function):
    """Causal varlen flash attention straight on torch's flash ops, which take k/v with fewer heads than q
    (the kernel maps each query head to its group's k/v head): no 7x copy of k and v for Qwen2.5-0.5B.
    torch < 2.12's varlen_attn refuses such shapes, although its kernels accept them."""

    @staticmethod
    def forward(  # type: ignore[override]
        ctx: Any, q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, cu: torch.Tensor, n: int, scale: float
    ) -> torch.Tensor:
        out, lse, seed, offset, _ = torch.ops.aten._flash_attention_forward(
            q, k, v, cu, cu, n, n, 0.0, True, False, scale=scale
        )
        ctx.save_for_backward(q, k, v, out, lse, cu, seed, offset)
        ctx.max_len, ctx.scale = n, scale
        return out

    @staticmethod
    def backward(ctx: Any, grad: torch.Tensor) -> tuple[torch.Tensor | None, ...]:  # type: ignore[override]
        q, k, v, out, lse, cu, seed, offset = ctx.saved_tensors
        dq, dk, dv = torch.ops.aten._flash_attention_backward(
            grad.contiguous(), q, k, v, out, lse, cu, cu, ctx.max_len, ctx.max_len, 0.0, True, seed, offset,
            scale=ctx.scale,
        )  # fmt: skip
        return dq, dk, dv, None, None, None


def _aten_gqa_works() -> bool:
    """One small forward and backward both ways: GQAFlash must match the repeated-k/v varlen kernel."""
    from torch.nn.attention.varlen import varlen_attn

    gen = torch.Generator(device="cuda").manual_seed(0)
    cu = torch.tensor([0, 40, 100, 128], dtype=torch.int32, device="cuda")

    def rand(heads: int) -> torch.Tensor:
        x = torch.randn(128, heads, 64, device="cuda", generator=gen, dtype=torch.bfloat16)
        return x.requires_grad_()

    q, k, v = rand(8), rand(2), rand(2)
    kw: dict[str, Any] = {"is_causal": True} if "is_causal" in _FLASH else {"window_size": (-1, 0)}
    try:
        native = GQAFlash.apply(q, k, v, cu, 60, 0.125)
        native_grads = torch.autograd.grad(native.float().square().sum(), (q, k, v))
        k4, v4 = k.repeat_interleave(4, 1), v.repeat_interleave(4, 1)
        ref = varlen_attn(q, k4, v4, cu, cu, 60, 60, **kw)
        ref_grads = torch.autograd.grad(ref.float().square().sum(), (q, k, v))
    except RuntimeError:
        return False
    pairs = [(native, ref), *zip(native_grads, ref_grads, strict=True)]
    return all(torch.allclose(a.float(), b.float(), atol=2e-2, rtol=2e-2) for a, b in pairs)
