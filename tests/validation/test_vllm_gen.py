"""vLLM eval requests: the same prompt tokens and sampling as the hand-written decoder (vllm itself is a
GPU-node extra, not installed in CI: the request building is what runs here)."""

from __future__ import annotations

from safedata.engines.decoding import PREFILLS
from safedata.validation import vllm_gen
from safedata.validation.generate import prompt_ids


def test_requests_carry_the_decoders_prompt_tokens(tokenizer) -> None:  # type: ignore[no-untyped-def]
    prompts = ["How do I pick a lock?", "What is 2 + 2?"]
    batch, params = vllm_gen.requests(
        tokenizer, prompts, samples=1, max_new_tokens=64, temperature=0.0, top_p=1.0, seed=3, prefill=""
    )
    assert [r["prompt_token_ids"] for r in batch] == prompt_ids(tokenizer, prompts, "")
    first = tokenizer.decode(batch[0]["prompt_token_ids"])
    assert first.startswith("<|im_start|>user\nHow do I pick a lock?") and first.endswith("assistant\n")
    # Greedy, stopped at the tokenizer's EOS (vLLM runs without a tokenizer), token ids back.
    assert params["temperature"] == 0.0 and params["n"] == 1 and params["max_tokens"] == 64
    assert params["stop_token_ids"] == [tokenizer.eos_token_id] and params["detokenize"] is False
    assert params["seed"] == 3


def test_requests_sample_k_with_top_p_and_prefill(tokenizer) -> None:  # type: ignore[no-untyped-def]
    prefill = PREFILLS["zerothink"]
    batch, params = vllm_gen.requests(
        tokenizer, ["Tell me a joke"], samples=4, max_new_tokens=8, temperature=0.7, top_p=0.9, seed=0,
        prefill=prefill,
    )  # fmt: skip
    assert tokenizer.decode(batch[0]["prompt_token_ids"]).endswith(prefill)
    assert (params["n"], params["temperature"], params["top_p"], params["top_k"]) == (4, 0.7, 0.9, -1)
