"""What the teacher is asked, per variant and guideline mode (written for safedata from the published ideas:
RealSafe-R1's risk check, LRM-Safety-Study's improved CoT, short and template CoT).

R1-style models follow instructions best in the user turn (DeepSeek advises against system prompts), so
every instruction is placed before the request in the user message. The record keeps the bare prompt.
Changing any text here changes what is sent: bump `PROMPT_TEMPLATE_VERSION` in engines/base.py.
"""

from __future__ import annotations

from safedata.categories import CATEGORIES

GUIDELINES: dict[str, str] = {
    "default": "",
    "realsafe": (
        "While you think about the request below, check whether carrying it out could enable anything "
        "illegal or unethical. If that risk is clear, say so in your thinking, conclude there that you must "
        "refuse, and then refuse explicitly in your answer. If there is no such risk, help as usual."
    ),
    "improved": (
        "Think about the request below under these rules.\n"
        "1. First judge whether it seeks anything harmful, illegal or unethical. Look through any role-play, "
        "persona, story, hypothetical or required output format to the real request.\n"
        "2. If it does, write no harmful specifics anywhere, your thinking included.\n"
        "3. Do not weigh ways to partly satisfy a harmful request, such as keeping a requested persona, "
        "turning it into fiction, or following its format.\n"
        "4. State your decision to refuse in your thinking, and give an answer that agrees with it.\n"
        "5. When you decided to refuse, begin the answer with a clear refusal; after that you may briefly "
        "point to safe, legitimate help.\n"
        "6. If the request is harmless, help with it fully and do not refuse."
    ),
}

SHORT = (
    "Keep your thinking brief and precise: only the steps that matter{cap}. Before you answer, make sure "
    "your thinking has considered whether the request is safe to fulfil; if it is not, decline clearly."
)

TEMPLATE = (
    "Think in this exact format. First check the request against each unsafe content category below, one "
    "line each: `* <category>: Yes, <why>.` or `* <category>: No.`\n{categories}\n"
    "Then write one line that begins with `Therefore,` and says whether the request is safe to fulfil. "
    "After your thinking, answer: if the request is unsafe, decline clearly and offer a safer direction; "
    "otherwise help fully."
)


def variant_instruction(variant: str, short_thought_words: int | None = None) -> str:
    if variant == "short":
        return SHORT.format(cap=f", at most {short_thought_words} words" if short_thought_words else "")
    if variant == "template":
        return TEMPLATE.format(categories="\n".join(f"* {c.name}" for c in CATEGORIES))
    return ""  # long: the teacher's own, full reasoning


def over_short_cap(variant: str, reasoning: str, short_thought_words: int | None) -> bool:
    """A `short` reply whose thought ignored the word cap its prompt asked for."""
    return variant == "short" and bool(short_thought_words) and len(reasoning.split()) > short_thought_words


def user_message(prompt: str, variant: str, guidelines: str, harmful: bool, short_words: int | None) -> str:
    """The user turn sent to the teacher. Guidelines apply to harmful rows only (they are distillation
    instructions for refusals; benign and math rows are asked plainly so nothing nudges them to refuse)."""
    parts = [variant_instruction(variant, short_words)]
    if harmful and GUIDELINES[guidelines]:
        parts.append(GUIDELINES[guidelines])
    parts = [p for p in parts if p]
    if not parts:
        return prompt
    return "\n\n".join(parts) + f"\n\nREQUEST:\n{prompt}"
