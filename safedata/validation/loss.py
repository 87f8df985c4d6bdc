"""Loss on supervised positions only; the vocabulary projection and its gradients fused, a chunk at a time.

With a 152k vocabulary the full float32 logits of a 16k-token micro-batch take 10 GB, and on an H100 the
softmax over them cost a third of a step (bench/RESULTS.md). Here only the labelled positions are projected,
a chunk at a time, and each chunk's gradients (d hidden and d weight) are computed right away in the forward
pass: no logits are kept for backward and none are recomputed. With `compile`, the softmax and its gradient
are one fused kernel over 16-bit logits.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
from torch import nn


def ce_and_grad(logits: torch.Tensor, targets: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Summed cross-entropy of a chunk and its gradient w.r.t. the logits (softmax minus one-hot)."""
    x = logits.float()
    lse = torch.logsumexp(x, dim=-1)
    rows = torch.arange(len(targets), device=x.device)
    loss = (lse - x[rows, targets]).sum()
    grad = torch.exp(x - lse[:, None])
    grad[rows, targets] -= 1
    return loss, grad.to(logits.dtype)


class LinearCrossEntropy(torch.autograd.Function):
    """sum_i CE(h_i @ w.T, t_i), with the gradients computed in forward (see the module docstring)."""

    @staticmethod
    def forward(  # type: ignore[override]
        ctx: Any, h: torch.Tensor, w: torch.Tensor, t: torch.Tensor, chunk: int, ce: Callable[..., Any]
    ) -> torch.Tensor:
        device = h.device.type
        # Inside forward autocast is still on, but the matmuls below mix in float32 accumulators, so cast
        # once here rather than per chunk.
        dtype = torch.get_autocast_dtype(device) if torch.is_autocast_enabled(device) else h.dtype
        hc, wc = h.to(dtype), w.to(dtype)
        grad_h = torch.empty_like(h) if ctx.needs_input_grad[0] else None
        grad_w = torch.zeros_like(w, dtype=torch.float32) if ctx.needs_input_grad[1] else None
        total = h.new_zeros((), dtype=torch.float32)
        with torch.autocast(device, enabled=False):
            for i in range(0, t.numel(), chunk):
                loss, dlogits = ce(hc[i : i + chunk] @ wc.t(), t[i : i + chunk])
                total += loss
                if grad_h is not None:
                    grad_h[i : i + chunk] = dlogits @ wc
                if grad_w is not None:
                    grad_w += (dlogits.t() @ hc[i : i + chunk]).float()
        ctx.save_for_backward(grad_h, grad_w)
        ctx.w_dtype = w.dtype
        return total

    @staticmethod
    def backward(ctx: Any, g: torch.Tensor) -> tuple[torch.Tensor | None, ...]:  # type: ignore[override]
        grad_h, grad_w = ctx.saved_tensors
        return (
            grad_h * g if grad_h is not None else None,
            (grad_w * g).to(ctx.w_dtype) if grad_w is not None else None,
            None,
            None,
            None,
        )


class CausalLMLoss(nn.Module):
    """Wraps a causal LM so DDP sees one forward that returns the summed token loss."""

    def __init__(self, model: Any, chunk: int = 4096, compile: bool = False) -> None:
        super().__init__()
        self.model = model
        self.chunk = chunk
        self.ce: Callable[..., Any] = torch.compile(ce_and_grad, dynamic=True) if compile else ce_and_grad

    def forward(
        self,
        input_ids: torch.Tensor,
        labels: torch.Tensor,
        supervised: torch.Tensor,
        position_ids: torch.Tensor | None = None,
        **attn: Any,  # cu_seqlens/max_seqlen of a packed row, for attention.py
    ) -> torch.Tensor:
        """`supervised`: flat indices of the positions whose next token is a label (MicroBatch.tensors),
        computed on the host so that selecting them needs no device sync."""
        lm = self.model.get_base_model() if hasattr(self.model, "get_base_model") else self.model  # peft
        hidden = lm.get_decoder()(input_ids=input_ids, position_ids=position_ids, use_cache=False, **attn)[0]
        # Position t predicts token t+1; the last position of each example predicts the next example's
        # first token, never a label (it is a prompt token), so shifting the whole packed row is safe.
        h = hidden.reshape(-1, hidden.shape[-1]).index_select(0, supervised)
        t = labels.reshape(-1).index_select(0, supervised + 1)
        weight = lm.get_output_embeddings().weight
        if torch.is_grad_enabled():
            return LinearCrossEntropy.apply(h, weight, t, self.chunk, self.ce)
        total = h.new_zeros((), dtype=torch.float32)  # evaluation: the loss alone
        for i in range(0, len(t), self.chunk):
            logits = h[i : i + self.chunk] @ weight.t()
            total += nn.functional.cross_entropy(logits.float(), t[i : i + self.chunk], reduction="sum")
        return total
