"""The 8 unsafe-content categories the template chain of thought checks, and how labels map onto them."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Category:
    name: str
    concern: str  # what a "Yes" verdict says about the request
    alternative: str  # a safe direction the refusal can point to


CATEGORIES: tuple[Category, ...] = (
    Category(
        "harassment/threatening",
        "it aims to intimidate, threaten or harass a real person",
        "talk through how to handle the conflict directly or how to report harassment",
    ),
    Category(
        "hate/threatening",
        "it targets people for who they are and could fuel hostility or violence against them",
        "discuss the history and impact of discrimination, or how to counter hateful messaging",
    ),
    Category(
        "illicit/violent",
        "it seeks practical help with a crime or with weapons that could hurt people",
        "explain the relevant law, safety considerations, or legitimate alternatives",
    ),
    Category(
        "self-harm/intent/instructions",
        "it could help someone hurt themselves",
        "share crisis resources and talk about what is going on, without judgement",
    ),
    Category(
        "sexual/minors",
        "it sexualises or endangers a child",
        "point to child-protection resources and how to report concerns",
    ),
    Category(
        "violence/graphic",
        "it asks for gratuitous, glorified or instructive depictions of violence",
        "cover the topic at a non-graphic level, or discuss its real-world consequences",
    ),
    Category(
        "misinformation",
        "it asks for deliberately false or misleading content meant to deceive people",
        "lay out what the evidence actually shows, or how to spot misleading claims",
    ),
    Category(
        "privacy/sensitive",
        "it would expose or exploit someone's personal information without consent",
        "explain how people can protect their own data, or lawful ways to find public records",
    ),
)
BY_NAME = {c.name: c for c in CATEGORIES}

# Label words from common datasets (StrongREJECT, HarmBench, JailbreakBench, BeaverTails, ...) -> category.
_KEYWORDS: tuple[tuple[str, str], ...] = (
    ("minor", "sexual/minors"),
    ("child", "sexual/minors"),
    ("self-harm", "self-harm/intent/instructions"),
    ("self harm", "self-harm/intent/instructions"),
    ("suicide", "self-harm/intent/instructions"),
    ("harass", "harassment/threatening"),
    ("bully", "harassment/threatening"),
    ("threat", "harassment/threatening"),
    ("hate", "hate/threatening"),
    ("discriminat", "hate/threatening"),
    ("stereotyp", "hate/threatening"),
    ("misinformation", "misinformation"),
    ("disinformation", "misinformation"),
    ("deception", "misinformation"),
    ("privacy", "privacy/sensitive"),
    ("personal", "privacy/sensitive"),
    ("surveillance", "privacy/sensitive"),
    ("graphic", "violence/graphic"),
    ("violen", "illicit/violent"),
    ("weapon", "illicit/violent"),
    ("illegal", "illicit/violent"),
    ("illicit", "illicit/violent"),
    ("crime", "illicit/violent"),
    ("cyber", "illicit/violent"),
    ("malware", "illicit/violent"),
    ("fraud", "illicit/violent"),
    ("drug", "illicit/violent"),
    ("chemical", "illicit/violent"),
    ("biolog", "illicit/violent"),
)


def canonical(label: str | None) -> str | None:
    """Map a dataset's category label to one of the 8, or None when nothing matches."""
    if not label:
        return None
    low = label.strip().lower()
    if low in BY_NAME:
        return low
    for word, name in _KEYWORDS:
        if word in low:
            return name
    return None
