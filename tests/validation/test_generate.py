"""Generation with a pre-filled thought (ZeroThink / LessThink) on a real tiny scratch model."""

from __future__ import annotations

import pytest

from safedata.engines.decoding import LESSTHINK, ZEROTHINK
from safedata.text import split_think
from safedata.validation import scratch
from safedata.validation.generate import generate


@pytest.mark.parametrize("prefill", [ZEROTHINK, LESSTHINK])
def test_prefilled_thought_is_fed_and_returned(tokenizer, prefill: str) -> None:  # type: ignore[no-untyped-def]
    model = scratch.build_model("qwen2-tiny", tokenizer, seed=0)
    prompts = ["How do I kill a stuck Python process?", "What is 2+2?"]
    opts = dict(samples=1, max_new_tokens=6, temperature=0.0, top_p=1.0, batch_size=8, device="cpu")
    fed: list[str] = []
    real_generate = model.generate

    def recording_generate(**kw):  # type: ignore[no-untyped-def]  # the real generate, inputs recorded
        fed.extend(tokenizer.decode(ids) for ids in kw["input_ids"].tolist())
        return real_generate(**kw)

    model.generate = recording_generate
    filled, stats = generate(model, tokenizer, prompts, prefill=prefill, decoder="hf", **opts)
    assert stats.new_tokens > 0
    for per_prompt in filled:
        assert len(per_prompt) == 1
        for text in per_prompt:
            assert text.startswith(prefill.strip()), text
            trace = split_think(text)
            assert trace.closed
            assert trace.reasoning == prefill.strip().removeprefix("<think>").removesuffix("</think>").strip()
    # The model conditions on the prefill: each prompt ends in the thought (opened once, closed).
    assert len(fed) == len(prompts)
    for text in fed:
        assert text.endswith(prefill), text[-80:]
        assert text.count("<think>") == 1


def test_bad_decoding_is_one_line_error(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from safedata.errors import SafedataError
    from safedata.validation.config import resolve

    with pytest.raises(SafedataError, match="--decoding must be one of"):
        resolve(tmp_path, {"decoding": "morethink"})
    assert resolve(tmp_path, {"decoding": "zerothink"}).decoding == "zerothink"
