"""`vllm` engine: in-process `vllm.LLM` on a GPU node (an optional extra: `pip install safedata[vllm]`).

Prompts are rendered with the model's chat template and an optional assistant-turn prefill (ZeroThink /
LessThink / MoreThink) and handed to `LLM.generate` as text. vllm is imported only when the first request
is sent, and its absence is a one-line error.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

from safedata.engines.cache import RequestCache
from safedata.engines.local import Generated, LocalEngine
from safedata.errors import SafedataError
from safedata.schemas.teacher import VLLMTeacher


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

    def __init__(self, spec: VLLMTeacher, cache: Path | RequestCache | None) -> None:
        super().__init__(spec, cache)
        self.spec: VLLMTeacher = spec
        # vLLM schedules continuously inside one call: hand it everything of one sampling setting at once.
        self.batch_size = spec.batch_size
        self._llm: Any = None

    def _load(self) -> Any:
        if importlib.util.find_spec("vllm") is None:
            raise SafedataError(
                "teacher engine `vllm` needs the vllm package: pip install 'safedata[vllm]' (GPU node), "
                "or use engine `openai` against a `vllm serve` endpoint"
            )
        from vllm import LLM

        self._llm = LLM(model=self.spec.model, **vllm_kwargs(self.spec))
        return self._llm.get_tokenizer()

    def _complete(self, prompts: list[str], params: dict[str, Any]) -> list[Generated]:
        from vllm import SamplingParams

        sampling = SamplingParams(
            max_tokens=params.get("max_tokens", 512),
            temperature=params.get("temperature", 1.0),
            top_p=params.get("top_p", 1.0),
        )
        results = []
        for out in self._llm.generate(prompts, sampling, use_tqdm=False):
            done = out.outputs[0]
            finished = done.finish_reason == "stop"
            results.append(Generated(done.text, len(out.prompt_token_ids), len(done.token_ids), finished))
        return results

    def _release(self) -> None:
        self._llm = self._tokenizer = None
