"""`transformers` engine: an in-process Hugging Face model (local path or hub id) on CPU or GPU, batched.

Straight on `AutoModelForCausalLM.generate`: prompts rendered with the model's chat template and an optional
assistant-turn prefill (ZeroThink / LessThink / MoreThink), padded on the left, decoded without special
tokens. This is the embedded engine that needs no server. torch and transformers load with the model.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from safedata.engines.cache import RequestCache
from safedata.engines.local import Generated, LocalEngine
from safedata.schemas.teacher import TransformersTeacher


class TransformersEngine(LocalEngine):
    engine = "transformers"

    def __init__(self, spec: TransformersTeacher, cache: Path | RequestCache | None) -> None:
        super().__init__(spec, cache)
        self.spec: TransformersTeacher = spec
        self.batch_size = spec.generation_batch_size
        self._model: Any = None

    def _load(self) -> Any:
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        tokenizer = AutoTokenizer.from_pretrained(self.spec.model)
        tokenizer.padding_side = "left"  # a batch's new tokens start at the same column
        if tokenizer.pad_token is None:
            tokenizer.pad_token = tokenizer.eos_token
        model = AutoModelForCausalLM.from_pretrained(
            self.spec.model, torch_dtype=getattr(torch, self.spec.dtype)
        )
        self._model = model.to(self.spec.device).eval()
        if self.spec.sampling.seed is not None:
            torch.manual_seed(self.spec.sampling.seed)
        return tokenizer

    def _complete(self, prompts: list[str], params: dict[str, Any]) -> list[Generated]:
        import torch

        tok = self._tokenizer
        # The chat template wrote every special token the model expects: add none.
        batch = tok(prompts, return_tensors="pt", padding=True, add_special_tokens=False).to(
            self._model.device
        )
        with torch.inference_mode():
            out = self._model.generate(**batch, **generate_kwargs(params), pad_token_id=tok.pad_token_id)
        new = out[:, batch["input_ids"].shape[1] :].tolist()
        stops = {t for t in (tok.eos_token_id, self._model.generation_config.eos_token_id) if t is not None}
        stops = {t for s in stops for t in (s if isinstance(s, list) else [s])}
        results = []
        for row, mask in zip(new, batch["attention_mask"].sum(dim=1).tolist(), strict=True):
            end = next((k for k, t in enumerate(row) if t in stops), None)
            tokens = row if end is None else row[: end + 1]  # the end-of-sequence token was generated (paid)
            text = tok.decode(tokens, skip_special_tokens=True)
            results.append(Generated(text, int(mask), len(tokens), finished=end is not None))
        return results

    def _release(self) -> None:
        self._model = self._tokenizer = None


def generate_kwargs(params: dict[str, Any]) -> dict[str, Any]:
    """OpenAI-style sampling params -> transformers `generate` arguments (temperature 0 = greedy)."""
    temperature = params.get("temperature") or 0.0
    if temperature <= 0:
        return {"max_new_tokens": params.get("max_tokens", 512), "do_sample": False}
    return {
        "max_new_tokens": params.get("max_tokens", 512),
        "do_sample": True,
        "temperature": temperature,
        "top_p": params.get("top_p", 1.0),
    }
