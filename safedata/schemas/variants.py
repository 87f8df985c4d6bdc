"""Recipe models for `variants:` — which kinds of chain of thought each prompt becomes."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from safedata.schemas.sources import NamedItem

# Variants that need no teacher; `imported` is implicit for rows that already carry a trace.
TEACHER_FREE = ("template", "nocot")
# Variants only a teacher can write. `template` is both: teacher-free by default, `teacher: true` to ask one.
TEACHER_ONLY = ("long", "short")
# Variants the recipe's `student:` writes: its own steered traces, or its rewrites of another variant's rows.
STUDENT = ("student", "student_rewrite")
ALL_KINDS: list[Literal["harmful", "benign", "math"]] = ["harmful", "benign", "math"]


class Variant(NamedItem):
    name: Literal["template", "nocot", "long", "short", "student", "student_rewrite"]
    teacher: bool | None = Field(
        None, description="`template` only: have the teacher fill the template (default: teacher-free)."
    )
    kinds: list[Literal["harmful", "benign", "math"]] | None = Field(
        None,
        description="Which kinds of rows get this variant. Default: harmful for teacher-free variants "
        "(they refuse), every kind for teacher and student variants.",
    )
    of: Literal["template", "nocot", "long", "short", "imported"] | None = Field(
        None,
        description="`student_rewrite` only: the variant whose rows the student rewrites (default template).",
    )

    @model_validator(mode="after")
    def _defaults(self) -> Variant:
        if self.of is not None and self.name != "student_rewrite":
            raise ValueError("`of` names the variant a `student_rewrite` rewrites; other variants take none")
        if self.name in STUDENT:
            if self.teacher:
                raise ValueError(f"the `{self.name}` variant is written by the `student:`, not the teacher")
            self.teacher = False
            self.of = self.of or ("template" if self.name == "student_rewrite" else None)
            self.kinds = self.kinds or list(ALL_KINDS)
            return self
        if self.name in TEACHER_ONLY and self.teacher is False:
            raise ValueError(f"the `{self.name}` variant is written by a teacher; drop `teacher: false`")
        if self.name == "nocot" and self.teacher:
            raise ValueError("the `nocot` variant needs no teacher")
        self.teacher = self.name in TEACHER_ONLY or bool(self.teacher)
        if self.kinds is None:
            self.kinds = list(ALL_KINDS) if self.teacher else ["harmful"]
        if not self.teacher and self.kinds != ["harmful"]:
            raise ValueError(f"the `{self.name}` variant writes refusals, so it applies to harmful rows only")
        return self
