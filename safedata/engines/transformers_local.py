"""`transformers` engine: an in-process Hugging Face model (local path or hub id) on CPU or GPU, batched.

Built on distilabel's `TransformersLLM` (its text-generation pipeline and chat template handling); the
subclass adds assistant-turn pre-filling (ZeroThink / LessThink / MoreThink), which the stock class cannot
express. This is the embedded engine that needs no server.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from distilabel.models.llms import TransformersLLM

from safedata.engines.local import LocalEngine, render
from safedata.schemas.teacher import TransformersTeacher


class R1TransformersLLM(TransformersLLM):
    def prepare_input(self, input: Any) -> str:
        return render(self._pipeline.tokenizer, input)  # type: ignore[union-attr]


class TransformersEngine(LocalEngine):
    engine = "transformers"

    def __init__(self, spec: TransformersTeacher, cache_dir: Path | None) -> None:
        super().__init__(spec, cache_dir)
        self.batch_size = spec.generation_batch_size

    def _load_llm(self) -> R1TransformersLLM:
        import torch

        llm = R1TransformersLLM(model=self.spec.model, device=self.spec.device, torch_dtype=self.spec.dtype)
        llm.load()
        if self.spec.sampling.seed is not None:
            torch.manual_seed(self.spec.sampling.seed)
        return llm

    def _generation_kwargs(self, params: dict[str, Any]) -> dict[str, Any]:
        """OpenAI-style sampling params -> transformers `generate` arguments (temperature 0 = greedy)."""
        temperature = params.get("temperature") or 0.0
        return {
            "max_new_tokens": params.get("max_tokens", 512),
            "do_sample": temperature > 0,
            "temperature": temperature if temperature > 0 else 1.0,
            "top_p": params.get("top_p", 1.0),
            "repetition_penalty": 1.0,
        }
