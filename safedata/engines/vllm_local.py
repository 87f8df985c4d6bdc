"""`vllm` engine: in-process `vllm.LLM` on a GPU node (an optional extra: `pip install safedata[vllm]`).

Built on distilabel's `vLLM` class; the subclass renders prompts with the model's chat template and an
optional assistant-turn prefill (ZeroThink / LessThink / MoreThink). vllm is imported only when a recipe
names this engine, and its absence is a one-line error.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

from distilabel.models.llms import vLLM

from safedata.engines.local import LocalEngine, render
from safedata.errors import SafedataError
from safedata.schemas.teacher import VLLMTeacher


class R1vLLM(vLLM):
    def prepare_input(self, input: Any) -> str:  # type: ignore[override]
        return render(self._tokenizer, input)


def vllm_kwargs(spec: VLLMTeacher) -> dict[str, Any]:
    """Arguments for `vllm.LLM(...)` from the recipe."""
    extra: dict[str, Any] = {
        "tensor_parallel_size": spec.tensor_parallel_size,
        "gpu_memory_utilization": spec.gpu_memory_utilization,
        "dtype": spec.dtype,
    }
    if spec.max_model_len:
        extra["max_model_len"] = spec.max_model_len
    if spec.sampling.seed is not None:
        extra["seed"] = spec.sampling.seed
    return extra


class VLLMEngine(LocalEngine):
    engine = "vllm"

    def __init__(self, spec: VLLMTeacher, cache_dir: Path | None) -> None:
        super().__init__(spec, cache_dir)
        # vLLM schedules continuously inside one call: hand it everything of one sampling setting at once.
        self.batch_size = spec.batch_size

    def _load_llm(self) -> R1vLLM:
        if importlib.util.find_spec("vllm") is None:
            raise SafedataError(
                "teacher engine `vllm` needs the vllm package: pip install 'safedata[vllm]' (GPU node), "
                "or use engine `openai` against a `vllm serve` endpoint"
            )
        llm = R1vLLM(model=self.spec.model, extra_kwargs=vllm_kwargs(self.spec))
        llm.load()
        return llm

    def _generation_kwargs(self, params: dict[str, Any]) -> dict[str, Any]:
        return {
            "max_new_tokens": params.get("max_tokens", 512),
            "temperature": params.get("temperature", 1.0),
            "top_p": params.get("top_p", 1.0),
        }
