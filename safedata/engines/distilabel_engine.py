"""`distilabel` engine: any distilabel LLM class (OpenAILLM, AnthropicLLM, InferenceEndpointsLLM, ...) as a
safedata teacher, with the `safedata[distilabel]` extra.

    teacher:
      engine: distilabel
      model: deepseek-reasoner
      class: distilabel.models.llms.OpenAILLM
      kwargs: {base_url: https://api.deepseek.com/v1, api_key: "${DEEPSEEK_API_KEY}"}

Requests go through safedata's request cache like any engine's (looked up first, replies recorded as they
arrive), in chunks of `generation_batch_size` through the LLM's own `generate`. A distilabel LLM takes a
chat and returns text, so the assistant turn cannot be pre-filled (`decoding: normal` only), a thought the
provider returns apart from the text is lost (stock `OpenAILLM` drops `reasoning_content`: use engine
`openai` for R1 APIs), and a chunk that raises fails its requests (sent again on the next run).
"""

from __future__ import annotations

import importlib
import sys
import warnings
from pathlib import Path
from typing import Any

from safedata.engines.base import TeacherReply, TeacherRequest
from safedata.engines.cache import RequestCache
from safedata.engines.engine import Engine, OnReply, Requests, Slots, chunks, deliver
from safedata.errors import SafedataError
from safedata.schemas.teacher import DistilabelTeacher

# safedata's sampling names -> the names distilabel LLMs' generate methods use for them
_PARAM_NAMES = {
    "max_tokens": ("max_new_tokens", "max_tokens"),
    "temperature": ("temperature",),
    "top_p": ("top_p",),
}


def import_distilabel(dotted: str) -> Any:
    """`module.Name` from distilabel (or a package built on it), without its import side effects: distilabel
    installs rich tracebacks that print every frame's locals (keys among them), and trips a harmless pydantic
    warning. Missing: one line naming the extra."""
    module, _, name = dotted.rpartition(".")
    hook = sys.excepthook
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            found = getattr(importlib.import_module(module), name)
    except ModuleNotFoundError as e:
        if e.name and e.name.split(".")[0] == "distilabel":
            raise SafedataError(f"{dotted} needs distilabel: pip install 'safedata[distilabel]'") from None
        raise SafedataError(f"cannot import {dotted}: {e}") from None
    except AttributeError:
        raise SafedataError(f"cannot import {dotted}: {module} has no {name}") from None
    finally:
        sys.excepthook = hook
    return found


class DistilabelEngine(Engine):
    engine = "distilabel"

    def __init__(self, spec: DistilabelTeacher, cache: Path | RequestCache | None) -> None:
        super().__init__(spec, cache)
        self.spec: DistilabelTeacher = spec
        # Two classes serving the same model name answer differently: the class is part of the cache key.
        self.book.model = f"{spec.llm_class}:{spec.model}"
        self._llm: Any = None

    def _load(self) -> Any:
        cls = import_distilabel(self.spec.llm_class)
        kwargs = dict(self.spec.kwargs)
        if "model" in getattr(cls, "model_fields", {}) and "model" not in kwargs:
            kwargs["model"] = self.spec.model
        try:
            llm = cls(**kwargs)
            llm.load()
        except Exception as e:  # noqa: BLE001 - a wrong kwarg or a provider SDK missing: one line
            raise SafedataError(f"cannot load {self.spec.llm_class}: {type(e).__name__}: {e}") from None
        return llm

    def _generation_kwargs(self, params: dict[str, Any]) -> dict[str, Any]:
        """The request's sampling params under the names this LLM's generate method takes."""
        accepted = {p.name for p in self._llm.generate_parameters}
        out = {}
        for ours, theirs in _PARAM_NAMES.items():
            name = next((n for n in theirs if n in accepted), None)
            if name is not None and params.get(ours) is not None:
                out[name] = params[ours]
        return out

    def _send(self, requests: Requests, indices: list[int], replies: Slots, on_reply: OnReply | None) -> None:
        if self._llm is None:
            self._llm = self._load()
        for params, chunk in chunks(requests, indices, self.spec.generation_batch_size):
            kwargs = self._generation_kwargs(params)
            self.book.stats.sent += len(chunk)
            try:
                outputs = self._llm.generate_outputs(
                    inputs=[requests[i].as_messages() for i in chunk], num_generations=1, **kwargs
                )
            except Exception as e:  # noqa: BLE001 - whatever the provider raised fails these requests
                for i in chunk:
                    deliver(replies, on_reply, i, self.book.record_error(requests[i], type(e).__name__))
                continue
            for i, out in zip(chunk, outputs, strict=True):
                deliver(replies, on_reply, i, self._take(requests[i], out, kwargs))

    def _take(self, req: TeacherRequest, out: dict[str, Any], kwargs: dict[str, Any]) -> TeacherReply:
        text = (out.get("generations") or [None])[0]
        if not text:
            return self.book.record_error(req, "EmptyReply")
        stats = out.get("statistics") or {}
        n_in = sum(stats.get("input_tokens") or [0])
        n_out = (stats.get("output_tokens") or [0])[0]
        cap = kwargs.get("max_new_tokens", kwargs.get("max_tokens"))
        # distilabel reports no finish reason: a reply that used the whole budget was cut.
        finish = "length" if cap and n_out >= cap else "stop"
        return self.book.record(
            req, {"content": text, "reasoning": None, "finish_reason": finish}, (n_in, n_out)
        )

    def _release(self) -> None:
        llm, self._llm = self._llm, None
        if llm is None:
            return
        llm.unload()
        loop = getattr(
            llm, "_event_loop", None
        )  # an AsyncLLM's own loop (it would close only when collected)
        if loop is not None and getattr(llm, "_new_event_loop", False) and not loop.is_closed():
            loop.close()
