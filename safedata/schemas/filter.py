"""Recipe models for `filter:` (detect and select) and `repair:` (fix or drop what the detectors flag)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, SecretStr, field_validator, model_validator

from safedata.filters.patterns import PATTERNS
from safedata.schemas.sources import NamedItem, Strict
from safedata.schemas.teacher import TeacherSpec

PatternName = Literal[PATTERNS]  # type: ignore[valid-type]  # one list of names: filters/patterns.py

Action = Literal["regenerate", "to_template", "drop"]


BACKENDS = ("heuristic", "learned", "llm")  # detectors that label every pattern; the rest are judges


class JudgeSpec(NamedItem):
    name: str = Field(description="A safety judge from the filters registry: rs_match, llama_guard, ...")
    parts: list[Literal["thought", "answer"]] = Field(
        default_factory=lambda: ["thought", "answer"], description="What the judge rates, each part apart."
    )
    model: str | None = Field(None, description="openai_moderation: model name.")
    base_url: str | None = Field(None, description="openai_moderation: endpoint (default: OpenAI).")
    api_key: SecretStr | None = Field(None, description="openai_moderation: key, e.g. ${OPENAI_API_KEY}.")
    teacher: TeacherSpec | None = Field(
        None,
        description="Engine serving this judge's model (llama_guard, wildguard, qwen3guard); default: "
        "filter.teacher.",
    )
    native: bool = Field(
        False,
        description="llama_guard, qwen3guard: send the conversation and let the served model's chat template "
        "build the instruction (default: the instruction is rendered here, for any model).",
    )

    @field_validator("name")
    @classmethod
    def _registered(cls, v: str) -> str:
        # Imported here: the registry imports the judges, which the recipe schema must not load eagerly.
        from safedata.filters.registry import REGISTRY

        judges = [n for n in REGISTRY if n not in BACKENDS]
        if v not in judges:
            raise ValueError(f"unknown judge {v!r}; choose from {', '.join(judges)}")
        return v


class Filter(Strict):
    # heuristic is the default: measured side by side (bench/calibrate.py), it beats `learned` on XSTest
    # refusal accuracy, the STAR-1 false-flag rate and patterns_dev macro-F1 (bench/RESULTS.md).
    backend: Literal[BACKENDS] = Field(  # type: ignore[valid-type]
        "heuristic",
        description="heuristic: offline cues (default); learned: segment classifiers + rules with evidence, "
        "offline; llm: a judge prompt sent through an engine.",
    )
    judge_path: str | None = Field(
        None,
        description="learned: a judge folder written by `safedata judge distill` (default: built-in heads).",
    )
    embed: bool = Field(
        False, description="learned: also run the embedding stage on segments it is unsure about (slower)."
    )
    judges: list[JudgeSpec] = Field(
        default_factory=list, description="Safety judges for unsafe_thought / unsafe_answer."
    )
    patterns: list[PatternName] = Field(
        default_factory=lambda: list(PATTERNS),
        description="Patterns that count as failures for repair and selection (all are still labelled).",
    )
    teacher: TeacherSpec | None = Field(
        None, description="Engine serving the llm backend (and model judges without their own teacher)."
    )
    selection: Literal["keep_all_with_labels", "keep_safe", "all_safe_then_pick_one"] = Field(
        "keep_all_with_labels",
        description="keep_safe: drop flagged rows; all_safe_then_pick_one: keep one sample of prompts whose "
        "K samples are all safe (SafeChain).",
    )

    @model_validator(mode="after")
    def _models_have_an_engine(self) -> Filter:
        if (self.judge_path or self.embed) and self.backend != "learned":
            raise ValueError("`judge_path` and `embed` belong to the learned backend: set `backend: learned`")
        if self.backend == "llm" and self.teacher is None:
            raise ValueError("the llm backend sends its prompt through a teacher engine: set `teacher`")
        for j in self.judges:
            if j.name in MODEL_JUDGES and j.teacher is None and self.teacher is None:
                raise ValueError(f"the {j.name} judge needs a `teacher` (on the judge or on filter)")
        return self


MODEL_JUDGES = ("llama_guard", "wildguard", "qwen3guard")


def _default_actions() -> dict[str, Action]:
    return {p: ("drop" if p == "over_refusal" else "to_template") for p in PATTERNS}


class Repair(Strict):
    rounds: int = Field(2, ge=1, le=5, description="Repair rounds; each re-judges what it changed.")
    actions: dict[PatternName, Action] = Field(
        default_factory=_default_actions,
        description="Pattern -> regenerate (escalated guidelines) | to_template | drop. Unlisted: "
        "to_template "
        "(harmful) or drop (over_refusal).",
    )
    exhausted: Literal["drop", "to_template", "keep"] = Field(
        "drop", description="What happens to rows still flagged after the last round."
    )

    @model_validator(mode="after")
    def _template_is_a_refusal(self) -> Repair:
        if self.actions.get("over_refusal") == "to_template":
            raise ValueError("over_refusal cannot be repaired with to_template (it writes a refusal)")
        self.actions = {**_default_actions(), **self.actions}
        return self
