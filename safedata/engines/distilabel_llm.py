"""safedata's engines as distilabel LLMs: run the `openai`, `vllm` or `transformers` engine (with its request
cache, retries, pacing, thought kept and prefill-free chat) inside your own distilabel pipeline.

    from distilabel.steps.tasks import TextGeneration
    from safedata.engines.distilabel_llm import SafedataLLM

    llm = SafedataLLM(
        teacher={"engine": "openai", "model": "deepseek-reasoner", "base_url": "https://api.deepseek.com/v1"},
        api_key=os.environ["DEEPSEEK_API_KEY"],
        cache_dir="cache",  # optional: replies kept in cache/requests.sqlite, a rerun sends only the rest
    )
    TextGeneration(llm=llm)

`teacher` is a recipe's `teacher:` section. Every generation is a request of its own (sample index k), so
`num_generations` draws K different samples, and each one is cached. Importable only with distilabel
installed (`pip install 'safedata[distilabel]'`).
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

from pydantic import Field, PrivateAttr, SecretStr, TypeAdapter, model_validator

from safedata.engines.distilabel_engine import import_distilabel
from safedata.errors import SafedataError

try:
    LLM = import_distilabel("distilabel.models.llms.LLM")
    prepare_output = import_distilabel("distilabel.models.llms.utils.prepare_output")
except SafedataError as e:  # an import error, as for any module whose dependency is missing
    raise ImportError(str(e)) from None


# Subclassing distilabel's LLM re-generates its fields' schemas, and one of them trips pydantic's harmless
# `Field(default=None)` warning (the one distilabel's own import raises): not ours, not shown.
with warnings.catch_warnings():
    warnings.simplefilter("ignore")

    class SafedataLLM(LLM):  # type: ignore[misc, valid-type]
        teacher: dict[str, Any]  # a recipe's `teacher:` section (engine, model, sampling, ...)
        api_key: SecretStr | None = Field(default=None, exclude=True)  # never serialised into pipeline.yaml
        cache_dir: str | None = None  # request cache folder; None: no cache

        _engine: Any = PrivateAttr(default=None)
        _spec: Any = PrivateAttr(default=None)

        @model_validator(mode="before")
        @classmethod
        def _key_out_of_teacher(cls, data: Any) -> Any:
            """A key given inside `teacher` moves to `api_key`, which is kept out of serialised pipelines."""
            if (
                isinstance(data, dict)
                and isinstance(data.get("teacher"), dict)
                and "api_key" in data["teacher"]
            ):
                teacher = dict(data["teacher"])
                data = {**data, "teacher": teacher, "api_key": data.get("api_key") or teacher.pop("api_key")}
            return data

        @property
        def model_name(self) -> str:
            return str(self.teacher.get("model", ""))

        def load(self) -> None:
            from safedata.engines import make_teacher
            from safedata.schemas.teacher import teacher_union

            super().load()
            spec = {**self.teacher, **({"api_key": self.api_key} if self.api_key is not None else {})}
            self._spec = TypeAdapter(teacher_union()).validate_python(spec)
            self._engine = make_teacher(self._spec, Path(self.cache_dir) if self.cache_dir else None)

        def unload(self) -> None:
            if self._engine is not None:
                self._engine.close()
                self._engine = None
            super().unload()

        def generate(  # type: ignore[override]
            self,
            inputs: list[list[dict[str, str]]],
            num_generations: int = 1,
            max_new_tokens: int | None = None,
            temperature: float | None = None,
            top_p: float | None = None,
        ) -> list[dict[str, Any]]:
            """Generate `num_generations` samples for each chat, all sent together through the engine.

            Args:
                inputs: the chats, in OpenAI message format.
                num_generations: samples per chat; each is its own request (and cache entry).
                max_new_tokens: cap on generated tokens (default: the teacher's `sampling.max_tokens`).
                temperature: sampling temperature (default: the teacher's).
                top_p: nucleus sampling (default: the teacher's).
            """
            from safedata.engines.base import TeacherRequest

            if self._engine is None:
                self.load()
            given = {"max_tokens": max_new_tokens, "temperature": temperature, "top_p": top_p}
            params = {**self._spec.sampling.params(), **{k: v for k, v in given.items() if v is not None}}
            requests = [
                TeacherRequest.chat(chat, sample=k, **params)
                for chat in inputs
                for k in range(num_generations)
            ]
            replies = self._engine.generate(requests)
            outputs = []
            for start in range(0, len(replies), num_generations):
                mine = replies[start : start + num_generations]
                outputs.append(
                    prepare_output(
                        generations=[r.text if r.ok else None for r in mine],
                        input_tokens=[r.input_tokens for r in mine],
                        output_tokens=[r.output_tokens for r in mine],
                    )
                )
            return outputs
