"""Engine registry: one entry per engine, with the recipe model of its `teacher:` options.

Adding an engine: its module (a subclass of `safedata.engines.engine.Engine`), its options model in
`safedata.schemas.teacher`, its test, and one line here. The class is imported only when a recipe names the
engine, so torch, vllm and distilabel stay out of builds that do not use them.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

from safedata.schemas.teacher import (
    DistilabelTeacher,
    OpenAITeacher,
    TeacherBase,
    TransformersTeacher,
    VLLMTeacher,
)

if TYPE_CHECKING:
    from safedata.engines.engine import Engine


@dataclass(frozen=True)
class EngineEntry:
    name: str  # the recipe's `engine:` value
    target: str  # "module:Class" of the engine
    options: type[TeacherBase]  # the `teacher:` model of this engine (its `engine` field is the name)
    summary: str

    def load(self) -> type[Engine]:
        module, cls = self.target.split(":")
        return getattr(importlib.import_module(module), cls)  # type: ignore[no-any-return]


ENGINES: dict[str, EngineEntry] = {
    e.name: e
    for e in (
        EngineEntry("openai", "safedata.engines.openai_api:OpenAIEngine", OpenAITeacher,
                    "any OpenAI-compatible endpoint (DeepSeek, vLLM / SGLang servers, OpenRouter)"),
        EngineEntry("transformers", "safedata.engines.transformers_local:TransformersEngine",
                    TransformersTeacher, "an in-process Hugging Face model, batched (CPU or GPU)"),
        EngineEntry("vllm", "safedata.engines.vllm_local:VLLMEngine", VLLMTeacher,
                    "in-process vllm.LLM on a GPU node (extra: safedata[vllm])"),
        EngineEntry("distilabel", "safedata.engines.distilabel_engine:DistilabelEngine", DistilabelTeacher,
                    "any distilabel LLM class and its kwargs (extra: safedata[distilabel])"),
    )
}  # fmt: skip
