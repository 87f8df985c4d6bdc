"""The record that flows between stages: one prompt, or one sample of one variant for it."""

from __future__ import annotations

import hashlib
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Kind = Literal["harmful", "benign", "math"]
# The canonical row order: (source index, row in the source, augment index, variant index, sample index).
# Every order-dependent choice (dedup's `first`, union-find roots, sampling, shard order) sorts by it, so the
# output does not depend on how rows were split into blocks or which worker handled them.
Order = tuple[int, int, int, int, int]
KINDS: tuple[str, ...] = ("harmful", "benign", "math")


class Provenance(BaseModel):
    """One thing a stage did to a record (kept so the card and report never re-derive history)."""

    stage: str
    action: str
    detail: str = ""


class TeacherInfo(BaseModel):
    """Which model wrote a sample: the recipe's `teacher:` or its `student:` (the model being trained)."""

    engine: str
    model: str
    params: dict[str, Any] = Field(default_factory=dict)
    guidelines: str = "default"
    decoding: str = "normal"
    role: Literal["teacher", "student"] = "teacher"


class Usage(BaseModel):
    input_tokens: int = 0
    output_tokens: int = 0
    thought_tokens: int = 0  # output_tokens split: the thought's share ...
    answer_tokens: int = 0  # ... and the answer's (see engines/parse.py: split_usage)
    cached: bool = False


class AttackInfo(BaseModel):
    """Set by the augment stage when a request was wrapped in a jailbreak framing."""

    original_request: str
    template_id: str
    tactic: str


class Record(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = ""
    order: Order = (0, 0, 0, 0, 0)
    prompt: str
    kind: Kind
    category: str | None = None
    source: str
    variant: str | None = None
    sample_index: int = 0
    reasoning: str | None = None
    answer: str | None = None
    truncated: bool = False
    teacher: TeacherInfo | None = None
    usage: Usage | None = None
    attack: AttackInfo | None = None
    # Pattern name -> fired?  Filled by filters/; empty until then.
    labels: dict[str, bool] = Field(default_factory=dict)
    # Free-form judge outputs (judge name -> its parsed verdict), kept for audit.
    judgements: dict[str, Any] = Field(default_factory=dict)
    provenance: list[Provenance] = Field(default_factory=list)
    # Source columns that were not mapped, kept for traceability.
    meta: dict[str, Any] = Field(default_factory=dict)

    @property
    def has_trace(self) -> bool:
        return self.reasoning is not None and self.answer is not None

    def assistant_content(self) -> str:
        return render_assistant(self.reasoning or "", self.answer or "")

    def messages(self) -> list[dict[str, str]]:
        return [
            {"role": "user", "content": self.prompt},
            {"role": "assistant", "content": self.assistant_content()},
        ]

    def derived(self, **update: Any) -> Record:
        """A copy for a new row (a variant, a sample): its own lists and dicts, sharing the nested models,
        which stages replace and never edit (a deep copy was a third of teacher-free generation's CPU)."""
        update = {
            "labels": dict(self.labels),
            "judgements": dict(self.judgements),
            "provenance": list(self.provenance),
            "meta": dict(self.meta),
            **update,
        }
        return self.model_copy(update=update)

    def touched(self, stage: str, action: str, detail: str = "") -> Record:
        self.provenance.append(Provenance(stage=stage, action=action, detail=detail))
        return self

    def reordered(self, *, augment: int | None = None, variant: int | None = None) -> Record:
        """Set the augment or variant part of the order key (the sample part follows `sample_index`)."""
        s, row, a, v, _ = self.order
        self.order = (
            s,
            row,
            a if augment is None else augment,
            v if variant is None else variant,
            self.sample_index,
        )
        return self

    def with_id(self) -> Record:
        self.id = record_id(self.source, self.prompt, self.variant, self.sample_index)
        return self


def render_assistant(reasoning: str, answer: str) -> str:
    """The assistant turn in the R1 format every variant shares."""
    return f"<think>\n{reasoning.strip()}\n</think>\n\n{answer.strip()}"


def record_id(source: str, prompt: str, variant: str | None, sample_index: int) -> str:
    """Stable across runs and machines: hash of what makes a sample unique."""
    key = "\x1f".join([source, prompt, variant or "", str(sample_index)])
    return hashlib.sha256(key.encode()).hexdigest()[:16]


def make_ids_unique(records: list[Record]) -> None:
    """The same prompt twice in a source gives the same id; the later copies get `-2`, `-3`, ... in order."""
    seen: dict[str, int] = {}
    for rec in records:
        n = seen.get(rec.id, 0) + 1
        seen[rec.id] = n
        if n > 1:
            rec.id = f"{rec.id}-{n}"
