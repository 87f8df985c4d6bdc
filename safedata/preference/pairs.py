"""Build (prompt, chosen, rejected) pairs from the filters stage's judgements.

Three sources (UnsafeChain trains on corrected hard cases; DPO needs both halves):
- repair: a row flagged as generated and clear after repair; the repaired sample is chosen, the original
  failing one rejected, and the patterns that failed it are the pair's reason;
- samples: among the K samples of a harmful prompt (one variant), a sample that passed as generated is
  chosen over one that failed;
- over_refusal: among the samples of a benign or math prompt, a helpful answer is chosen over one that
  refused; with `synthetic_refusals`, a prompt none of whose samples refused gets the template refusal
  as its rejected answer (the over-refusal that refusal-only SFT data teaches).

The collector snapshots every judged sample before repair rewrites records in place.
"""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from safedata.builders.template_cot import template_reasoning, template_refusal
from safedata.schemas.preference import PAIR_SOURCES, Preference
from safedata.schemas.record import Record, render_assistant


@dataclass(frozen=True)
class Sample:
    """One judged sample as generated (before repair)."""

    record_id: str
    text: str  # the assistant turn: <think>…</think> answer
    fired: tuple[str, ...]
    writer: str  # the model that wrote it (or "safedata" for teacher-free rows)


@dataclass
class Pair:
    id: str
    prompt: str
    chosen: str
    rejected: str
    pair_source: str
    reason: str  # the patterns that failed the rejected sample
    kind: str
    category: str
    source: str
    variant: str
    chosen_by: str
    rejected_by: str

    def row(self) -> dict[str, Any]:
        """TRL DPOTrainer's conversational format, plus the pair's provenance as plain columns."""
        out = asdict(self)
        out["prompt"] = [{"role": "user", "content": self.prompt}]
        out["chosen"] = [{"role": "assistant", "content": self.chosen}]
        out["rejected"] = [{"role": "assistant", "content": self.rejected}]
        return out


def writer(rec: Record) -> str:
    return rec.teacher.model if rec.teacher else "safedata"


def snapshot(rec: Record, fired: list[str]) -> Sample:
    return Sample(rec.id, rec.assistant_content(), tuple(fired), writer(rec))


class PairCollector:
    def __init__(self, spec: Preference, seed: int) -> None:
        self.spec, self.seed = spec, seed
        self.first: dict[int, Sample] = {}

    def before_repair(self, judged: list[Record], flagged: Callable[[Record], list[str]]) -> None:
        self.first = {id(r): snapshot(r, flagged(r)) for r in judged}

    def pairs(
        self, judged: list[Record], kept: set[int], flagged: Callable[[Record], list[str]]
    ) -> list[Pair]:
        out: list[Pair] = []
        groups: dict[tuple[str, str, str], list[Record]] = defaultdict(list)
        for r in judged:
            groups[(r.source, r.prompt, r.variant or "")].append(r)
        for group in groups.values():
            group.sort(key=lambda r: r.sample_index)
            wanted = self.spec.sources
            if "repair" in wanted:
                out += self._cap(self._repaired(group, kept, flagged))
            if "samples" in wanted and group[0].kind == "harmful":
                out += self._cap(self._safe_over_unsafe(group, "samples"))
            if "over_refusal" in wanted and group[0].kind != "harmful":
                out += self._cap(self._safe_over_unsafe(group, "over_refusal") or self._synthetic(group))
        return out

    def _cap(self, pairs: list[Pair]) -> list[Pair]:
        return pairs[: self.spec.max_pairs_per_prompt]

    def _pair(self, rec: Record, source: str, chosen: Sample | str, rejected: Sample) -> Pair:
        chosen_text, chosen_by = (
            (chosen.text, chosen.writer) if isinstance(chosen, Sample) else (chosen, writer(rec))
        )
        key = "\x1f".join([rec.source, rec.prompt, source, chosen_text, rejected.text])
        return Pair(
            id=hashlib.sha256(key.encode()).hexdigest()[:16],
            prompt=rec.prompt,
            chosen=chosen_text,
            rejected=rejected.text,
            pair_source=source,
            reason=", ".join(rejected.fired),
            kind=rec.kind,
            category=rec.category or "",
            source=rec.source,
            variant=rec.variant or "",
            chosen_by=chosen_by,
            rejected_by=rejected.writer,
        )

    def _repaired(
        self, group: list[Record], kept: set[int], flagged: Callable[[Record], list[str]]
    ) -> list[Pair]:
        return [
            self._pair(r, "repair", r.assistant_content(), self.first[id(r)])
            for r in group
            if self.first[id(r)].fired and id(r) in kept and not flagged(r)
        ]

    def _safe_over_unsafe(self, group: list[Record], source: str) -> list[Pair]:
        first = [self.first[id(r)] for r in group]
        good = [s for s in first if not s.fired]
        bad = [s for s in first if s.fired and "judge_failed" not in s.fired]  # no verdict: not known bad
        return [self._pair(group[0], source, g, b) for g, b in zip(good, bad, strict=False)]

    def _synthetic(self, group: list[Record]) -> list[Pair]:
        """A helpful sample over the template refusal, for a benign prompt no sample refused."""
        good = [self.first[id(r)] for r in group if not self.first[id(r)].fired]
        if not self.spec.synthetic_refusals or not good or len(good) < len(group):
            return []
        rec = group[0]
        refusal = render_assistant(template_reasoning(rec, self.seed), template_refusal(rec, self.seed))
        rejected = Sample(rec.id, refusal, ("over_refusal",), "safedata (template refusal)")
        return [self._pair(rec, "over_refusal", good[0], rejected)]


def pair_counts(pairs: list[Pair]) -> dict[str, int]:
    counts = Counter(p.pair_source for p in pairs)
    return {s: counts.get(s, 0) for s in PAIR_SOURCES}
