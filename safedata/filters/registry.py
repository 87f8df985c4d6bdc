"""The one registry of detectors and judges: name -> factory.

Adding one: its file, its test, one line here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from safedata.engines.base import Teacher
from safedata.errors import SafedataError
from safedata.filters.base import Detector
from safedata.filters.heuristic import HeuristicDetector
from safedata.filters.learned.detector import LearnedDetector
from safedata.filters.llama_guard import LlamaGuardJudge
from safedata.filters.llm import LLMJudge
from safedata.filters.openai_moderation import OpenAIModerationJudge
from safedata.filters.qwen3guard import Qwen3GuardJudge
from safedata.filters.rs_match import RSMatchJudge
from safedata.filters.wildguard import WildGuardJudge


@dataclass
class JudgeConfig:
    teacher: Teacher | None = None  # the engine that serves a model judge
    parts: tuple[str, ...] = ("thought", "answer")  # what a safety judge rates, each part apart
    options: dict[str, Any] = field(default_factory=dict)  # judge-specific (moderation: model, base_url, ...)


def _teacher(name: str, config: JudgeConfig) -> Teacher:
    if config.teacher is None:
        raise SafedataError(f"the `{name}` judge needs a teacher engine to send its prompts to")
    return config.teacher


REGISTRY: dict[str, Callable[[JudgeConfig], Detector]] = {
    "heuristic": lambda c: HeuristicDetector(),
    "llm": lambda c: LLMJudge(_teacher("llm", c)),
    "learned": lambda c: LearnedDetector(c.options.get("judge_path"), bool(c.options.get("embed"))),
    "rs_match": lambda c: RSMatchJudge(),
    "llama_guard": lambda c: LlamaGuardJudge(
        _teacher("llama_guard", c), c.parts, native=bool(c.options.get("native"))
    ),
    "wildguard": lambda c: WildGuardJudge(_teacher("wildguard", c), c.parts),
    "qwen3guard": lambda c: Qwen3GuardJudge(
        _teacher("qwen3guard", c), c.parts, native=bool(c.options.get("native"))
    ),
    "openai_moderation": lambda c: OpenAIModerationJudge(parts=c.parts, **c.options),
}


def make_detector(name: str, config: JudgeConfig | None = None) -> Detector:
    if name not in REGISTRY:
        raise SafedataError(f"unknown detector {name!r}; choose from {', '.join(REGISTRY)}")
    return REGISTRY[name](config or JudgeConfig())
