"""The fused projection + cross-entropy gives autograd's loss and gradients."""

from __future__ import annotations

import torch
from torch.nn import functional

from safedata.validation.loss import LinearCrossEntropy, ce_and_grad


def test_fused_linear_cross_entropy_matches_autograd() -> None:
    torch.manual_seed(0)
    h = torch.randn(37, 16, requires_grad=True)
    w = torch.randn(50, 16, requires_grad=True)
    t = torch.randint(0, 50, (37,))
    fused = LinearCrossEntropy.apply(h, w, t, 8, ce_and_grad)  # 8: several chunks and a short last one
    (fused * 3).backward()  # the upstream gradient scales both
    fused_h, fused_w = h.grad.clone(), w.grad.clone()
    h.grad = w.grad = None
    ref = functional.cross_entropy(h @ w.t(), t, reduction="sum")
    (ref * 3).backward()
    assert torch.allclose(fused, ref, rtol=1e-5)
    assert torch.allclose(fused_h, h.grad, atol=1e-5)
    assert torch.allclose(fused_w, w.grad, atol=1e-5)


def test_frozen_projection_gets_no_gradient() -> None:
    h = torch.randn(5, 4, requires_grad=True)
    w = torch.randn(7, 4)  # e.g. a LoRA run's frozen output embedding
    LinearCrossEntropy.apply(h, w, torch.tensor([0, 1, 2, 3, 6]), 4, ce_and_grad).backward()
    assert w.grad is None and h.grad is not None and h.grad.abs().sum() > 0
