"""The fast decoder (decode.py) against `generate` on real tiny Qwen2 and Llama models (CPU, fp32)."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from safedata.validation import scratch
from safedata.validation.decode import decode, supports
from safedata.validation.generate import generate

# Different lengths, so one batch holds left-padded rows.
PROMPTS = [
    "Hi",
    "What is 2+2?",
    "How do I bake bread at home without any yeast?",
    "Explain the safety rules of a school chemistry lab in detail, one step at a time, with reasons.",
]
NEW = 20


def _gen(model: Any, tok: Any, decoder: str, **kw: Any) -> tuple[list[list[str]], Any]:
    opts: dict[str, Any] = dict(samples=1, temperature=0.0, top_p=1.0, seed=0)
    opts.update(kw)
    return generate(
        model, tok, PROMPTS, max_new_tokens=NEW, batch_size=16, device="cpu", decoder=decoder, **opts
    )


def _lively(model: Any) -> Any:
    """At the default init (std 0.02) a tied-embedding model just repeats its last token; larger layer
    weights give varied output, so a wrong mask, position or cache slot changes the tokens."""
    import torch

    torch.manual_seed(0)
    for name, p in model.named_parameters():
        if p.dim() == 2 and "embed" not in name:
            p.data.normal_(0, 0.3)
    return model.eval()


@pytest.fixture(scope="module")
def qwen2(tokenizer: Any) -> tuple[Any, Any]:
    return _lively(scratch.build_model("qwen2-tiny", tokenizer, seed=0)), tokenizer


@pytest.fixture(scope="module")
def llama(tiny_model: Path) -> tuple[Any, Any]:
    from transformers import AutoModelForCausalLM, AutoTokenizer

    return _lively(AutoModelForCausalLM.from_pretrained(tiny_model)), AutoTokenizer.from_pretrained(
        tiny_model
    )


@pytest.mark.parametrize("arch", ["qwen2", "llama"])
def test_greedy_equals_hf_generate(arch: str, request: pytest.FixtureRequest) -> None:
    model, tok = request.getfixturevalue(arch)
    assert supports(model)
    lengths = {
        len(tok.apply_chat_template([{"role": "user", "content": p}], tokenize=False)) for p in PROMPTS
    }
    assert len(lengths) == len(PROMPTS)
    fast, fast_stats = _gen(model, tok, "fast")
    hf, hf_stats = _gen(model, tok, "hf")
    assert (fast_stats.decoder, hf_stats.decoder) == ("fast", "hf")
    assert fast == hf
    assert fast_stats.new_tokens == hf_stats.new_tokens > 0
    assert len({c[0] for c in fast}) == len(PROMPTS)  # each row its own output


def test_lora_model_decodes_through_its_adapters(qwen2: tuple[Any, Any]) -> None:
    import torch
    from peft import LoraConfig, get_peft_model

    model, tok = qwen2
    peft_model = get_peft_model(copy.deepcopy(model), LoraConfig(r=4, target_modules="all-linear"))
    torch.manual_seed(1)
    for name, p in peft_model.named_parameters():
        if "lora_B" in name:  # zero at init: make the adapters change the output
            p.data.normal_(0, 0.5)
    peft_model.eval()
    assert supports(peft_model)
    fast, _ = _gen(peft_model, tok, "fast")
    assert fast == _gen(peft_model, tok, "hf")[0]
    assert fast != _gen(model, tok, "fast")[0]


def test_sampling_is_seeded_and_tiny_top_p_is_greedy(qwen2: tuple[Any, Any]) -> None:
    model, tok = qwen2
    first, _ = _gen(model, tok, "fast", temperature=1.0, top_p=0.9, seed=1)
    assert first == _gen(model, tok, "fast", temperature=1.0, top_p=0.9, seed=1)[0]
    assert first != _gen(model, tok, "fast", temperature=1.0, top_p=0.9, seed=2)[0]
    assert _gen(model, tok, "fast", temperature=1.0, top_p=1e-6)[0] == _gen(model, tok, "fast")[0]


def test_k_samples_per_prompt(qwen2: tuple[Any, Any]) -> None:
    model, tok = qwen2
    out, stats = _gen(model, tok, "fast", samples=3, temperature=1.0, top_p=1.0, seed=0)
    assert [len(s) for s in out] == [3] * len(PROMPTS)
    assert all(len(set(s)) > 1 for s in out)  # independent samples, not one row copied
    assert stats.new_tokens == 3 * len(PROMPTS) * NEW  # random weights: no row meets EOS here


def test_eos_cuts_a_row_and_counts_only_its_real_tokens(qwen2: tuple[Any, Any]) -> None:
    import torch

    model, tok = qwen2
    encoded = [
        tok(
            tok.apply_chat_template(
                [{"role": "user", "content": p}], add_generation_prompt=True, tokenize=False
            )
        )["input_ids"]
        for p in PROMPTS
    ]
    width, pad = max(map(len, encoded)), tok.pad_token_id
    ids = torch.tensor([[pad] * (width - len(e)) + e for e in encoded])
    mask = torch.tensor([[0] * (width - len(e)) + [1] * len(e) for e in encoded])
    greedy = dict(max_new_tokens=NEW, pad_id=pad, temperature=0.0, top_p=1.0, generator=None)
    free = decode(model, ids, mask, eos_id=-1, **greedy).tolist()
    # Declare a token that row 0 emits at step >= 3 (and not before) the EOS: row 0 must stop right there.
    step = next(i for i in range(3, NEW) if free[0][i] not in free[0][:i])
    eos = free[0][step]
    cut = decode(model, ids, mask, eos_id=eos, **greedy).tolist()
    ends = [row.index(eos) + 1 if eos in row else NEW for row in free]
    assert ends[0] == step + 1
    for row, c, end in zip(free, cut, ends, strict=True):
        assert c[:end] == row[:end]
        assert set(c[end:]) <= {pad}  # finished rows emit pad (and the loop may stop early)
    # Through generate(): both decoders count new tokens up to the EOS, EOS included, and agree on the text.
    tok_eos = copy.deepcopy(tok)
    tok_eos.eos_token = tok_eos.convert_ids_to_tokens(eos)
    assert tok_eos.eos_token_id == eos
    fast, fast_stats = _gen(model, tok_eos, "fast")
    hf, hf_stats = _gen(model, tok_eos, "hf")
    assert fast == hf
    assert fast_stats.new_tokens == hf_stats.new_tokens == sum(ends) < len(PROMPTS) * NEW


def test_unsupported_models_fall_back_to_generate(qwen2: tuple[Any, Any]) -> None:
    from transformers import GPT2Config, GPT2LMHeadModel, Qwen2Config, Qwen2ForCausalLM

    _, tok = qwen2
    gpt2 = GPT2LMHeadModel(GPT2Config(vocab_size=len(tok), n_embd=32, n_layer=1, n_head=2)).eval()
    assert not supports(gpt2)
    out, stats = _gen(gpt2, tok, "fast")
    assert stats.decoder == "hf"
    assert out == _gen(gpt2, tok, "hf")[0]
    sliding = Qwen2Config(
        vocab_size=64, hidden_size=32, num_hidden_layers=2, num_attention_heads=2, num_key_value_heads=1,
        intermediate_size=64, use_sliding_window=True, sliding_window=8, max_window_layers=1,
    )  # fmt: skip
    assert not supports(Qwen2ForCausalLM(sliding))
