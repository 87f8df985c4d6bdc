"""bf16 weights for the forward and backward passes, fp32 master copies for the optimizer.

Under autocast the model keeps fp32 weights and casts every weight to bf16 on every micro-batch, and its
residual stream and gradients stay fp32: twice the bytes through every elementwise op. With bf16 weights the
activations and gradients are bf16 too; the optimizer still updates fp32 copies, and each parameter's
gradient is added into its fp32 master gradient as soon as it is accumulated, so accumulation over
micro-batches happens in fp32.
"""

from __future__ import annotations

from collections.abc import Callable

import torch


class MasterWeights:
    def __init__(self, params: list[torch.nn.Parameter]) -> None:
        self.params = params
        self.masters = [p.detach().float().clone() for p in params]
        for p, m in zip(params, self.masters, strict=True):
            m.grad = torch.zeros_like(m)
            p.data = p.data.to(torch.bfloat16)
            p.register_post_accumulate_grad_hook(self._into(m))

    @staticmethod
    def _into(master: torch.Tensor) -> Callable[[torch.Tensor], None]:
        def hook(p: torch.Tensor) -> None:
            assert master.grad is not None and p.grad is not None
            master.grad.add_(p.grad)
            p.grad = None  # the bf16 gradient is never kept: no bf16 accumulation

        return hook

    def publish(self) -> None:
        """After an optimizer step: the updated fp32 weights go to the model, the fp32 gradients to zero."""
        with torch.no_grad():
            torch._foreach_copy_(self.params, self.masters)
            torch._foreach_zero_([m.grad for m in self.masters if m.grad is not None])
