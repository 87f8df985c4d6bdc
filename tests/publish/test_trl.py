"""TRL's SFTTrainer trains on a build as it is: the README's snippet, the default config with loss on the
assistant turn only, and the prompt/completion config; the loss falls. Real TRL, a tiny offline model, CPU."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import safedata
from tests.conftest import REPO
from tests.fixtures.tiny_model import CHAT_TEMPLATE

pytest.importorskip("trl")

# The tiny model's template with `{% generation %}` markers around the assistant turn, which TRL's
# `assistant_only_loss` needs to know which tokens are the assistant's.
GENERATION_TEMPLATE = (
    "{% for m in messages %}<|im_start|>{{ m['role'] }}\n"
    "{% if m['role'] == 'assistant' %}{% generation %}{{ m['content'] }}<|im_end|>{% endgeneration %}"
    "{% else %}{{ m['content'] }}<|im_end|>{% endif %}\n{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n<think>\n{% endif %}"
)
CPU = {"use_cpu": True, "bf16": False, "report_to": [], "max_length": 256, "save_strategy": "no"}


@pytest.fixture(scope="module", autouse=True)
def _one_thread() -> Iterator[None]:
    """Tiny matrices: extra threads only contend with each other on a shared CI box (10x slower)."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="module")
def build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("trl") / "quickstart"
    safedata.build(REPO / "recipes" / "quickstart.yaml", out=str(out))
    return out


def _losses(trainer: Any) -> list[float]:
    return [h["loss"] for h in trainer.state.log_history if "loss" in h]


def _train(model: Any, dataset: Any, out: Path, **args: Any) -> Any:
    from trl import SFTConfig, SFTTrainer

    config = SFTConfig(
        output_dir=str(out), max_steps=8, logging_steps=1, learning_rate=3e-3, per_device_train_batch_size=4,
        seed=0, **CPU, **args,
    )  # fmt: skip
    trainer = SFTTrainer(model=model, train_dataset=dataset, args=config)
    trainer.train()
    return trainer


def _assert_loss_on_assistant(example: dict[str, Any], ds: Any, tokenizer: Any) -> None:
    """The tokens of a processed example that carry loss are its row's assistant turn (cut at max_length)."""
    supervised = [t for t, lab in zip(example["input_ids"], example["labels"], strict=True) if lab != -100]
    text, full = tokenizer.decode(supervised), tokenizer.decode(example["input_ids"])
    chats = (
        ds["messages"]
        if "messages" in ds.column_names
        else [p + c for p, c in zip(ds["prompt"], ds["completion"], strict=True)]
    )
    row = next(
        c for c in chats if f"user\n{c[0]['content']}<|im_end|>" in full
    )  # TRL drops rows with no loss
    # all of it inside the assistant turn (the template may pre-fill `<think>\n` in the prompt part)
    assert len(text) > 20 and text.rstrip("\n") in row[1]["content"] + "<|im_end|>"


def _falls(losses: list[float]) -> bool:
    return len(losses) >= 6 and sum(losses[-3:]) / 3 < sum(losses[:3]) / 3 - 0.2


def test_readme_snippet_trains(build: Path, tiny_model: Path, tmp_path: Path, monkeypatch: Any) -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    snippet = next(b for b in re.findall(r"```python\n(.*?)```", readme, re.S) if "SFTTrainer(" in b)
    assert len(snippet.strip().splitlines()) == 3
    swapped = (
        snippet.replace('"Qwen/Qwen3-0.6B"', repr(str(tiny_model)))
        .replace('"out/quickstart"', repr(str(build)))
        .replace('SFTConfig(output_dir="sft")', f'SFTConfig(output_dir="sft", max_steps=2, **{CPU!r})')
    )
    assert swapped.count(str(tiny_model)) == 1 and swapped.count("max_steps=2") == 1, "snippet changed"
    monkeypatch.chdir(tmp_path)
    exec(compile(swapped, "README.md", "exec"), {})


def test_default_config_assistant_only_loss(build: Path, tiny_model: Path, tmp_path: Path) -> None:
    import datasets
    from transformers import AutoModelForCausalLM, AutoTokenizer

    ds = datasets.load_dataset(str(build), split="train")
    assert set(ds["variant"]) >= {"template", "nocot", "imported"}  # the mix, not one variant
    tokenizer = AutoTokenizer.from_pretrained(tiny_model)
    tokenizer.chat_template = GENERATION_TEMPLATE
    from trl import SFTConfig, SFTTrainer

    model = AutoModelForCausalLM.from_pretrained(tiny_model)
    trainer = SFTTrainer(
        model=model,
        train_dataset=ds,
        processing_class=tokenizer,
        args=SFTConfig(
            output_dir=str(tmp_path), max_steps=8, logging_steps=1, learning_rate=3e-3,
            per_device_train_batch_size=4, seed=0, assistant_only_loss=True, **CPU,
        ),
    )  # fmt: skip
    _assert_loss_on_assistant(trainer.train_dataset[0], ds, tokenizer)
    trainer.train()
    assert _falls(_losses(trainer)), _losses(trainer)


def test_prompt_completion_config_loss_on_completion(build: Path, tiny_model: Path, tmp_path: Path) -> None:
    import datasets
    from transformers import AutoTokenizer

    ds = datasets.load_dataset(str(build), "prompt_completion", split="train")
    trainer = _train(str(tiny_model), ds, tmp_path)
    tokenizer = AutoTokenizer.from_pretrained(tiny_model)
    assert tokenizer.chat_template == CHAT_TEMPLATE  # no generation markers: the plain template works
    _assert_loss_on_assistant(trainer.train_dataset[0], ds, tokenizer)
    assert _falls(_losses(trainer)), _losses(trainer)
