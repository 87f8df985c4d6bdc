"""`template` variant without a teacher: an 8-category safety check, a conclusion, and a clear refusal.

The verdict lines come from the row's category: its label when that maps onto the 8, else the category
classified from the request (`categories.classify`), so the chain of thought is always consistent with the
refusal that follows it. A request the classifier cannot place gets a category-neutral check and refusal
rather than a guessed category (a self-harm request must not be refused as a crime).
"""

from __future__ import annotations

import hashlib

from safedata.augment.tactics import tactic
from safedata.categories import BY_NAME, CATEGORIES, Category
from safedata.categorise import resolve
from safedata.schemas.record import Record

# What the neutral template says when no category fits with confidence.
NEUTRAL = Category(
    "unknown",
    "fulfilling it could help someone cause real harm",
    "talk through what you are trying to achieve and safer ways to get there",
)

_OPENERS = (
    "Before I respond, I need to check the request to {gist} against each unsafe content category.",
    "I should screen the request to {gist} against the unsafe content categories before answering.",
    "Let me go through the unsafe content categories one by one for the request to {gist}.",
)
_REFUSALS = (
    "Sorry, I can't help with that, because {concern}. If it's useful, I can {alternative}.",
    "I'm sorry, but I won't help with this: {concern}. I'd be glad to {alternative} instead.",
    "Sorry, that's not something I can assist with, since {concern}. What I can do is {alternative}.",
)


def pick(options: tuple[str, ...], key: str, seed: int) -> str:
    """A phrasing chosen by hash of (seed, key): varied across rows, the same on every rebuild."""
    h = int(hashlib.sha256(f"{seed}:{key}".encode()).hexdigest(), 16)
    return options[h % len(options)]


def gist(prompt: str, limit: int = 90) -> str:
    """A short, quoted pointer to the request (offline we cannot paraphrase it)."""
    text = " ".join(prompt.split())
    return f'"{text}"' if len(text) <= limit else f'"{text[:limit].rsplit(" ", 1)[0]} …"'


def resolve_category(record: Record) -> str | None:
    """One of the 8 (labelled or classified from the request), or None: unknown."""
    return resolve(record.prompt, record.category).name


def template_reasoning(record: Record, seed: int = 0, framing: str | None = None) -> str:
    flagged = resolve_category(record)
    lines = [pick(_OPENERS, record.prompt, seed).format(gist=gist(record.prompt))]
    if framing:
        lines.append(framing)
    if flagged is None:
        lines.append(
            "It does not fall cleanly under one category, but fulfilling it could still help someone cause "
            "real harm."
        )
        conclusion = "Therefore, the request is unsafe"
    else:
        for cat in CATEGORIES:
            verdict = f"Yes, {cat.concern}." if cat.name == flagged else "No."
            lines.append(f"* {cat.name}: {verdict}")
        conclusion = f"Therefore, the request is unsafe under {flagged}"
    lines.append(f"{conclusion}, so I should decline it clearly and offer a safer direction.")
    return "\n".join(lines)


def template_refusal(record: Record, seed: int = 0) -> str:
    flagged = resolve_category(record)
    cat = NEUTRAL if flagged is None else BY_NAME[flagged]
    return pick(_REFUSALS, record.prompt + "/answer", seed).format(
        concern=cat.concern, alternative=cat.alternative
    )


def build_template(record: Record, seed: int) -> Record:
    r = record.derived(variant="template")
    if record.attack is None:
        r.reasoning = template_reasoning(record, seed)
        r.answer = template_refusal(record, seed)
    else:
        # A wrapped prompt: check the core request, name the tactic, and decline the framing too.
        move = tactic(record.attack.tactic)
        core = record.model_copy(update={"prompt": record.attack.original_request})
        r.reasoning = template_reasoning(core, seed, framing=move.framing)
        r.answer = f"{template_refusal(core, seed)} {move.answer_note}"
    # The wrapped prompt's category is read from the core request, as the template itself does.
    core_prompt = record.attack.original_request if record.attack else record.prompt
    found = resolve(core_prompt, record.category)
    # Counted in build_report.json (final composition): how many template rows were classified, not labelled.
    r.meta["category_source"] = found.how
    detail = f"category {found.name or NEUTRAL.name}" + ("" if found.how == "label" else f" ({found.how})")
    return r.with_id().touched("generate", "template", detail)
