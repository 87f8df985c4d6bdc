"""Recipe model for the optional `validate:` block: the settings of schemas/validate.py marked `recipe(...)`,
with their defaults, bounds and help (CLI flags win over it)."""

from __future__ import annotations

import dataclasses
import typing
from typing import Any, Literal

from pydantic import Field, create_model

from safedata.schemas.sources import Strict
from safedata.schemas.validate import ValidateConfig


class EvalFile(Strict):
    kind: Literal["harmful", "benign", "math"]
    path: str
    name: str | None = None  # default: the file stem
    limit: int | None = Field(None, ge=1)
    where: dict[str, str] = Field(default_factory=dict, description="keep rows whose column equals the value")


def _section() -> type[Strict]:
    hints = typing.get_type_hints(ValidateConfig)
    fields: dict[str, Any] = {}
    for f in dataclasses.fields(ValidateConfig):
        if "recipe" not in f.metadata:
            continue
        kwargs = {k: v for k, v in f.metadata["recipe"].items() if v != ""}
        if f.default_factory is not dataclasses.MISSING:
            kwargs["default_factory"] = f.default_factory
        else:
            kwargs["default"] = f.default
        kind = list[EvalFile] if f.name == "evals" else hints[f.name]  # files as the recipe writes them
        fields[f.name] = (kind, Field(**kwargs))
    return create_model("ValidateSection", __base__=Strict, __module__=__name__, **fields)  # type: ignore[call-overload, no-any-return]


ValidateSection = _section()
