"""Does a chat template keep the thought in assistant turns? R1-distill templates cut `<think>…</think>`
out of them (so a multi-turn history stays short), which makes a trainer that formats the whole chat through
the template (TRL's `SFTTrainer` on `messages`) train on answers without their thought."""

from __future__ import annotations

from typing import Any

_PROBE = "probe-thought-kept"


def drops_think(tokenizer: Any) -> bool:
    """True when rendering a user + assistant chat loses the assistant's thought."""
    chat = [
        {"role": "user", "content": "Hello."},
        {"role": "assistant", "content": f"<think>\n{_PROBE}\n</think>\n\nHi."},
    ]
    try:
        text = tokenizer.apply_chat_template(chat, tokenize=False)
    except Exception:  # a template that cannot render this chat is judged elsewhere (encode fails loudly)
        return False
    return _PROBE not in text


def think_warning(name: str, tokenizer: Any) -> str | None:
    if not drops_think(tokenizer):
        return None
    return (
        f"warning: {name}'s chat template drops <think> from assistant turns; validate tokenizes the "
        "assistant turn itself, but a trainer that formats chats through the template (TRL's SFTTrainer, "
        "on `messages` or `prompt_completion`) trains without the thought: give it a template that keeps it"
    )
