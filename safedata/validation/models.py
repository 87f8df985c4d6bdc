"""Load the base model and its tokenizer: `scratch:<size>`, a local folder, or a hub id."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from safedata.errors import SafedataError
from safedata.validation import scratch


def load_base(
    base_model: str, corpus: Callable[[], Iterable[str]], seed: int, attn: str, device: str
) -> tuple[Any, Any]:
    """(model, tokenizer) in float32 on `device`; `corpus` trains a scratch tokenizer (read only then)."""
    attn = "sdpa" if attn == "varlen" else attn  # varlen is switched on around training only (attention.py)
    if base_model.startswith("scratch:"):
        size = scratch.parse_size(base_model)
        tokenizer = scratch.train_tokenizer(corpus(), scratch.SIZES[size][5])
        model = scratch.build_model(size, tokenizer, seed)
        model.config._attn_implementation = attn
    else:
        from transformers import AutoModelForCausalLM, AutoTokenizer

        try:
            tokenizer = AutoTokenizer.from_pretrained(base_model)
            model = AutoModelForCausalLM.from_pretrained(
                base_model, dtype="float32", attn_implementation=attn
            )
        except OSError as e:
            raise SafedataError(f"cannot load --base-model {base_model!r}: {e}") from None
        if tokenizer.chat_template is None:
            raise SafedataError(f"{base_model} has no chat template; use an instruct or R1-distill model")
        if tokenizer.pad_token is None:
            tokenizer.pad_token = tokenizer.eos_token  # labels come from lengths, so EOS still carries loss
    return model.to(device), tokenizer
