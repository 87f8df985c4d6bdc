"""auto.py: the settings a CUDA run picks for itself, from the model's shape and the free memory."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from safedata.validation import auto, scratch
from safedata.validation.config import ValidateConfig
from safedata.validation.train import TrainLog

GiB = 2**30
# Qwen2.5-0.5B: 494 M parameters (the figures bench/RESULTS.md measured).
QWEN_05B = auto.Shape(
    params=494_032_768, trainable=494_032_768, layers=24, hidden=896, intermediate=4864, vocab=151_936,
    heads=14, kv_heads=2, head_dim=64,
)  # fmt: skip
H200 = auto.peak_flops("NVIDIA H200")


def test_shape_reads_the_model(tokenizer) -> None:  # type: ignore[no-untyped-def]
    model = scratch.build_model("qwen2-tiny", tokenizer, 0)
    shape = auto.Shape.of(model)
    assert shape.params == shape.trainable == sum(p.numel() for p in model.parameters())
    assert (shape.layers, shape.hidden, shape.heads, shape.kv_heads, shape.head_dim) == (2, 64, 4, 2, 16)
    assert shape.kv_bytes_per_token == 2 * 2 * 2 * 16 * 2


def test_micro_tokens_match_the_measured_memory() -> None:
    # On an 80 GB H100 a 29.5k-token micro-batch fitted (63.4 GiB peak) and ~35k ran out of memory.
    h100 = auto.micro_tokens(QWEN_05B, 79 * GiB, bf16_weights=False, grad_ckpt=False, world=1)
    assert 24_000 <= h100 <= 35_000
    h200 = auto.micro_tokens(QWEN_05B, 139 * GiB, bf16_weights=False, grad_ckpt=False, world=1)
    assert h200 > 1.8 * h100
    # Checkpointing keeps far less per token; DDP's buckets and master weights take fixed room.
    assert auto.micro_tokens(QWEN_05B, 79 * GiB, bf16_weights=False, grad_ckpt=True, world=1) > 3 * h100
    assert auto.micro_tokens(QWEN_05B, 79 * GiB, bf16_weights=False, grad_ckpt=False, world=2) < h100
    assert auto.micro_tokens(QWEN_05B, 79 * GiB, bf16_weights=True, grad_ckpt=False, world=1) < h100
    # Too little memory still gives a usable budget, a multiple of 1024.
    assert auto.micro_tokens(QWEN_05B, 4 * GiB, bf16_weights=False, grad_ckpt=False, world=1) == 1024
    assert h200 % 1024 == 0


def test_compile_pays_off_on_long_runs_only() -> None:
    # Measured on an H200: 1M tokens ran faster eager (68k vs 39-44k tokens/s over the whole loop).
    assert not auto.worth_compiling(QWEN_05B, 1.0e6, H200)
    assert auto.worth_compiling(QWEN_05B, 5.0e6, H200)
    # A slower (or unknown) device spends longer per token, so compiling pays off sooner.
    assert auto.worth_compiling(QWEN_05B, 2.0e6, auto.peak_flops("NVIDIA A100-SXM4-80GB"))
    assert auto.peak_flops("Tesla T4") is None
    assert auto.worth_compiling(QWEN_05B, 2.0e6, None)


def test_gen_batch_is_the_largest_that_fits() -> None:
    rows = auto.gen_batch(QWEN_05B, 100 * GiB, prompt_width=200, max_new_tokens=512, rows=100_000)
    assert rows == auto.MAX_GEN_BATCH  # the 0.5B model's cache is small: the cap binds
    small = auto.gen_batch(QWEN_05B, 4 * GiB, prompt_width=200, max_new_tokens=512, rows=100_000)
    assert 1 < small < rows
    per_row = (200 + 512) * QWEN_05B.kv_bytes_per_token
    assert small * per_row < 0.8 * 4 * GiB  # the KV cache alone fits
    longer = auto.gen_batch(QWEN_05B, 4 * GiB, prompt_width=2000, max_new_tokens=512, rows=100_000)
    assert longer < small
    assert auto.gen_batch(QWEN_05B, 100 * GiB, prompt_width=200, max_new_tokens=512, rows=300) == 300
    assert auto.gen_batch(QWEN_05B, 1, prompt_width=200, max_new_tokens=512, rows=300) == 1


def test_training_fills_unset_settings_and_flags_win() -> None:
    unset = ValidateConfig()
    kw = {"world": 1, "free_bytes": 139 * GiB, "tokens_per_device": 5e6, "peak": H200}
    cfg, notes = auto.training(unset, QWEN_05B, cuda=True, **kw)
    assert (cfg.compile, cfg.bf16_weights) == (True, True) and cfg.micro_tokens and cfg.micro_tokens > 50_000
    assert len(notes) == 3 and all("=" in n for n in notes)  # each choice is printed with its reason
    # Set values are kept, whatever auto would pick; DDP trains under autocast.
    flags = replace(unset, compile=False, bf16_weights=False, micro_tokens=4096)
    assert auto.training(flags, QWEN_05B, cuda=True, **kw) == (flags, [])
    ddp, _ = auto.training(unset, QWEN_05B, cuda=True, **{**kw, "world": 2, "tokens_per_device": 1e6})
    assert (ddp.compile, ddp.bf16_weights) == (False, False)
    # On CPU: the plain settings, no notes.
    cpu, notes = auto.training(unset, QWEN_05B, cuda=False, **kw)
    assert (cpu.compile, cpu.bf16_weights, cpu.micro_tokens) == (False, False, auto.CPU_MICRO_TOKENS)
    assert notes == []


def test_steady_state_leaves_out_the_first_and_last_steps() -> None:
    # Step 1 compiles (10 s); the last step's recompile shows in the step before it (losses read late).
    times = [10.0, 11.0, 12.0, 13.0, 18.0, 18.5]
    steps = [{"time": t, "tokens": 1000.0, "flops": 1e15} for t in times]
    rate, mfu = TrainLog(steps=steps, peak_flops=1e16).steady()
    assert rate == 3000 / 3.0 and mfu == 3e15 / 3.0 / 1e16
    assert TrainLog(steps=steps).steady()[1] is None  # unknown device: no MFU
    assert TrainLog(steps=steps[:3]).steady() == (None, None)


def test_generate_sizes_its_batch_on_cpu(build_dir: Path, tokenizer) -> None:  # type: ignore[no-untyped-def]
    from safedata.validation.generate import generate

    model = scratch.build_model("qwen2-tiny", tokenizer, 0)
    _, stats = generate(
        model, tokenizer, ["Hi", "Hello there"], samples=1, max_new_tokens=2, temperature=0.0, top_p=1.0,
        batch_size=None, device="cpu",
    )  # fmt: skip
    assert stats.batch_size == auto.CPU_GEN_BATCH
