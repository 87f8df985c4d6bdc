"""What a detector or judge is: it reads samples and says which patterns fired."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from safedata.schemas.record import Record


@dataclass(frozen=True)
class Sample:
    """What every detector reads: the prompt, the thought and the answer apart, and the prompt's kind."""

    prompt: str
    reasoning: str
    answer: str
    kind: str = "harmful"
    truncated: bool = False  # the thought was cut off (a length limit), so it never reached a decision

    @classmethod
    def of(cls, record: Record) -> Sample:
        return cls(record.prompt, record.reasoning or "", record.answer or "", record.kind, record.truncated)


@dataclass
class Verdict:
    labels: dict[str, bool]  # pattern -> fired, for the patterns this detector covers
    detail: dict[str, Any] = field(default_factory=dict)  # what the judge said, kept in record.judgements


class Detector(Protocol):
    name: str
    patterns: tuple[str, ...]  # the patterns it labels

    def judge(self, samples: Sequence[Sample]) -> list[Verdict]:
        """One verdict per sample, in order (detectors that call a model batch the requests)."""
        ...
