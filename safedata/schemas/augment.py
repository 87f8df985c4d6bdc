"""Recipe models for `augment:` — wrap seed requests in jailbreak and prompt-injection framings."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from safedata.schemas.sources import LocalFile, Strict


class TemplateColumns(Strict):
    """Which columns of a user template file hold the text, the id and the tactic."""

    text: str = Field("template", description="Template text with a `{request}` placeholder.")
    id: str = Field("id", description="Template id; rows without one get `<source>-<row>`.")
    tactic: str = Field("tactic", description="Tactic label; rows without one get the source's `tactic`.")


class TemplateSourceBase(Strict):
    columns: TemplateColumns = Field(default_factory=TemplateColumns)
    tactic: str = Field("custom", description="Tactic for rows whose tactic column is empty or absent.")


class TemplateFile(TemplateSourceBase, LocalFile):
    """A local jsonl, json, csv or parquet file of templates."""


class TemplateHF(TemplateSourceBase):
    type: Literal["hf"]
    path: str = Field(description="Hub id, local folder, or builder name such as `json` / `parquet`.")
    name: str | None = None
    split: str = "train"
    revision: str | None = None
    data_files: str | list[str] | dict[str, str | list[str]] | None = None


TemplateSource = Annotated[TemplateFile | TemplateHF, Field(discriminator="type")]


class Augment(Strict):
    tactics: list[str] | None = Field(
        None, description="Tactics to draw templates from (default: all, including user templates')."
    )
    per_seed: int = Field(
        1, ge=1, description="Wrapped variants per seed prompt, each from another template."
    )
    seed: int | None = Field(None, description="Sampling seed; defaults to the recipe seed.")
    keep_plain: bool = Field(True, description="Keep the unwrapped seed next to its wrapped variants.")
    wrap_benign: bool = Field(
        False, description="Also wrap benign prompts (they must still be answered: guards over-refusal)."
    )
    exclude_templates: list[str] = Field(
        default_factory=list, description="Template ids never used (e.g. held out for evaluation)."
    )
    templates: list[TemplateSource] = Field(
        default_factory=list, description="Extra user templates (file or hf), each with `{request}`."
    )
