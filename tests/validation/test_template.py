"""The check that a chat template keeps the thought in assistant turns (validate warns when it does not)."""

from __future__ import annotations

from pathlib import Path

from safedata.validation.template import drops_think, think_warning

# R1-distill's habit, in a minimal template: everything up to `</think>` is cut from assistant turns.
R1_STYLE = (
    "{% for m in messages %}{% set c = m['content'] %}"
    "{% if m['role'] == 'assistant' and '</think>' in c %}{% set c = c.split('</think>')[-1] %}{% endif %}"
    "<|im_start|>{{ m['role'] }}\n{{ c }}<|im_end|>\n{% endfor %}"
)


def test_template_that_cuts_the_thought_is_caught(tiny_model: Path) -> None:
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(tiny_model)
    assert not drops_think(tokenizer) and think_warning("tiny", tokenizer) is None
    tokenizer.chat_template = R1_STYLE
    assert drops_think(tokenizer)
    warning = think_warning("tiny", tokenizer)
    assert warning is not None and "drops <think>" in warning and "tiny" in warning
