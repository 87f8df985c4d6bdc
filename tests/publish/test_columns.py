"""Row layout: TRL-safe names, typed struct metadata (null when empty), the test split held out by prompt."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq
import pytest

import safedata
from safedata.errors import RecipeError
from safedata.publish.columns import typed_column
from safedata.publish.splits import in_test_split, prompt_key
from safedata.schemas.record import AttackInfo, Record

# Columns TRL's SFTTrainer reads for itself (dataset type detection, tokenization, collator).
TRL_NAMES = {"prompt", "completion", "labels", "text", "input_ids", "conversations", "tools",
             "attention_mask", "assistant_masks", "completion_mask", "chat_template_kwargs", "images",
             "image"}  # fmt: skip


def _records(n_prompts: int, per_prompt: int) -> list[Record]:
    out = []
    for p in range(n_prompts):
        for k in range(per_prompt):
            wrapped = k % 2 == 1
            out.append(
                Record(
                    prompt=f"wrapper {k}: request {p}" if wrapped else f"request {p}",
                    kind="harmful",
                    source="s",
                    variant=f"v{k % 3}",
                    attack=AttackInfo(original_request=f"request {p}", template_id="t", tactic="x")
                    if wrapped
                    else None,
                )
            )
    return out


def test_test_split_keeps_every_sample_and_variant_of_a_prompt_on_one_side() -> None:
    records = _records(200, 6)
    held = in_test_split(records, 0.1, seed=3)
    side: dict[str, bool] = {}
    for r, h in zip(records, held, strict=True):
        assert side.setdefault(prompt_key(r), h) == h  # wrapped rows go with their plain request
    assert 0.1 <= sum(held) / len(held) < 0.1 + 6 / len(held)
    assert held == in_test_split(list(records), 0.1, seed=3)  # seeded: the same split again
    assert held != in_test_split(records, 0.1, seed=4)
    assert not any(in_test_split(records, 0.0, seed=3))
    assert not all(in_test_split(_records(1, 3), 0.9, seed=0))  # one prompt: it stays in train


def test_free_form_metadata_becomes_typed_structs_or_null() -> None:
    col = typed_column([{"a": 1, "b": {"c": True}}, {}, {"a": 2.5}, None])
    assert str(col.type) == "struct<a: double, b: struct<c: bool>>"
    assert col.to_pylist()[1] is None  # an empty dict is null, not "" or "{}"
    mixed = typed_column([{"a": 1}, {"a": "x"}])  # one key, two types: kept as text, still a struct
    assert mixed.to_pylist() == [{"a": "1"}, {"a": "x"}]


def test_built_columns_are_trl_safe_and_typed(tmp_path: Path) -> None:
    recipe = {"name": "cols", "sources": [{"type": "seeds", "set": "harmful", "limit": 30}],
              "output": {"dir": str(tmp_path / "o")}}  # fmt: skip
    result = safedata.build(recipe)
    for config, splits in result.report["files"].items():
        schema = pq.read_schema(tmp_path / "o" / splits["train"][0])
        names = set(schema.names)
        if config == "prompt_completion":
            assert {"prompt", "completion"} <= names and "messages" not in names
            assert not (names - {"prompt", "completion"}) & TRL_NAMES
        else:
            assert "messages" in names and not names & TRL_NAMES, config
        for name in ("attack", "provenance", "pattern_labels"):
            assert str(schema.field(name).type) != "string", name  # never a JSON string
    assert set(result.report["files"]["default"]) == {"train", "test"}


def test_license_must_be_a_hub_id() -> None:
    recipe = {"name": "x", "sources": [{"type": "seeds", "set": "harmful"}], "output": {"license": "MIT"}}
    with pytest.raises(RecipeError, match=r"output.license: 'MIT' is not a Hugging Face Hub license id "
                                          r"\(did you mean 'mit'\?\)"):  # fmt: skip
        safedata.api.load(recipe)
