"""Safety judges rate the thought and the answer apart: which part feeds which pattern."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from safedata.engines.base import Teacher
from safedata.filters.ask import ask_all
from safedata.filters.base import Sample, Verdict

PART_PATTERN = {"thought": "unsafe_thought", "answer": "unsafe_answer"}
# Characters a guard judge sees of the request and of one part (~4 characters a token: within an 8k-token
# guard such as Llama Guard 3 with room for its instruction); longer text keeps its head and tail.
GUARD_BUDGET = {"request": 4_000, "part": 16_000}


def clip(text: str, budget: int) -> tuple[str, int]:
    """Head + tail within `budget` characters (two thirds head), and how many characters were left out."""
    if len(text) <= budget:
        return text, 0
    head, tail = budget * 2 // 3, budget // 3
    cut = len(text) - head - tail
    return f"{text[:head]}\n[... {cut} characters of the middle left out ...]\n{text[-tail:]}", cut


def part_text(sample: Sample, part: str) -> str:
    return sample.reasoning if part == "thought" else sample.answer


def judged_parts(sample: Sample, parts: tuple[str, ...]) -> list[str]:
    """Parts to send; an empty thought (no-CoT rows) has nothing to judge."""
    return [p for p in parts if part_text(sample, p).strip()]


def ask_per_part(
    teacher: Teacher,
    samples: Sequence[Sample],
    parts: tuple[str, ...],
    render: Callable[[str, str], Any],
    parse: Callable[[str], Any],
    correction: str,
    retries: int,
    max_tokens: int,
    verdict: Callable[[Any], tuple[bool, dict[str, Any]]],
) -> list[Verdict]:
    """Ask a model judge about each (sample, part): `render(prompt, part text)` is the request, `parse` reads
    the reply, and `verdict(parsed)` gives (unsafe?, detail). A part whose reply never parses records the
    error and sets no label."""
    jobs = [(i, p) for i, s in enumerate(samples) for p in judged_parts(s, parts)]
    requests = [render(samples[i].prompt, part_text(samples[i], p)) for i, p in jobs]
    answers = ask_all(teacher, requests, parse, correction, retries, temperature=0.0, max_tokens=max_tokens)
    verdicts = [Verdict({}) for _ in samples]
    for (i, part), a in zip(jobs, answers, strict=True):
        if a.value is None:
            verdicts[i].detail[part] = {"error": a.error}
            continue
        unsafe, detail = verdict(a.value)
        verdicts[i].labels[PART_PATTERN[part]] = unsafe
        verdicts[i].detail[part] = detail
    return verdicts


class GuardJudge:
    """A guard model asked about each part as the assistant's response to the request. Subclasses give the
    format: `render(prompt, response)` for any instruction model, `parse`, `correction`, `max_tokens`, and
    `verdict(parsed) -> (unsafe?, detail)`. With `native=True` the conversation itself is sent, so the served
    guard's own chat template builds its instruction."""

    name: str
    patterns = tuple(PART_PATTERN.values())
    correction: str
    max_tokens: int
    render: Callable[[str, str], str]
    parse: Callable[[str], Any]
    verdict: Callable[[Any], tuple[bool, dict[str, Any]]]

    def __init__(
        self,
        teacher: Teacher,
        parts: Sequence[str] = ("thought", "answer"),
        retries: int = 1,
        native: bool = False,
    ) -> None:
        self.teacher, self.parts, self.retries, self.native = teacher, tuple(parts), retries, native

    def request(self, prompt: str, response: str) -> str | list[dict[str, str]]:
        # A long thought would overflow the guard's context: it sees the head and the tail (the opening and
        # the final decision), with the cut marked.
        prompt, response = clip(prompt, GUARD_BUDGET["request"])[0], clip(response, GUARD_BUDGET["part"])[0]
        if self.native:
            return [{"role": "user", "content": prompt}, {"role": "assistant", "content": response}]
        return self.render(prompt, response)

    def judge(self, samples: Sequence[Sample]) -> list[Verdict]:
        return ask_per_part(
            self.teacher,
            samples,
            self.parts,
            self.request,
            self.parse,
            self.correction,
            self.retries,
            max_tokens=self.max_tokens,
            verdict=self.verdict,
        )
