"""`scratch:<size>` models: random weights of a known shape plus a byte-level BPE trained on the dataset.

The model class is Qwen2 (attention biases on q/k/v, as Qwen2.5). The tokenizer stays a
`PreTrainedTokenizerFast` object in this process: transformers 5 re-maps a Qwen2 folder's tokenizer to
Qwen2's own pre-tokenizer when it is reloaded with `AutoTokenizer`, so a saved scratch model is reloaded with
`load_tokenizer` below, never `AutoTokenizer`.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from safedata.errors import SafedataError

PAD, BOS, EOS, THINK, UNTHINK = "<|endoftext|>", "<|im_start|>", "<|im_end|>", "<think>", "</think>"

# ChatML with the R1 assistant turn. The assistant turn ends with <|im_end|>, which is also the EOS.
CHAT_TEMPLATE = (
    "{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)

# name -> (hidden, layers, heads, kv heads, intermediate, vocab). qwen2-0.5b is Qwen2.5-0.5B's shape
# (151,936 vocabulary rows even when the trained BPE has fewer tokens: the speed figures need the real shape).
SIZES: dict[str, tuple[int, int, int, int, int, int]] = {
    "qwen2-tiny": (64, 2, 4, 2, 128, 512),
    "qwen2-60m": (512, 12, 8, 2, 1536, 32768),
    "qwen2-0.5b": (896, 24, 14, 2, 4864, 151936),
}


def parse_size(base_model: str) -> str:
    size = base_model.removeprefix("scratch:")
    if size not in SIZES:
        raise SafedataError(f"unknown scratch size {size!r}; choose one of {', '.join(SIZES)}")
    return size


def train_tokenizer(texts: Iterable[str], vocab_size: int, pad_is_eos: bool = False) -> Any:
    """Byte-level BPE trained on `texts`; <think> and </think> are single tokens."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    specials = [PAD, BOS, EOS, THINK, UNTHINK]
    trainer = trainers.BpeTrainer(
        vocab_size=min(vocab_size, 65536),
        special_tokens=specials,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tok.train_from_iterator(texts, trainer)
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tok, bos_token=BOS, eos_token=EOS, pad_token=EOS if pad_is_eos else PAD
    )
    fast.chat_template = CHAT_TEMPLATE
    return fast


def load_tokenizer(folder: str | Path) -> Any:
    from transformers import PreTrainedTokenizerFast

    tok = PreTrainedTokenizerFast(tokenizer_file=str(Path(folder) / "tokenizer.json"))
    tok.bos_token, tok.eos_token, tok.pad_token = BOS, EOS, PAD
    tok.chat_template = CHAT_TEMPLATE
    return tok


def build_model(size: str, tokenizer: Any, seed: int) -> Any:
    import torch
    from transformers import Qwen2Config, Qwen2ForCausalLM

    hidden, layers, heads, kv, inter, vocab = SIZES[size]
    config = Qwen2Config(
        vocab_size=max(vocab, len(tokenizer)),
        hidden_size=hidden,
        num_hidden_layers=layers,
        num_attention_heads=heads,
        num_key_value_heads=kv,
        intermediate_size=inter,
        max_position_embeddings=32768,
        rope_theta=1_000_000.0,
        rms_norm_eps=1e-6,
        tie_word_embeddings=True,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
    )
    torch.manual_seed(seed)
    return Qwen2ForCausalLM(config)
