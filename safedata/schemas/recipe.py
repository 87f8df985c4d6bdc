"""The recipe: one YAML file that names every stage of a build.

Each section's model lives in its own module; adding a stage adds one field here. The sections whose
choices come from the registries (sources, teacher, student, filter, repair, decontaminate) are derived from
them by `recipe_model()`, rebuilt when a registry changes (a plugin registering a source type, judge, engine).
"""

from __future__ import annotations

from typing import Any

from pydantic import Field, create_model, model_validator

from safedata.registry import REPAIR_ACTIONS
from safedata.schemas.augment import Augment
from safedata.schemas.decontaminate import decontaminate_model
from safedata.schemas.dedup import Dedup
from safedata.schemas.filter import filter_model, repair_model
from safedata.schemas.mix import Mix
from safedata.schemas.output import Output
from safedata.schemas.preference import Preference
from safedata.schemas.probe import Probe
from safedata.schemas.publish import Publish
from safedata.schemas.registered import per_generation, published
from safedata.schemas.runner import Runner
from safedata.schemas.sources import Strict, source_union
from safedata.schemas.target import Target
from safedata.schemas.teacher import TeacherBase, teacher_union
from safedata.schemas.validate_block import ValidateSection
from safedata.schemas.variants import STUDENT, Variant


class RecipeBase(Strict):
    name: str = Field(description="Short name; used for the output folder and the card title.")
    description: str = ""
    seed: int = Field(0, description="Seed for every random choice in the build.")
    sources: list[Any]
    augment: Augment | None = Field(None, description="Wrap seed prompts in attack templates.")
    variants: list[Variant] = Field(default_factory=lambda: [Variant(name="template")])
    output: Output = Field(default_factory=Output)
    teacher: TeacherBase | None = None
    student: TeacherBase | None = None
    probe: Probe | None = Field(
        None, description="Keep only the prompts the student fails (asked K times, judged by the filters)."
    )
    filter: Any = None
    repair: Any = None
    preference: Preference | None = Field(
        None, description="Write a `preference` config of (prompt, chosen, rejected) pairs for DPO."
    )
    dedup: Dedup | None = Field(None, description="Exact / MinHash / semantic dedup within each variant.")
    decontaminate: Any = None
    mix: Mix | None = Field(
        None, description="Final rows per kind (ratio or counts) and how they are picked."
    )
    target: Target | None = Field(
        None, description="Draw prompts until N rows per kind pass the filters (or a ceiling is hit)."
    )

    publish: Publish | None = Field(None, description="Push the build to the Hub when it ends.")
    runner: Runner = Field(default_factory=Runner, description="Run in this process or on a Ray cluster.")
    validate_: ValidateSection | None = Field(
        None, alias="validate", description="`safedata validate` defaults"
    )

    @model_validator(mode="after")
    def _unique_variants(self) -> RecipeBase:
        names = [v.name for v in self.variants]
        if len(set(names)) != len(names):
            raise ValueError(f"variants listed twice: {names}")
        needy = [v.name for v in self.variants if v.teacher]
        if needy and self.teacher is None:
            raise ValueError(f"variants {needy} are written by a teacher: add a `teacher:` section")
        return self

    @model_validator(mode="after")
    def _student_has_what_it_needs(self) -> RecipeBase:
        students = [v.name for v in self.variants if v.name in STUDENT]
        if (students or self.probe is not None) and self.student is None:
            what = f"variants {students}" if students else "`probe`"
            raise ValueError(f"{what} ask the model being trained: add a `student:` section")
        if self.student is not None and self.student.decoding != "normal":
            raise ValueError("`student.decoding` must be normal: `student` pre-fills its own safety primer")
        names = {v.name for v in self.variants} | {"imported"}
        for v in self.variants:
            if v.name == "student_rewrite" and v.of not in names:
                raise ValueError(f"`student_rewrite` rewrites the `{v.of}` variant: add it to `variants`")
        if self.preference is not None and self.filter is None:
            raise ValueError("`preference` pairs come from the filters' judgements: add a `filter:` section")
        return self

    @model_validator(mode="after")
    def _repair_has_what_it_needs(self) -> RecipeBase:
        if self.repair is not None and self.filter is None:
            raise ValueError("`repair` fixes what `filter` flags: add a `filter:` section")
        for action in dict.fromkeys(self.repair.actions.values() if self.repair is not None else ()):
            if REPAIR_ACTIONS[action].needs_teacher and self.teacher is None:
                raise ValueError(f"repair action `{action}` asks the teacher again: add a `teacher:` section")
        return self

    @model_validator(mode="after")
    def _target_alone(self) -> RecipeBase:
        if self.target is not None and self.mix is not None:
            raise ValueError("`target` and `mix` both set the final rows per kind: use one of them")
        priced = self.teacher is not None and self.teacher.price is not None
        if self.target is not None and self.target.max_cost and not priced:
            raise ValueError("`target.max_cost` needs `teacher.price` to know what a request costs")
        return self

    def output_dir(self) -> str:
        return self.output.dir.format(name=self.name)


@per_generation
def recipe_model() -> type[RecipeBase]:
    """The recipe model for the registries as they are now (built once per change)."""
    model = create_model(  # type: ignore[call-overload]
        "Recipe",
        __base__=RecipeBase,
        sources=(list[source_union()], Field(min_length=1)),  # type: ignore[misc]
        teacher=(teacher_union() | None, Field(None, description="The model that writes teacher variants.")),
        student=(
            teacher_union() | None,
            Field(
                None,
                description="The model being trained, as an engine: writes `student` / `student_rewrite` "
                "variants and answers `probe:`.",
            ),
        ),
        filter=(filter_model() | None, Field(None, description="Detect failure patterns; select samples.")),
        repair=(
            repair_model() | None,
            Field(None, description="Repair or drop flagged samples (needs `filter`)."),
        ),
        decontaminate=(
            decontaminate_model() | None,
            Field(None, description="Drop rows that overlap evaluation sets."),
        ),
    )
    return published(model, "Recipe")  # type: ignore[no-any-return]


Recipe = recipe_model()  # the built-in registries' model; code that may see plugins calls recipe_model()
