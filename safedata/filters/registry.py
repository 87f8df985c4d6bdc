"""Build a detector or judge from its entry in safedata/registry.py (the one list of them).

Adding one: its file (the class and, if it takes recipe keys, an `Options` model), its test, one line in
safedata/registry.py.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass, field
from typing import Any

from safedata.engines.base import Teacher
from safedata.errors import SafedataError
from safedata.filters.base import Detector
from safedata.registry import DETECTORS


@dataclass
class JudgeConfig:
    teacher: Teacher | None = None  # the engine that serves a model judge
    parts: tuple[str, ...] = ("thought", "answer")  # what a safety judge rates, each part apart
    options: dict[str, Any] = field(default_factory=dict)  # its options model's keys (moderation: model, ...)


def make_detector(name: str, config: JudgeConfig | None = None) -> Detector:
    """The detector `name`, given its teacher (when it needs one), the parts it rates and its options (keys
    its options model does not know are ignored: one options dict may serve several detectors)."""
    entry = DETECTORS[name]
    config = config or JudgeConfig()
    make = entry.load()
    kwargs: dict[str, Any] = {}
    options = entry.options_model()
    if options is not None:
        given = {k: v for k, v in config.options.items() if k in options.model_fields and v is not None}
        kwargs.update(dict(options.model_validate(given)))
    if entry.needs_teacher:
        if config.teacher is None:
            raise SafedataError(f"the `{name}` judge needs a teacher engine to send its prompts to")
        kwargs["teacher"] = config.teacher
    if "parts" in inspect.signature(make).parameters:
        kwargs["parts"] = config.parts
    return make(**kwargs)  # type: ignore[no-any-return]
