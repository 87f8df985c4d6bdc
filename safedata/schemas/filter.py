"""Recipe models for `filter:` (detect and select) and `repair:` (fix or drop what the detectors flag).

Backends, judges and repair actions are the registry's (safedata/registry.py): `filter_model()` and
`repair_model()` derive the choices, each judge's keys and the teacher checks from it (and the `teacher:`
union from the engines').
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, create_model, model_validator

from safedata.registry import DETECTORS, REPAIR_ACTIONS
from safedata.schemas.patterns import PATTERNS
from safedata.schemas.registered import names_literal, per_generation, published, tagged_union
from safedata.schemas.sources import Strict
from safedata.schemas.teacher import TeacherBase, teacher_union

PatternName = Literal[PATTERNS]  # type: ignore[valid-type]  # one list of names: schemas/patterns.py


class JudgeBase(Strict):
    """What every safety judge takes; its own keys come from its options model in the registry."""

    parts: list[Literal["thought", "answer"]] = Field(
        default_factory=lambda: ["thought", "answer"], description="What the judge rates, each part apart."
    )

    def options(self) -> dict[str, Any]:
        """The judge's own settings (its options model's keys), for the registry's constructor."""
        return {k: v for k, v in self if k not in ("name", "parts", "teacher")}


def _judge_fields(entry: Any) -> dict[str, Any]:
    if not entry.needs_teacher:
        return {}
    serving = "Engine serving this judge's model; default: filter.teacher."
    return {"teacher": (teacher_union() | None, Field(None, description=serving))}


class FilterBase(Strict):
    backend: str
    judges: list[Any] = Field(default_factory=list)
    patterns: list[PatternName] = Field(
        default_factory=lambda: list(PATTERNS),
        description="Patterns that count as failures for repair and selection (all are still labelled).",
    )
    teacher: TeacherBase | None = None
    selection: Literal["keep_all_with_labels", "keep_safe", "all_safe_then_pick_one"] = Field(
        "keep_all_with_labels",
        description="keep_safe: drop flagged rows; all_safe_then_pick_one: keep one sample of prompts whose "
        "K samples are all safe (SafeChain).",
    )

    def backend_options(self) -> dict[str, Any]:
        """The chosen backend's settings (flat keys of `filter:`), for the registry's constructor."""
        options = DETECTORS[self.backend].options_model()
        return {} if options is None else {k: getattr(self, k) for k in options.model_fields}

    @model_validator(mode="after")
    def _options_and_engines(self) -> FilterBase:
        for entry in DETECTORS.entries("backend"):
            options = entry.options_model()
            if entry.name == self.backend or options is None:
                continue
            given = [k for k, f in options.model_fields.items() if getattr(self, k) != f.get_default()]
            if given:
                keys = " and ".join(f"`{k}`" for k in given)
                verb = "belongs" if len(given) == 1 else "belong"
                raise ValueError(f"{keys} {verb} to the {entry.name} backend: set `backend: {entry.name}`")
        if DETECTORS[self.backend].needs_teacher and self.teacher is None:
            raise ValueError(
                f"the {self.backend} backend sends its prompt through a teacher engine: set `teacher`"
            )
        for j in self.judges:
            if DETECTORS[j.name].needs_teacher and j.teacher is None and self.teacher is None:
                raise ValueError(f"the {j.name} judge needs a `teacher` (on the judge or on filter)")
        return self


DEFAULT_BACKEND = "learned"


@per_generation
def filter_model() -> type[FilterBase]:
    backends = DETECTORS.names("backend")
    # Backends' options are flat keys of `filter:` (`judge_path`, `embed`); each checked against the backend.
    flat: dict[str, Any] = {}
    for entry in DETECTORS.entries("backend"):
        options = entry.options_model()
        flat.update(
            {} if options is None else {k: (f.annotation, f) for k, f in options.model_fields.items()}
        )
    judge = tagged_union(DETECTORS, "name", JudgeBase, role="judge", fields=_judge_fields, bare=True)
    model = create_model(  # type: ignore[call-overload]
        "Filter",
        __base__=FilterBase,
        # learned is the default: measured side by side (bench/calibrate.py, bench/RESULTS.md) it ties the
        # heuristic on XSTest refusal accuracy (it makes the same refusal call), flags fewer STAR-1 rows and
        # scores a higher patterns_dev macro-F1; it needs only numpy, so every install has it.
        backend=(
            names_literal(DETECTORS, "backend"),
            Field(DEFAULT_BACKEND, description=f"Detector that labels every pattern: {', '.join(backends)}."),
        ),
        judges=(
            list[judge],  # type: ignore[valid-type]
            Field(default_factory=list, description="Safety judges for unsafe_thought / unsafe_answer."),
        ),
        teacher=(
            teacher_union() | None,
            Field(
                None,
                description="Engine serving the llm backend (and model judges without their own teacher).",
            ),
        ),
        **flat,
    )
    return published(model, "Filter")  # type: ignore[no-any-return]


def _default_actions() -> dict[str, str]:
    return {p: ("drop" if p == "over_refusal" else "to_template") for p in PATTERNS}


class RepairBase(Strict):
    rounds: int = Field(2, ge=1, le=5, description="Repair rounds; each re-judges what it changed.")
    actions: dict[PatternName, str] = Field(default_factory=_default_actions)
    exhausted: Literal["drop", "to_template", "keep"] = Field(
        "drop", description="What happens to rows still flagged after the last round."
    )

    @model_validator(mode="after")
    def _template_is_a_refusal(self) -> RepairBase:
        if self.actions.get("over_refusal") == "to_template":
            raise ValueError("over_refusal cannot be repaired with to_template (it writes a refusal)")
        self.actions = {**_default_actions(), **self.actions}
        return self


@per_generation
def repair_model() -> type[RepairBase]:
    model = create_model(  # type: ignore[call-overload]
        "Repair",
        __base__=RepairBase,
        actions=(
            dict[PatternName, names_literal(REPAIR_ACTIONS)],  # type: ignore[misc]
            Field(
                default_factory=_default_actions,
                description=f"Pattern -> {' | '.join(REPAIR_ACTIONS.names())}. Unlisted: to_template "
                "(harmful) or drop (over_refusal).",
            ),
        ),
    )
    return published(model, "Repair")  # type: ignore[no-any-return]


# The models for the registries as imported (code that may see plugins registered later calls the functions).
Filter = filter_model()
Repair = repair_model()
