"""safedata.cue: a cue's results are exactly Python's `re`, with or without the RE2 check in front."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import re2

from safedata import categorise
from safedata.cue import _FOLDS_APART, _WIDER, Cue, superset
from safedata.filters import refusal, thought
from safedata.filters.learned import gates

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"

# Texts written for this test: each one sits where the RE2 check and Python's `re` read text differently
# (Unicode word characters and spaces, dotless and dotted i, lookarounds, anchors, {,n}).
_EDGE_TEXTS = [
    "I can't help with that.",
    "I CAN'T HELP WITH THAT.",
    "I cannot assıst with this request, sorry.",  # dotless i: Python's IGNORECASE equates it with i
    "İ WİLL NOT HELP WİTH THAT.",
    "I\u00a0can't\u00a0help with that",  # no-break spaces: `\s` in Python, not in RE2
    "Je ne vais pas expliquer ça, désolé.",
    "No puedo ayudarte con eso; es peligrosísimo.",
    "我不能帮你做这个。这是违法的。",
    "step 1) mix 5g of it\n2) wait",
    "(1) take the lid off, (2) pour it, 3) wait",
    "sorry\nno, that's not something I'll write",
    "",
]


def _module_cues() -> list[tuple[str, Cue]]:
    found = []
    for mod in (thought, refusal, gates, categorise):
        for name, value in vars(mod).items():
            if isinstance(value, Cue):
                found.append((f"{mod.__name__}.{name}", value))
            elif isinstance(value, dict):
                found += [(f"{mod.__name__}.{name}[{k}]", v) for k, v in value.items() if isinstance(v, Cue)]
    return found


def _real_texts(limit: int = 60) -> list[str]:
    texts: list[str] = []
    star = DATA / "star1" / "STAR-1.json"
    if star.exists():
        texts += [r["response"] for r in json.loads(star.read_text(encoding="utf-8"))[:limit]]
    for path in sorted((DATA / "patterns_dev").glob("*.jsonl"))[:2]:
        for line in path.read_text(encoding="utf-8").splitlines()[:limit]:
            texts += [v for v in json.loads(line).values() if isinstance(v, str) and len(v) > 20]
    return texts


def _same(cue: Cue, text: str) -> None:
    def spans(matches: object) -> list[tuple[int, int]]:
        return [m.span() for m in matches]  # type: ignore[attr-defined]

    py = cue.re
    for pos in (0, len(text) // 3):
        a, b = py.search(text, pos), cue.search(text, pos)
        assert (a and a.span()) == (b and b.span()), (cue.pattern[:60], text[:80], pos)
        assert spans(py.finditer(text, pos)) == spans(cue.finditer(text, pos))
        assert py.findall(text, pos) == cue.findall(text, pos)
        a, b = py.match(text, pos), cue.match(text, pos)
        assert (a and a.span()) == (b and b.span())
    assert py.split(text) == cue.split(text)
    assert py.sub("#", text) == cue.sub("#", text)


def test_every_detector_cue_gets_an_re2_check() -> None:
    cues = _module_cues()
    assert len(cues) > 60
    # The translation covers every cue the detectors use: none runs without its RE2 check.
    assert [name for name, c in cues if c._gate(True) is None or c._gate(False) is None] == []


def test_cues_give_python_re_results_on_edge_texts() -> None:
    for _, cue in _module_cues():
        for text in _EDGE_TEXTS:
            _same(cue, text)


def test_cues_give_python_re_results_on_real_traces() -> None:
    texts = _real_texts()
    if not texts:
        pytest.skip("shared data not present")
    texts += [t.upper() for t in texts[:50]]
    skipped = 0
    for _, cue in _module_cues():
        for text in texts:
            _same(cue, text)
            skipped += cue._start(text) is None
    assert skipped > len(texts)  # the check skips texts (else it only costs)


@pytest.mark.parametrize(
    ("pattern", "text"),
    [
        (r"\bcafé\b", "un café."),  # RE2's \b is ASCII: é would not be a word character
        (r"(?<=\s)x\w+", "a\u00a0xé"),
        (r"(?m)^no[,.!]", "well\nno, thanks"),
        (r"a\s+b", "a\u2003b"),
        (r"[^\W\d_]+z", "éz"),  # letters only: RE2 would keep ASCII ones
        (r"ab{,2}c", "abbc"),
        (r"(?i)will", "WİLL"),
        (r"(?i)is", "ıs"),
        (r"x(?!y)\d", "x٣"),  # an Arabic-Indic digit is \d in Python
    ],
)
def test_superset_matches_where_python_does(pattern: str, text: str) -> None:
    cue = Cue(pattern, re.IGNORECASE)
    assert cue.re.search(text)
    found = cue.search(text)
    assert found is not None and found.span() == cue.re.search(text).span()  # type: ignore[union-attr]


def test_superset_drops_assertions_and_widens_classes() -> None:
    assert superset(r"(?<!\w)ab(?=c)\b$", 0) == "ab"
    assert superset(r"[^\s]x[\s]", re.IGNORECASE) == r"(?i)[^\s]x[\s\pZ\x0b\x1c-\x1f\x85]"
    assert superset(r"\s(a)\w", 0, unicode=False) == r"[\s\x0b\x1c-\x1f](?:a)[\w]"
    assert superset(r"[^\W\d]", 0) == "(?s:.)"
    assert superset(r"\w{,3}", 0) == r"[\pL\pN\pM_]{0,3}"


def test_wider_classes_hold_every_character_python_matches() -> None:
    bmp = "".join(chr(c) for c in range(1, 0x10000) if not 0xD800 <= c < 0xE000)
    for unicode, text in ((True, bmp), (False, bmp[:127])):
        for esc, members in _WIDER[unicode].items():
            python = set(re.findall(rf"\\{esc}", text))
            assert python <= set(re2.compile(f"[{members}]").findall(text)), (unicode, esc)
    # And case-insensitive letters: only the dotless and dotted i fold apart (guarded in `Cue`).
    options = re2.Options()
    options.case_sensitive = False
    apart = {
        c
        for letter in "abcdefghijklmnopqrstuvwxyzéüßç"
        for c in set(re.findall(letter, bmp, re.I)) - set(re2.compile(letter, options).findall(bmp))
    }
    assert apart == set(_FOLDS_APART)


def test_untranslatable_pattern_runs_alone() -> None:
    cue = Cue(r"(\w)\1")  # a back-reference: RE2 has none
    assert cue._gate(True) is None and cue._gate(False) is None
    assert cue.search("book").span() == (1, 3)  # type: ignore[union-attr]
