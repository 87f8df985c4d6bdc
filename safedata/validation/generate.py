"""Batched sampling for the evals: prompts sorted by length (little left padding), K samples per prompt.

Two decoders: `fast` (decode.py, a preallocated KV cache; Qwen2/Llama only) and `hf` (transformers'
`generate`, any model). `fast` falls back to `hf` for models it does not support.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass
class GenStats:
    new_tokens: int = 0
    seconds: float = 0.0
    decoder: str = "hf"  # the decoder that ran
    batch_size: int = 0  # rows decoded together, as given or as auto.gen_batch chose

    @property
    def tokens_per_s(self) -> float:
        return self.new_tokens / self.seconds if self.seconds else 0.0


def generate(
    model: Any,
    tokenizer: Any,
    prompts: list[str],
    *,
    samples: int,
    max_new_tokens: int,
    temperature: float,
    top_p: float,
    batch_size: int | None,
    device: str,
    seed: int = 0,
    cache: str | None = None,
    decoder: str = "fast",
    prefill: str = "",
    on_batch: Callable[[int], None] = lambda n: None,
) -> tuple[list[list[str]], GenStats]:
    """For each prompt, `samples` completions (the text after the chat template's generation prompt).

    `prefill` starts the assistant turn (ZeroThink / LessThink); it is part of each returned completion, so
    the scorer sees the whole thought. A template whose generation prompt already opens `<think>` gets only
    the rest of the prefill. `batch_size` None: the largest batch whose KV cache fits (auto.gen_batch).
    """
    import torch
    from torch.nn.attention import SDPBackend, sdpa_kernel

    from safedata.validation import decode

    fast = decoder == "fast" and decode.supports(model)
    encoded = prompt_ids(tokenizer, prompts, prefill)
    order = sorted(range(len(prompts)), key=lambda i: len(encoded[i]))
    out: list[list[str]] = [[] for _ in prompts]
    if batch_size is None:
        batch_size = _auto_batch(model, device, encoded, max_new_tokens, samples, fast)
    stats = GenStats(decoder="fast" if fast else "hf", batch_size=batch_size)
    pad = tokenizer.pad_token_id
    model.eval()
    torch.manual_seed(seed)
    generator = torch.Generator(device=device).manual_seed(seed)  # the fast decoder's sampling
    per_batch = max(1, batch_size // samples)
    sampling: dict[str, Any] = (
        {"do_sample": True, "temperature": temperature, "top_p": top_p}
        if temperature > 0
        else {"do_sample": False}
    )

    def new_tokens(ids: Any, mask: Any) -> Any:
        """(rows * samples, <= max_new_tokens) token ids after the prompts of a left-padded batch."""
        if fast:  # K samples = each prompt row repeated K times, as num_return_sequences does
            return decode.decode(
                model,
                ids.repeat_interleave(samples, 0),
                mask.repeat_interleave(samples, 0),
                max_new_tokens=max_new_tokens,
                eos_id=tokenizer.eos_token_id,
                pad_id=pad,
                temperature=temperature,
                top_p=top_p,
                generator=generator,
            )
        with torch.inference_mode():
            gen = model.generate(
                input_ids=ids,
                attention_mask=mask,
                max_new_tokens=max_new_tokens,
                num_return_sequences=samples,
                pad_token_id=pad,
                eos_token_id=tokenizer.eos_token_id,
                cache_implementation=cache,  # "static": preallocated KV cache (compiled decode step)
                **sampling,
            )
        return gen[:, ids.shape[1] :]

    start = time.perf_counter()
    # cuDNN attention (sdpa's first choice for masked bf16 on an H100) builds a plan for every new key
    # length, i.e. every decode step: 1.8 ms of host time per layer call, measured (bench/RESULTS.md).
    with sdpa_kernel([SDPBackend.FLASH_ATTENTION, SDPBackend.EFFICIENT_ATTENTION, SDPBackend.MATH]):
        for b in range(0, len(order), per_batch):
            idx = order[b : b + per_batch]
            width = max(len(encoded[i]) for i in idx)
            pads = [width - len(encoded[i]) for i in idx]
            ids = torch.tensor(
                [[pad] * n + encoded[i] for i, n in zip(idx, pads, strict=True)], device=device
            )
            mask = torch.tensor([[0] * n + [1] * (width - n) for n in pads], device=device)
            for row, seq in enumerate(new_tokens(ids, mask).tolist()):
                n = next((k + 1 for k, t in enumerate(seq) if t == tokenizer.eos_token_id), len(seq))
                stats.new_tokens += n
                out[idx[row // samples]].append(tokenizer.decode(seq[:n], skip_special_tokens=False))
            on_batch(len(idx))
    if device.startswith("cuda"):
        torch.cuda.synchronize()
    stats.seconds = time.perf_counter() - start
    return [[completion_text(prefill, t, tokenizer) for t in s] for s in out], stats


def prompt_ids(tokenizer: Any, prompts: list[str], prefill: str) -> list[list[int]]:
    """Each prompt as one user turn through the chat template, the assistant turn opened and pre-filled."""
    texts = [
        tokenizer.apply_chat_template(
            [{"role": "user", "content": p}], add_generation_prompt=True, tokenize=False
        )
        for p in prompts
    ]
    opened = bool(texts) and texts[0].endswith("<think>\n")
    added = prefill.removeprefix("<think>\n") if opened else prefill
    return [tokenizer(t + added, add_special_tokens=False)["input_ids"] for t in texts]


def completion_text(prefill: str, text: str, tokenizer: Any) -> str:
    """What the scorer reads: the prefill (part of the thought) and the decoded text, no EOS/pad markers."""
    return _strip_specials(prefill + text, tokenizer)


def _auto_batch(
    model: Any, device: str, encoded: list[list[int]], max_new_tokens: int, samples: int, fast: bool
) -> int:
    """Rows per batch from the free memory and the longest prompt (every batch fits); HF's growing cache
    holds two copies while it concatenates, so `generate` gets half."""
    from safedata.validation import auto

    if not device.startswith("cuda") or not encoded:
        return auto.CPU_GEN_BATCH
    base = model.get_base_model() if hasattr(model, "get_base_model") else model
    rows = auto.gen_batch(
        auto.Shape.of(base),
        auto.free_memory(device),
        max(len(e) for e in encoded),
        max_new_tokens,
        len(encoded) * samples,
    )
    return rows if fast else max(1, rows // 2)


def _strip_specials(text: str, tokenizer: Any) -> str:
    # Keep <think>/</think> (the scorer needs them) but drop EOS/pad markers.
    for tok in {tokenizer.eos_token, tokenizer.pad_token}:
        if tok:
            text = text.replace(tok, "")
    return text.strip()
