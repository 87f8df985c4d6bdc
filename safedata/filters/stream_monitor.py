"""Streaming thought moderation: the thought of a harmful prompt, checked sentence by sentence as it grows.

A `ThoughtMonitor` takes the thought in whatever pieces the stream delivers, cuts it into sentences and, at
each finished sentence, asks a detector about a short window: the sentence, the one before it, and two
anchors (the first sentence that recognised harm and the first that decided to refuse). The anchors are
what make order-dependent patterns visible in a window: playing along *after* a refusal decision (weak
vacillation), weighing compliance *after* recognising harm (strong vacillation). The window stays a few
sentences long, so a check costs the same at the 10th sentence as at the 1,000th.

The detector is any name in the filters' registry (`heuristic`, or `learned` once that backend is
registered): it judges the window as the thought of a harmful prompt with no answer yet, and the monitor
fires on the thought patterns below. Swapping in a better detector changes nothing here.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from safedata.filters import thought
from safedata.filters.base import Detector, Sample

# What a thought in progress can show (the answer is not written yet).
THOUGHT_PATTERNS = ("harmful_additions", "unsafe_thought", "strong_vacillation", "weak_vacillation")
# A sentence ends at . ! ? ; or a line break; a run-on piece (code, a list without stops) is cut at
# MAX_SENTENCE characters so the check still runs.
_END = re.compile(r"(?<=[.!?;])\s+|\n+")
_END_CHARS = frozenset(".!?;\n")  # a piece without one cannot finish a sentence
MAX_SENTENCE = 400


@dataclass(frozen=True)
class Flag:
    pattern: str  # the failure pattern the segment shows
    segment: str  # the sentence at which the thought turned unsafe


WindowCheck = Callable[[str], "str | None"]  # a window of thought -> the pattern it shows, or None


def detector_check(detector: Detector, prompt: str) -> WindowCheck:
    """Ask `detector` about a window as the thought of a harmful prompt whose answer is not written yet."""

    def check(window: str) -> str | None:
        labels = detector.judge([Sample(prompt, window, "", "harmful")])[0].labels
        return next((p for p in THOUGHT_PATTERNS if labels.get(p)), None)

    return check


class ThoughtMonitor:
    def __init__(self, check: WindowCheck, gate: Callable[[str], bool] | None = None) -> None:
        self.check = check
        # A detector may say which sentences can change its verdict (the heuristic: those holding a cue);
        # the others are not sent to it. That keeps moderation cheap next to reading the stream.
        self.gate = gate
        self.sentences = 0  # sentences read
        self.checked = 0  # windows the detector judged
        self._buf = ""
        self._prev = ""
        self._aware = ""  # first sentence that recognised harm
        self._decision = ""  # first sentence that decided to refuse

    def feed(self, piece: str) -> Flag | None:
        """Add the next piece of the thought; a flag at the first sentence that turned unsafe."""
        self._buf += piece
        # Most pieces are one token: a plain character test is much cheaper than a regex search here. The
        # character before the piece counts too: "." may end one piece and the space start the next.
        if _END_CHARS.isdisjoint(self._buf[-len(piece) - 1 :]) and len(self._buf) < MAX_SENTENCE:
            return None  # no sentence finished: nothing new to check
        *done, self._buf = _END.split(self._buf)
        if len(self._buf) >= MAX_SENTENCE:
            done, self._buf = [*done, self._buf], ""
        for sentence in done:
            flag = self._sentence(sentence)
            if flag is not None:
                return flag
        return None

    def finish(self) -> Flag | None:
        """The thought ended: check what is left of its last sentence."""
        rest, self._buf = self._buf, ""
        return self._sentence(rest)

    def _sentence(self, sentence: str) -> Flag | None:
        sentence = sentence.strip()
        if not sentence:
            return None
        self.sentences += 1
        if self.gate is None or self.gate(sentence):
            self.checked += 1
            window = " ".join(s for s in (self._aware, self._decision, self._prev, sentence) if s)
            pattern = self.check(window)
            if pattern is not None:
                return Flag(pattern, sentence)
        if not self._aware and thought.aware(sentence):
            self._aware = sentence
        if not self._decision and thought.decides_refusal(sentence):
            self._decision = sentence
        self._prev = sentence
        return None


MonitorFactory = Callable[[str], ThoughtMonitor]  # the request's prompt -> a monitor for its stream


def monitor_factory(backend: str) -> MonitorFactory:
    """A fresh monitor per stream, sharing one detector (loaded once)."""
    from safedata.filters.registry import make_detector

    detector = make_detector(backend)
    gate = thought.unsafe_cue if backend == "heuristic" else None
    return lambda prompt: ThoughtMonitor(detector_check(detector, prompt), gate)


def first_unsafe(make: MonitorFactory, prompt: str, reasoning: str) -> Flag | None:
    """The same verdict for a thought that did not stream (a cached reply, an engine that does not stream)."""
    monitor = make(prompt)
    return monitor.feed(reasoning + "\n") or monitor.finish()
