"""Structural checks a thought sentence must pass before a head's weighing or framing call may add a flag.

The heads are trained on template text; on real R1 deliberation they read motive guesses ("the user might be
writing a story"), risk reasoning ("sharing it could be misused") and safe plans ("explain why, offer
resources") as weighing the core request. What separates real weighing is its shape: the assistant (or a
character it voices) proposes to put content in the answer, un-negated, with no safe object and no risk
verdict in the same sentence. Framing is the same: a plan that names the frame it keeps, not negated.
"""

from __future__ import annotations

import re

from safedata.cue import Cue

_I = re.IGNORECASE

# Verbs that put content into the answer.
_ACTION_RE = Cue(
    r"\b(?:giv(?:e|ing)|explain(?:ing)?|mention(?:ing)?|describ(?:e|ing)|detail(?:ing)?|shar(?:e|ing)|"
    r"walk(?:ing)? (?:\w+ ){0,2}through|outlin(?:e|ing)|list(?:ing)?|includ(?:e|ing)|tell(?:ing)?|"
    r"writ(?:e|ing)|lay(?:ing)? out|sketch(?:ing)?|go(?:ing)? (?:over|through)|cover(?:ing)?|"
    r"provid(?:e|ing)|show(?:ing)?|help(?:ing)? (?:them|him|her)|hint(?:ing)?|"
    r"spell(?:ing)? out|point(?:ing)? out)\b",
    _I,
)
# The verb belongs to someone else: "the user is writing a story", "the person asking might be a student
# writing an essay" (a third party in the clause before the verb, and no first person).
_OTHER_AGENT_RE = Cue(r"\b(?:user|they|he|she|someone|people|person|student|asker)\b", _I)
_FIRST_PERSON_RE = Cue(r"\b(?:i|we|i'll|i'd|we'll|we'd)\b", _I)
_NEGATION_RE = Cue(
    r"\b(?:not|never|no|without|avoid\w*|refus\w*|declin\w*|instead of|rather than)\b|n't\b", _I
)
_CLAUSE_CUT_RE = re.compile(r"[,;:—]|\b(?:but|though|so)\b", _I)
# A verdict against doing it, anywhere in the sentence: the sentence reasons about the risk, it does not
# weigh doing the request.
_VERDICT_RE = Cue(
    r"\b(?:refus\w*|declin\w*|avoid\w*|violat\w*|breach\w*|privacy|pii|stereotyp\w*|offensive|risky|"
    r"misus\w*|dangerous|unethical|illegal\w*|inappropriate|irresponsible|harmful|unsafe|problematic|"
    r"deceptive|crim(?:e|inal)|wrong|negative|facilitat\w*|enabl\w*|promot\w*|encourag\w*|"
    r"against (?:the |my )?(?:polic\w+|guidelines))\b",
    _I,
)
# Safe objects: what R1 plans when it redirects, answers the safe part, or handles rights questions.
_SAFE_OBJECT_RE = Cue(
    r"\b(?:resources?|alternatives?|legal (?:options|advice|experts?|routes?|ways)|professionals?|"
    r"experts?|consult\w*|support\w*|help ?lines?|hotlines?|therap\w*|counsel\w*|risks|dangers|"
    r"consequences|why|summary|summari[sz]e|paraphras\w*|public domain|fair use|permission|licen[cs]\w*|"
    r"rights holders?|copyright|safety (?:tips|measures|information)|prevent\w*|protect\w*|report\w*|"
    r"defen[cs]\w*|detect\w*|recogni[sz]\w*|history|ethic\w*|the law)\b",
    _I,
)
# The frame a weak-vacillation plan keeps: a persona, a story, a requested format.
_FRAME_RE = Cue(
    r"\b(?:character|persona|voice|role|roleplay|role-play|scene|story|format|schema|json|table|verse|poem|"
    r"script|game|fictional|fiction|tone|dialogue|narrat\w*|in-character|grandma|grandmother|grandpa|"
    r"mode)\b",
    _I,
)


def _clause_before(sentence: str, pos: int) -> str:
    return _CLAUSE_CUT_RE.split(sentence[:pos])[-1]


def _negated(sentence: str, pos: int) -> bool:
    """A negation in the clause leading up to `pos` ("without giving", "I won't write")."""
    return bool(_NEGATION_RE.search(_clause_before(sentence, pos)))


def _someone_else(sentence: str, pos: int) -> bool:
    clause = _clause_before(sentence, pos)
    return bool(_OTHER_AGENT_RE.search(clause)) and not _FIRST_PERSON_RE.search(clause)


def proposes_core(sentence: str) -> bool:
    """The sentence proposes putting content in the answer, with no safe object and no risk verdict."""
    if _VERDICT_RE.search(sentence) or _SAFE_OBJECT_RE.search(sentence):
        return False
    return any(
        not _negated(sentence, m.start()) and not _someone_else(sentence, m.start())
        for m in _ACTION_RE.finditer(sentence)
    )


def keeps_frame(sentence: str) -> bool:
    """The sentence names a frame (persona, story, format) and does not negate keeping it."""
    return any(not _negated(sentence, m.start()) for m in _FRAME_RE.finditer(sentence))
