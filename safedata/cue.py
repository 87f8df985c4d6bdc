"""Cue patterns that skip the texts they cannot match: a linear-time RE2 check in front of Python's `re`.

Why: the detectors' cues are large case-insensitive alternations, and Python's backtracking `re` tries every
alternative at every position of a text, so cue search was a fifth of a teacher-free build's CPU and most of
the heuristic's time on long R1 traces (measured in bench/RESULTS.md, issue 15). Most cues match few texts.
RE2 (google-re2) finds where a match can start in one linear pass, but it lacks lookarounds and its `\\b`,
`\\w`, `\\s`, `\\d` are ASCII-only. So each cue keeps its Python pattern, which gives every result, and gets
an RE2 *superset*: zero-width assertions dropped (anchors, word boundaries, lookarounds), groups made
non-capturing, classes never narrower than Python's. Where the superset finds nothing, neither would the
pattern; otherwise the pattern runs from where the superset's first match starts. Results are exactly `re`'s
(tests/test_cue.py checks every cue on edge cases and real traces; bench/heuristic_speed.py compares labels).

Two supersets per cue: ASCII texts (most traces) get one with ASCII classes, which RE2 runs as a small DFA;
other texts one with Unicode classes, whose DFA is far larger and slower (up to ~100x on the largest cues,
STAR-1 traces), but
which still rules most cues out before Python's `re` runs.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from typing import Any

import re2

# The wrapper's private `Match` entry (see `Cue._start`): google-re2 is pinned below 2 for it.
_UNANCHORED = re2._Anchor.UNANCHORED

# Python's case-insensitive matching equates "i" with these two; RE2's Unicode case folding does not (every
# other letter agrees: checked over the Basic Multilingual Plane in the test). Texts holding them skip the
# RE2 check.
_FOLDS_APART = ("ı", "İ")

# What Python's \\w \\d \\s can match that RE2's cannot, as RE2 class members: in an ASCII text only Python's
# extra spaces (vertical tab, the four separators), in any text the Unicode classes.
_WIDER = {
    False: {"w": r"\w", "d": r"\d", "s": r"\s\x0b\x1c-\x1f"},
    True: {"w": r"\pL\pN\pM_", "d": r"\pN", "s": r"\s\pZ\x0b\x1c-\x1f\x85"},
}
_ZERO_WIDTH_ESCAPES = "bBAZ"
_LOOKAROUNDS = ("(?=", "(?!", "(?<=", "(?<!")


def _group_end(pattern: str, start: int) -> int:
    """Index just past the group opened at `start` (escapes and character classes skipped)."""
    depth, i, in_class = 0, start, False
    while i < len(pattern):
        c = pattern[i]
        if c == "\\":
            i += 2
            continue
        if in_class:
            in_class = c != "]"
        elif c == "[":
            in_class = True
            if pattern[i + 1 : i + 2] == "]":  # a leading "]" is a member
                i += 1
        elif c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    raise re.error("unbalanced parenthesis", pattern, start)


def _char_class(pattern: str, start: int, wide: dict[str, str]) -> tuple[str, int]:
    """The class opened at `start`, made no narrower for RE2. In a plain class \\w \\d \\s are widened (RE2's
    \\W \\S \\D already hold more than Python's); in a negated class the reverse: \\w \\d \\s stay (fewer
    excluded), and one holding \\W \\S or \\D becomes any character."""
    i, negated = start + 1, pattern[start + 1 : start + 2] == "^"
    i += negated
    members = []
    if pattern[i : i + 1] == "]":
        members.append("\\]")
        i += 1
    anything = False
    while pattern[i] != "]":
        if pattern[i] == "\\":
            esc = pattern[i + 1]
            anything |= negated and esc in "WDS"
            members.append(wide[esc] if esc in wide and not negated else pattern[i : i + 2])
            i += 2
        else:
            members.append(pattern[i])
            i += 1
    return (r"(?s:.)" if anything else "[" + "^" * negated + "".join(members) + "]"), i + 1


def superset(pattern: str, flags: int, unicode: bool = True) -> str:
    """An RE2 pattern that matches wherever `pattern` (Python syntax) can match, and maybe elsewhere: in any
    text, or (`unicode=False`) in ASCII texts."""
    wide, out, i = _WIDER[unicode], [], 0
    while i < len(pattern):
        c = pattern[i]
        if c == "\\":
            esc = pattern[i + 1]
            if esc not in _ZERO_WIDTH_ESCAPES:
                out.append(f"[{wide[esc]}]" if esc in wide else pattern[i : i + 2])
            i += 2
        elif c == "[":
            text, i = _char_class(pattern, i, wide)
            out.append(text)
        elif pattern.startswith(_LOOKAROUNDS, i):
            i = _group_end(pattern, i)
        elif pattern.startswith("(?P<", i):
            # Groups do not capture: asked for a group's span, RE2 leaves its fast DFA for a slower engine.
            out.append("(?:")
            i = pattern.index(">", i) + 1
        elif c == "(" and pattern[i + 1 : i + 2] != "?":
            out.append("(?:")
            i += 1
        elif c in "^$":
            i += 1
        elif pattern.startswith("{,", i):  # Python's {,n} is {0,n}; RE2 would read it as text
            out.append("{0,")
            i += 2
        else:
            out.append(c)
            i += 1
    prefix = ("(?i)" if flags & re.IGNORECASE else "") + ("(?s)" if flags & re.DOTALL else "")
    return prefix + "".join(out)


class Cue:
    """A compiled cue: Python's `re.Pattern` for the results, an RE2 superset to skip texts first.

    Has the `re.Pattern` methods the detectors call; each returns what the pattern would."""

    def __init__(self, pattern: str, flags: int = 0) -> None:
        self.re = re.compile(pattern, flags)
        self.pattern, self.flags = self.re.pattern, self.re.flags
        self._folds = bool(self.flags & re.IGNORECASE)
        self._gates: dict[bool, Any] = {}  # compiled on first use: importing the detectors stays cheap

    def _gate(self, unicode: bool) -> Any:
        if unicode not in self._gates:
            options = re2.Options()
            options.log_errors = False
            try:
                self._gates[unicode] = re2.compile(superset(self.pattern, self.flags, unicode), options)
            except (re2.error, re.error, IndexError, KeyError):
                # Syntax it does not translate (back-references, \\u escapes): the pattern runs alone.
                self._gates[unicode] = None
        return self._gates[unicode]

    def _start(self, text: str, pos: int = 0, endpos: int = sys.maxsize) -> int | None:
        """Where the pattern's first match in text[pos:endpos] can start, at the earliest (None: nowhere).
        The superset's first match starts at or before the pattern's, and `re` reads word boundaries and
        lookbehinds before `pos` from the whole text, so searching from there finds the same match."""
        pos, endpos = min(max(pos, 0), len(text)), min(endpos, len(text))  # as `re` clamps them
        if pos > endpos:
            return None
        if text.isascii():
            gate = self._gate(False)
            if gate is None:
                return pos
            # Searched as bytes, an ASCII text's offsets are its own. The wrapper's `search` (a generator,
            # offset decoding, a match object) cost more than RE2's scan itself on short texts: its
            # underlying `Match` is called directly.
            start = gate._regexp.Match(_UNANCHORED, text.encode(), pos, endpos)[0][0]
            return None if start < 0 else start
        if self._folds and any(c in text for c in _FOLDS_APART):
            return pos
        gate = self._gate(True)
        if gate is None:
            return pos
        m = gate.search(text, pos, endpos)
        return None if m is None else m.start()

    def search(self, text: str, pos: int = 0, endpos: int = sys.maxsize) -> re.Match[str] | None:
        start = self._start(text, pos, endpos)
        return None if start is None else self.re.search(text, start, endpos)

    def match(self, text: str, pos: int = 0, endpos: int = sys.maxsize) -> re.Match[str] | None:
        return None if self._start(text, pos, endpos) is None else self.re.match(text, pos, endpos)

    def finditer(self, text: str, pos: int = 0, endpos: int = sys.maxsize) -> Iterator[re.Match[str]]:
        start = self._start(text, pos, endpos)
        return iter(()) if start is None else self.re.finditer(text, start, endpos)

    def findall(self, text: str, pos: int = 0, endpos: int = sys.maxsize) -> list[Any]:
        start = self._start(text, pos, endpos)
        return [] if start is None else self.re.findall(text, start, endpos)

    def split(self, text: str, maxsplit: int = 0) -> list[str | Any]:
        return [text] if self._start(text) is None else self.re.split(text, maxsplit)

    def sub(self, repl: Any, text: str, count: int = 0) -> str:
        return text if self._start(text) is None else self.re.sub(repl, text, count)
