"""The recipe: one YAML file that names every stage of a build.

Each section's model lives in its own module; adding a stage adds one field here.
"""

from __future__ import annotations

from pydantic import Field, model_validator

from safedata.schemas.output import Output
from safedata.schemas.sources import Source, Strict
from safedata.schemas.validate import ValidateSection
from safedata.schemas.variants import Variant


class Recipe(Strict):
    name: str = Field(description="Short name; used for the output folder and the card title.")
    description: str = ""
    seed: int = Field(0, description="Seed for every random choice in the build.")
    sources: list[Source] = Field(min_length=1)
    variants: list[Variant] = Field(default_factory=lambda: [Variant(name="template")])
    output: Output = Field(default_factory=Output)
    validate_: ValidateSection | None = Field(
        None, alias="validate", description="`safedata validate` defaults"
    )

    @model_validator(mode="after")
    def _unique_variants(self) -> Recipe:
        names = [v.name for v in self.variants]
        if len(set(names)) != len(names):
            raise ValueError(f"variants listed twice: {names}")
        return self

    def output_dir(self) -> str:
        return self.output.dir.format(name=self.name)
