"""Loss on supervised positions only, with the vocabulary projection done in checkpointed chunks.

With a 152k vocabulary the full logits of a 16k-token micro-batch take 10 GB in float32; projecting only the
labelled positions, a chunk at a time, and recomputing each chunk in backward keeps memory flat and skips
the projection for prompt tokens entirely.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn
from torch.utils.checkpoint import checkpoint

from safedata.validate.data import IGNORE


def _chunk_ce(hidden: torch.Tensor, weight: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    logits = hidden @ weight.t()
    return nn.functional.cross_entropy(logits.float(), targets, reduction="sum")


class CausalLMLoss(nn.Module):
    """Wraps a causal LM so DDP sees one forward that returns the summed token loss."""

    def __init__(self, model: Any, chunk: int = 4096) -> None:
        super().__init__()
        self.model = model
        self.chunk = chunk

    def forward(
        self, input_ids: torch.Tensor, labels: torch.Tensor, position_ids: torch.Tensor | None = None
    ) -> torch.Tensor:
        lm = self.model.get_base_model() if hasattr(self.model, "get_base_model") else self.model  # peft
        hidden = lm.get_decoder()(input_ids=input_ids, position_ids=position_ids, use_cache=False)[0]
        # Position t predicts token t+1; the last position of each example predicts the next example's
        # first token, never a label (it is a prompt token), so shifting the whole packed row is safe.
        targets = labels[:, 1:].reshape(-1)
        keep = targets != IGNORE
        h = hidden[:, :-1].reshape(-1, hidden.shape[-1])[keep]
        t = targets[keep]
        weight = lm.get_output_embeddings().weight
        total = hidden.new_zeros((), dtype=torch.float32)
        for i in range(0, t.numel(), self.chunk):
            total = total + checkpoint(
                _chunk_ce, h[i : i + self.chunk], weight, t[i : i + self.chunk], use_reentrant=False
            )
        return total
