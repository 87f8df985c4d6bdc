"""Teacher engines behind one interface (`base.Teacher`). Registry: engine name -> its class.

Engines are imported only when a recipe names them: distilabel, torch and vllm stay out of light builds.
"""

from __future__ import annotations

import importlib
import sys
import warnings
from pathlib import Path
from typing import Any

from safedata.engines.base import Teacher, TeacherReply, TeacherRequest

ENGINES: dict[str, str] = {
    "openai": "safedata.engines.openai_api:OpenAIEngine",
    "transformers": "safedata.engines.transformers_local:TransformersEngine",
    "vllm": "safedata.engines.vllm_local:VLLMEngine",
}


def make_teacher(spec: Any, cache_dir: Path | None) -> Teacher:
    """The engine for a `teacher:` spec; replies cached in `cache_dir/requests.sqlite` (None: no cache)."""
    module, cls = ENGINES[spec.engine].split(":")
    hook = sys.excepthook  # importing distilabel installs rich tracebacks that print locals (keys): undo it
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # distilabel 1.5.3 trips a harmless pydantic warning on import
        engine = getattr(importlib.import_module(module), cls)
    sys.excepthook = hook
    return engine(spec, cache_dir)


def build_teacher(spec: Any, ctx: Any) -> Teacher:
    """The engine for a build's `ctx`: replies cached in its output folder unless caching is off."""
    from safedata.engines.cache import cache_path

    key = spec.model_dump_json()
    if key not in ctx.engines:  # one engine per distinct spec for the whole build, shared by every block
        ctx.engines[key] = make_teacher(spec, cache_path(ctx.out_dir).parent if ctx.use_cache else None)
    return ctx.engines[key]


__all__ = ["ENGINES", "Teacher", "TeacherReply", "TeacherRequest", "build_teacher", "make_teacher"]
