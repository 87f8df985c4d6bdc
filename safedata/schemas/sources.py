"""Recipe models for the `sources:` list."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from safedata.registry import SOURCES
from safedata.schemas.licenses import check_license
from safedata.schemas.record import Kind
from safedata.schemas.registered import per_generation, tagged_union

FileFormat = Literal["jsonl", "json", "csv", "parquet"]
FILE_FORMATS: tuple[str, ...] = get_args(FileFormat)


class Strict(BaseModel):
    """Base for every recipe section: unknown keys are errors, never silently ignored."""

    model_config = ConfigDict(extra="forbid")


class NamedItem(Strict):
    """A list item that may be written as its bare name: `- template` means `- {name: template}`."""

    @model_validator(mode="before")
    @classmethod
    def _from_name(cls, v: object) -> object:
        return {"name": v} if isinstance(v, str) else v


class FieldMap(Strict):
    """Which source column feeds which record field."""

    prompt: str = "prompt"
    category: str | None = None
    reasoning: str | None = None
    answer: str | None = None
    # Full assistant text with the thought in <think>...</think> (a missing opening tag is handled).
    response: str | None = None
    # Worked solution; the final answer is read from `#### x` or `\boxed{x}` (GSM8K / MATH style).
    solution: str | None = None

    @model_validator(mode="after")
    def _one_trace_shape(self) -> FieldMap:
        shapes = [bool(self.response), bool(self.solution), bool(self.reasoning or self.answer)]
        if sum(shapes) > 1:
            raise ValueError("map either `response`, `solution`, or `reasoning` + `answer`, not several")
        if bool(self.reasoning) != bool(self.answer):
            raise ValueError("`reasoning` and `answer` must be mapped together")
        return self

    def columns(self) -> dict[str, str]:
        return {k: v for k, v in self.model_dump().items() if v}


class SourceBase(Strict):
    id: str | None = Field(None, description="Name used in records and reports; defaults from the source.")
    kind: Kind | None = Field(None, description="harmful | benign | math (seeds infer it from the set).")
    category: str | None = Field(None, description="Category for every row, when no column holds one.")
    fields: FieldMap = Field(default_factory=FieldMap)
    limit: int | None = Field(None, ge=1, description="Keep the first N rows (after sampling).")
    sample: int | None = Field(None, ge=1, description="Draw N rows at random (seeded) before `limit`.")
    seed: int | None = Field(None, description="Sampling seed; defaults to the recipe seed.")
    max_prompt_chars: int = Field(20_000, ge=1, description="Longer prompts are quarantined.")
    license: str | None = Field(None, description="The source's license (a Hub id), listed in the card.")

    @field_validator("license")
    @classmethod
    def _hub_license(cls, v: str | None) -> str | None:
        return None if v is None else check_license(v)


class LocalFile(Strict):
    """A local data file: shared by prompt sources and user template files."""

    type: Literal["file"]
    path: str
    format: FileFormat | None = Field(None, description="Inferred from the extension when omitted.")

    @field_validator("path")
    @classmethod
    def _exists(cls, v: str) -> str:
        if not Path(v).is_file():
            raise ValueError(f"file not found: {v}")
        return v


class FileSource(SourceBase, LocalFile):
    @model_validator(mode="after")
    def _format_known(self) -> FileSource:
        if self.format is None:
            ext = Path(self.path).suffix.lstrip(".").lower()
            if ext not in FILE_FORMATS:
                raise ValueError(f"cannot infer format from '.{ext}'; set `format` to one of {FILE_FORMATS}")
            self.format = ext  # type: ignore[assignment]
        if self.kind is None:
            raise ValueError("`kind` is required for file sources (harmful, benign or math)")
        return self


class HFSource(SourceBase):
    type: Literal["hf"]
    path: str = Field(description="Hub id, local folder, or builder name such as `json` / `parquet`.")
    name: str | None = Field(None, description="Dataset config name.")
    split: str = "train"
    revision: str | None = None
    data_files: str | list[str] | dict[str, str | list[str]] | None = None

    @model_validator(mode="after")
    def _kind_given(self) -> HFSource:
        if self.kind is None:
            raise ValueError("`kind` is required for hf sources (harmful, benign or math)")
        return self


class SeedsSource(SourceBase):
    type: Literal["seeds"]
    set: Literal["harmful", "benign", "math"]

    @model_validator(mode="after")
    def _kind_from_set(self) -> SeedsSource:
        if self.kind is None:
            self.kind = self.set  # type: ignore[assignment]
        return self


@per_generation
def source_union() -> Any:
    """One `sources:` item: a member per source type in the registry (safedata/registry.py)."""
    return tagged_union(SOURCES, "type", SourceBase)
