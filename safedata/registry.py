"""The registries: every pluggable part of a build, one line each.

An entry names its code by dotted path (`module:attribute`), resolved only when used, so this module (and the
recipe schema, which derives its unions, tags and checks from it) imports no stage code. An entry says:

- `make`: what builds, reads or does it (a source type's reader, a detector's class, an action's function);
- `options`: the pydantic model of its recipe settings (a source type's fields; a judge's own keys);
- `role`: for detectors, `backend` (labels every pattern; `filter.backend`) or `judge` (`filter.judges`);
- `needs_teacher`: whether it sends prompts through an engine (the schema then asks for a `teacher`);
- `counted_as`: for repair actions, what the round notes count its changed rows as.

Engines' options models subclass `schemas.teacher.TeacherBase` (the `teacher:` keys every engine takes) and
live in a light module (no engine code: the recipe schema imports them); the engine class is imported only
when a recipe names it, so torch, vllm and distilabel stay out of builds that do not use them.

Adding a source type, a detector, a judge, an engine or a repair action: its file (the code and its options
model), its test, and one line below.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from safedata.errors import SafedataError


def resolve(path: str) -> Any:
    """`package.module:attr` -> the object (imported now, not when the registry is read); a path that starts
    with a dot is inside safedata (`.sources.file:read_file`)."""
    module, _, attr = path.partition(":")
    obj: Any = importlib.import_module(module, "safedata")
    for part in attr.split(".") if attr else ():
        obj = getattr(obj, part)
    return obj


@dataclass(frozen=True)
class Entry:
    name: str
    make: str | None = None  # `module:attr` of the reader / class / function
    options: str | None = None  # `module:attr` of its options model (pydantic)
    role: str = ""
    needs_teacher: bool = False
    default_id: str | None = None  # source types: `module:attr` of spec -> the source id shown in reports
    counted_as: str = ""  # repair actions: its column in the round notes and the card (`templated`)

    def load(self) -> Any:
        if self.make is None:
            raise SafedataError(f"`{self.name}` has no code to load")
        return resolve(self.make)

    def options_model(self) -> Any:
        return None if self.options is None else resolve(self.options)


class Registry:
    """Name -> entry, in the order added (the order users see in `choose from` lists)."""

    generation = 0  # bumped by every change: the recipe schema rebuilds its unions when it moves

    def __init__(self, what: str) -> None:
        self.what = what
        self._entries: dict[str, Entry] = {}

    def add(self, name: str, **fields: Any) -> Entry:
        entry = Entry(name, **fields)
        self._entries[name] = entry
        Registry.generation += 1
        return entry

    def remove(self, name: str) -> None:
        del self._entries[name]
        Registry.generation += 1

    def names(self, role: str | None = None) -> tuple[str, ...]:
        return tuple(n for n, e in self._entries.items() if role is None or e.role == role)

    def entries(self, role: str | None = None) -> list[Entry]:
        return [self._entries[n] for n in self.names(role)]

    def __getitem__(self, name: str) -> Entry:
        if name not in self._entries:
            raise SafedataError(f"unknown {self.what} {name!r}; choose from {', '.join(self._entries)}")
        return self._entries[name]

    def __contains__(self, name: object) -> bool:
        return name in self._entries

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)


SOURCES = Registry("source type")
DETECTORS = Registry("detector")
ENGINES = Registry("engine")
REPAIR_ACTIONS = Registry("repair action")

# --- source types (`sources:` and `decontaminate.eval_sets:` items, by `type`) ---
SOURCES.add(
    "file",
    make=".sources.file:read_file",
    options=".schemas.sources:FileSource",
    default_id=".sources.file:default_id",
)
SOURCES.add(
    "hf", make=".sources.hf:read_hf", options=".schemas.sources:HFSource", default_id=".sources.hf:default_id"
)
SOURCES.add(
    "seeds",
    make=".sources.seeds:read_seeds",
    options=".schemas.sources:SeedsSource",
    default_id=".sources.seeds:default_id",
)

# --- detectors: backends label every pattern (`filter.backend`), judges rate safety (`filter.judges`) -------
DETECTORS.add("heuristic", role="backend", make=".filters.heuristic:HeuristicDetector")
DETECTORS.add(
    "learned",
    role="backend",
    make=".filters.learned.detector:LearnedDetector",
    options=".filters.learned:Options",
)
DETECTORS.add("llm", role="backend", needs_teacher=True, make=".filters.llm:LLMJudge")
DETECTORS.add("rs_match", role="judge", make=".filters.rs_match:RSMatchJudge")
DETECTORS.add(
    "llama_guard",
    role="judge",
    needs_teacher=True,
    make=".filters.llama_guard:LlamaGuardJudge",
    options=".filters.llama_guard:Options",
)
DETECTORS.add("wildguard", role="judge", needs_teacher=True, make=".filters.wildguard:WildGuardJudge")
DETECTORS.add(
    "qwen3guard",
    role="judge",
    needs_teacher=True,
    make=".filters.qwen3guard:Qwen3GuardJudge",
    options=".filters.llama_guard:Options",
)
DETECTORS.add(
    "openai_moderation",
    role="judge",
    make=".filters.openai_moderation:OpenAIModerationJudge",
    options=".filters.openai_moderation:Options",
)

# --- engines (`teacher:` / `student:` / a judge's `teacher:`, by `engine`): `make`: an `engines.Engine` ---
# openai: any OpenAI-compatible endpoint (DeepSeek, vLLM / SGLang servers, OpenRouter); transformers: an
# in-process Hugging Face model, batched (CPU or GPU); vllm: in-process vllm.LLM on a GPU node (extra:
# safedata[vllm]); distilabel: any distilabel LLM class and its kwargs (extra: safedata[distilabel]).
ENGINES.add("openai", make=".engines.openai_api:OpenAIEngine", options=".schemas.teacher:OpenAITeacher")
ENGINES.add(
    "transformers",
    make=".engines.transformers_local:TransformersEngine",
    options=".schemas.teacher:TransformersTeacher",
)
ENGINES.add("vllm", make=".engines.vllm_local:VLLMEngine", options=".schemas.teacher:VLLMTeacher")
ENGINES.add(
    "distilabel",
    make=".engines.distilabel_engine:DistilabelEngine",
    options=".schemas.teacher:DistilabelTeacher",
)

# --- repair actions (`repair.actions`), strongest first: a row flagged for several gets the first -----------
# `make`: `act(rows, round_) -> changed rows` (safedata/filters/repair.py says how an action is written).
REPAIR_ACTIONS.add("drop", make=".filters.repair:drop", counted_as="dropped")
REPAIR_ACTIONS.add("to_template", make=".filters.repair:to_template", counted_as="templated")
REPAIR_ACTIONS.add(
    "regenerate", make=".filters.regenerate:repair", needs_teacher=True, counted_as="regenerated"
)
