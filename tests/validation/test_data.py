"""Label masks, EOS supervision and packing of the SFT data."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from safedata.validation import scratch
from safedata.validation.data import IGNORE, Example, encode, pack, read_build, schedule, split_tokens
from safedata.validation.loss import CausalLMLoss

MESSAGES = [
    {"role": "user", "content": "How do I pick a lock?"},
    {
        "role": "assistant",
        "content": "<think>\nThis asks for a break-in method.\n</think>\n\nI can't help with that.",
    },
]


def test_only_assistant_tokens_and_eos_carry_loss(tokenizer) -> None:  # type: ignore[no-untyped-def]
    ex = encode(MESSAGES, tokenizer, 4096)
    prefix = tokenizer.apply_chat_template(MESSAGES[:1], add_generation_prompt=True, tokenize=False)
    n_prompt = len(tokenizer(prefix, add_special_tokens=False)["input_ids"])
    assert ex.labels[:n_prompt] == [IGNORE] * n_prompt
    assert ex.labels[n_prompt:] == ex.ids[n_prompt:]  # every assistant token, nothing else
    assert ex.ids[-1] == tokenizer.eos_token_id and ex.labels[-1] == tokenizer.eos_token_id
    assert tokenizer.decode(ex.ids[n_prompt:-1]) == MESSAGES[1]["content"]
    assert tokenizer.convert_ids_to_tokens(ex.ids[n_prompt]) == "<think>"


def test_eos_is_supervised_when_pad_is_eos(build_dir: Path) -> None:
    rows = read_build(build_dir, [])
    tok = scratch.train_tokenizer(
        (m["content"] for r in rows[:50] for m in r["messages"]), 512, pad_is_eos=True
    )
    assert tok.pad_token_id == tok.eos_token_id
    ex = encode(MESSAGES, tok, 4096)
    assert ex.labels[-1] == tok.eos_token_id
    short = encode(MESSAGES[:1] + [{"role": "assistant", "content": "Sure."}], tok, 4096)
    mb = pack([ex, short], tok.pad_token_id, "padded")
    # The padded row is right-padded with the EOS id; only the real EOS positions are labelled.
    assert sum(x == tok.eos_token_id for row in mb.labels for x in row) == 2


def test_truncation_is_flagged(tokenizer) -> None:  # type: ignore[no-untyped-def]
    ex = encode(MESSAGES, tokenizer, 12)
    assert len(ex.ids) == 12 and ex.truncated


def test_packed_loss_equals_unpacked(build_dir: Path, tokenizer) -> None:  # type: ignore[no-untyped-def]
    rows = read_build(build_dir, [])[:6]
    examples = [encode(r["messages"], tokenizer, 512) for r in rows]
    model = scratch.build_model("qwen2-tiny", tokenizer, 0)
    net = CausalLMLoss(model).eval()
    pad = tokenizer.pad_token_id
    with torch.no_grad():
        alone = sum(float(net(**pack([e], pad, "packed", multiple=1).tensors("cpu"))) for e in examples)
        packed = pack(examples, pad, "packed")
        padded = pack(examples, pad, "padded")
        assert float(net(**packed.tensors("cpu"))) == pytest.approx(alone, rel=1e-4)
        assert float(net(**padded.tensors("cpu"))) == pytest.approx(alone, rel=1e-4)
    # No attention across documents: the last example's hidden states are the same alone and packed,
    # and differ when position ids do not restart (one long document).
    last = examples[-1]
    start = sum(len(e.ids) for e in examples[:-1])
    decoder = model.get_decoder()
    row = packed.tensors("cpu")
    with torch.no_grad():
        alone_h = decoder(input_ids=torch.tensor([last.ids]), use_cache=False)[0][0]
        packed_h = decoder(input_ids=row["input_ids"], position_ids=row["position_ids"], use_cache=False)[0][
            0
        ]
        flat_h = decoder(input_ids=row["input_ids"], use_cache=False)[0][0]
    span = slice(start, start + len(last.ids))
    assert torch.allclose(packed_h[span], alone_h, atol=1e-4)
    assert (flat_h[span] - alone_h).abs().max() > 1e-2
    assert (
        packed.n_supervised
        == padded.n_supervised
        == sum(sum(x != IGNORE for x in e.labels) for e in examples)
    )


def test_schedule_covers_each_example_once_per_epoch(tokenizer, build_dir: Path) -> None:  # type: ignore[no-untyped-def]
    examples = [encode(r["messages"], tokenizer, 256) for r in read_build(build_dir, [])[:40]]
    steps = schedule(examples, batch_size=4, grad_accum=2, world=2, epochs=1.0, seed=0)
    seen = [id(e) for s in steps for g in s for e in g]
    assert len(seen) == len(set(seen)) == 40
    assert all(len(s) <= 4 for s in steps)  # grad_accum * world micro-batches per step


def test_packed_groups_share_tokens_evenly_padded_groups_share_lengths() -> None:
    """Packed micro-batches are dealt out by length, so ranks wait little for each other at the all-reduce;
    padded ones keep similar lengths together, so they pad little."""
    lengths = [10 + (i * 37) % 500 for i in range(64)]
    examples = [Example(list(range(n)), [IGNORE] + list(range(1, n)), "", False) for n in lengths]
    (packed,) = schedule(examples, batch_size=16, grad_accum=2, world=2, epochs=1.0, seed=0)
    totals = [sum(len(e.ids) for e in g) for g in packed]
    assert len(packed) == 4 and all(len(g) == 16 for g in packed)
    assert max(totals) - min(totals) <= max(lengths)  # one long example apart at most
    (padded,) = schedule(examples, batch_size=16, grad_accum=2, world=2, epochs=1.0, seed=0, mode="padded")
    bounds = [(min(len(e.ids) for e in g), max(len(e.ids) for e in g)) for g in padded]
    assert all(low_next >= high for (_, high), (low_next, _) in zip(bounds, bounds[1:], strict=False))


def test_varlen_attention_equals_the_document_mask(build_dir: Path, tokenizer) -> None:  # type: ignore[no-untyped-def]
    from safedata.validation.attention import packed_attention

    examples = [encode(r["messages"], tokenizer, 512) for r in read_build(build_dir, [])[:5]]
    model = scratch.build_model("qwen2-tiny", tokenizer, 0)  # 4 heads over 2 kv heads: the GQA path
    model.config._attn_implementation = "sdpa"
    net = CausalLMLoss(model).eval()
    row = pack(examples, tokenizer.pad_token_id, "packed").tensors("cpu")
    assert row["cu_seqlens"].tolist()[-1] == row["input_ids"].shape[1]
    with torch.no_grad():
        masked = float(net(**row))  # transformers' dense per-document mask
        with packed_attention(model, "varlen", "packed"):
            varlen = float(net(**row))
            # Without document bounds it refuses rather than letting documents attend to each other.
            with pytest.raises(ValueError, match="cu_seqlens"):
                net(**{k: v for k, v in row.items() if k not in ("cu_seqlens", "max_seqlen")})
    assert varlen == pytest.approx(masked, rel=1e-5)
    assert model.config._attn_implementation == "sdpa"  # generation gets its padding mask back


def _example(n: int) -> Example:
    return Example(list(range(n)), [IGNORE] * (n - 1) + [1], "template", False)


def test_split_tokens_keeps_every_example_in_order_within_the_budget() -> None:
    group = [_example(n) for n in (10, 20, 30, 40, 200)]
    packed = split_tokens(group, 64, "packed")
    assert [len(e.ids) for p in packed for e in p] == [10, 20, 30, 40, 200]
    assert [sum(len(e.ids) for e in p) for p in packed] == [60, 40, 200]  # 200 > 64 goes alone
    padded = split_tokens(group, 64, "padded")  # rows x widest row
    assert [[len(e.ids) for e in p] for p in padded] == [[10, 20], [30], [40], [200]]
    assert split_tokens(group, None, "packed") == [group]
