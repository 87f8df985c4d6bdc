"""Decontamination against real eval sets: planted GSM8K test and StrongREJECT prompts go, the rest stays."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl

import safedata


def _typos(text: str) -> str:
    """A typo (one letter doubled) in every 7th word: no 8-word window survives intact, most characters do."""
    words = text.split()
    for k in range(0, len(words), 7):
        words[k] = words[k][0] + words[k]
    return " ".join(words)


def test_planted_eval_prompts_are_removed_and_reported(tmp_path: Path, shared_data: Path) -> None:
    gsm_test = shared_data / "gsm8k" / "test.jsonl"
    strongreject = shared_data / "strongreject" / "strongreject_dataset.csv"
    questions = [json.loads(line)["question"] for line in gsm_test.read_text().splitlines()[:20]]
    verbatim = questions[3]
    edited_src = max(questions, key=lambda q: len(q.split()))
    edited = _typos(edited_src)
    forbidden = pl.read_csv(strongreject)["forbidden_prompt"][7]
    planted = tmp_path / "planted.jsonl"
    planted.write_text("".join(json.dumps({"prompt": p}) + "\n" for p in (verbatim, edited, forbidden)))
    recipe = {
        "name": "decon",
        "sources": [
            {"type": "seeds", "set": "harmful"},
            {"type": "seeds", "set": "benign"},
            {"type": "file", "path": str(planted), "kind": "harmful", "id": "planted"},
        ],
        "variants": ["template"],
        "decontaminate": {
            "eval_sets": [
                {"type": "file", "path": str(gsm_test), "id": "gsm8k-test", "fields": {"prompt": "question"}},
                {
                    "type": "file",
                    "path": str(strongreject),
                    "id": "strongreject",
                    "fields": {"prompt": "forbidden_prompt"},
                },
            ]
        },
    }
    result = safedata.build(recipe, out=str(tmp_path / "out"))
    stage = next(s for s in result.report["stages"] if s["name"] == "decontaminate")
    assert stage["rows_in"] - stage["rows_out"] == 3
    assert {r.prompt for r in result.records}.isdisjoint({verbatim, edited, forbidden})
    assert sum(r.source == "planted" for r in result.records) == 0
    sets = stage["notes"]["eval_sets"]
    assert sets["gsm8k-test"]["removed"] == 2 and sets["gsm8k-test"]["by_method"] == {
        "8-gram": 1,
        "minhash": 1,
    }
    assert sets["strongreject"]["removed"] == 1 and sets["strongreject"]["prompts"] == 313
    assert {x["eval"] for x in sets["gsm8k-test"]["examples"]} == {verbatim[:300], edited_src[:300]}
    assert stage["dropped"] == {"overlaps gsm8k-test": 2, "overlaps strongreject": 1}
    card = (tmp_path / "out" / "README.md").read_text()
    assert "### decontaminate" in card and "decontaminate › eval_sets › strongreject" in card


def test_eval_set_without_prompts_is_a_recipe_error(tmp_path: Path, shared_data: Path, run_cli) -> None:
    recipe = tmp_path / "r.yaml"
    recipe.write_text(
        "name: x\nsources:\n  - type: seeds\n    set: harmful\ndecontaminate:\n  eval_sets:\n"
        f"    - type: file\n      path: {shared_data / 'gsm8k' / 'test.jsonl'}\n"
    )
    proc = run_cli("build", str(recipe), "--quiet")
    assert proc.returncode == 2
    assert "decontaminate.eval_sets[0].fields.prompt: no prompts read" in proc.stderr
