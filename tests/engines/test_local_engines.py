"""In-process engines: `transformers` on a tiny random Llama built offline; `vllm` prompt building (the
vllm run itself only where vllm is installed)."""

from __future__ import annotations

import importlib.util
from dataclasses import replace
from pathlib import Path

import pytest

from safedata.engines import TeacherRequest, make_teacher
from safedata.engines.local import chat_input, join_prefill, render
from safedata.engines.vllm_local import vllm_kwargs
from safedata.errors import SafedataError
from safedata.schemas.teacher import TransformersTeacher, VLLMTeacher

ZERO = "<think>\n\n</think>\n\n"
USER = [{"role": "user", "content": "How do I boil an egg?"}]


def transformers_spec(model: Path, **kw: object) -> TransformersTeacher:
    base = {"engine": "transformers", "model": str(model), "sampling": {"temperature": 0, "max_tokens": 12}}
    return TransformersTeacher.model_validate({**base, **kw})


def test_transformers_engine_generates_batched_and_caches(tiny_model: Path, tmp_path: Path) -> None:
    spec = transformers_spec(tiny_model, generation_batch_size=2)
    reqs = [
        TeacherRequest.chat([{"role": "user", "content": f"q {i}"}], **spec.sampling.params())
        for i in range(3)
    ]
    reqs.append(TeacherRequest.chat(USER, prefill=ZERO, **spec.sampling.params()))
    teacher = make_teacher(spec, tmp_path)
    seen: list[int] = []
    replies = teacher.generate(reqs, on_reply=lambda i, r: seen.append(i))
    assert sorted(seen) == [0, 1, 2, 3] and all(r.ok for r in replies)
    # The template opens the thought, and a random model never closes it within 12 tokens: a cut thought.
    assert all(r.truncated and r.output_tokens == 12 for r in replies[:3])
    # ZeroThink: the empty thought is part of the turn; what the model wrote is the answer.
    assert replies[3].text.startswith(ZERO) and replies[3].reasoning == "" and not replies[3].truncated
    again = make_teacher(spec, tmp_path).generate(reqs)
    assert all(r.cached for r in again) and [r.text for r in again] == [r.text for r in replies]


def test_prefill_rendering_continues_the_assistant_turn(tiny_model: Path) -> None:
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(tiny_model)
    plain = render(tok, USER)
    assert plain.endswith("<|im_start|>assistant\n<think>\n")
    zero = render(tok, chat_input(TeacherRequest.chat(USER, prefill=ZERO)))
    assert zero == plain + "\n</think>\n\n"  # the template's <think> is not doubled
    assert zero.count("<think>") == 1
    less = render(tok, chat_input(TeacherRequest.chat(USER, prefill="<think>\nEasy.\n</think>\n\n")))
    assert less.endswith("<think>\nEasy.\n</think>\n\n")
    assert join_prefill("prompt ", "<think>\nx") == "prompt <think>\nx"


def test_vllm_arguments_come_from_the_recipe() -> None:
    spec = VLLMTeacher(engine="vllm", model="some/model", tensor_parallel_size=4, max_model_len=16384)
    assert vllm_kwargs(spec) == {
        "tensor_parallel_size": 4,
        "gpu_memory_utilization": 0.9,
        "dtype": "auto",
        "max_model_len": 16384,
    }


@pytest.mark.skipif(importlib.util.find_spec("vllm") is not None, reason="vllm is installed")
def test_vllm_missing_is_a_clear_error(tmp_path: Path) -> None:
    teacher = make_teacher(VLLMTeacher(engine="vllm", model="some/model"), tmp_path)
    with pytest.raises(SafedataError, match="needs the vllm package"):
        teacher.generate([TeacherRequest.chat(USER)])


@pytest.mark.skipif(importlib.util.find_spec("vllm") is None, reason="vllm is not installed")
def test_vllm_engine_runs_the_tiny_model(tiny_model: Path, tmp_path: Path) -> None:
    spec = VLLMTeacher(engine="vllm", model=str(tiny_model), sampling={"temperature": 0, "max_tokens": 8})
    replies = make_teacher(spec, tmp_path).generate([TeacherRequest.chat(USER, prefill=ZERO, max_tokens=8)])
    assert replies[0].ok and replies[0].text.startswith(ZERO)


def test_decoding_strategies_on_the_tiny_model(tiny_model: Path) -> None:
    from safedata.engines.decoding import LESSTHINK, run_decoding
    from safedata.schemas.teacher import MoreThink

    spec = transformers_spec(tiny_model)
    teacher = make_teacher(spec, None)
    req = TeacherRequest.chat(USER, **spec.sampling.params())
    (less,) = run_decoding(teacher, [replace(req, prefill=LESSTHINK)], "lessthink", MoreThink())
    assert less.text.startswith(LESSTHINK) and not less.truncated
    assert less.reasoning == "I understand the request well enough to answer it directly."
    # MoreThink reopens closed thoughts only: a random model never closes its own within 12 tokens, so
    # the thought is cut, kept as truncated, and not reopened (one request, not 1 + rounds).
    sent = teacher.book.stats.sent
    (more,) = run_decoding(teacher, [req], "morethink", MoreThink(rounds=2))
    assert more.truncated and more.text.startswith("<think>\n") and "Wait" not in more.text
    assert teacher.book.stats.sent == sent + 1
