"""Student variants against the local OpenAI-compatible server: the steering primer, rewrites that keep or
flip the refusal decision, and which model each record says wrote it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import safedata
from safedata.builders.student_prompts import PRIMER
from safedata.errors import RecipeError
from tests.fixtures.openai_server import FakeOpenAIServer


def served(server: FakeOpenAIServer, **options: Any) -> dict[str, Any]:
    return {"engine": "openai", "model": "my-student", "base_url": server.base_url, **options}


def recipe(tmp_path: Path, variants: list[Any], student: dict[str, Any]) -> dict[str, Any]:
    benign = tmp_path / "benign.jsonl"
    benign.write_text('{"prompt": "How do tides work?"}\n{"prompt": "What makes bread rise?"}\n')
    math = tmp_path / "math.jsonl"
    math.write_text('{"prompt": "What is 17 times 3?"}\n')
    return {
        "name": "s",
        "sources": [
            {"type": "seeds", "set": "harmful", "limit": 3},
            {"type": "file", "path": str(benign), "kind": "benign"},
            {"type": "file", "path": str(math), "kind": "math"},
        ],
        "variants": variants,
        "student": student,
        "output": {"dir": str(tmp_path / "out")},
    }


def generate_notes(result: Any) -> dict[str, Any]:
    return next(s for s in result.report["stages"] if s["name"] == "generate")


def test_primer_starts_the_thought_of_harmful_prompts_only(
    openai_server: FakeOpenAIServer, tmp_path: Path
) -> None:
    result = safedata.build(recipe(tmp_path, ["student"], served(openai_server, samples=2)))
    rows = result.records
    assert {r.variant for r in rows} == {"student"} and len(rows) == (3 + 2 + 1) * 2
    for r in rows:
        assert r.teacher is not None and r.teacher.role == "student" and r.teacher.model == "my-student"
        assert r.reasoning.startswith(PRIMER) == (r.kind == "harmful"), (r.kind, r.reasoning[:80])
        if r.kind != "harmful":
            assert PRIMER not in r.reasoning
    sent = [req["body"] for req in openai_server.requests]
    prefilled = [b for b in sent if b["messages"][-1]["role"] == "assistant"]
    assert len(prefilled) == 3 * 2  # harmful prompts x K samples
    assert all(b["messages"][-1]["content"] == f"<think>\n{PRIMER}" for b in prefilled)
    harmful = {r.prompt for r in rows if r.kind == "harmful"}
    assert {b["messages"][0]["content"] for b in prefilled} == harmful
    notes = generate_notes(result)["notes"]["student"]
    assert notes["steered_samples"] == 6 and notes["model"] == "my-student"


def test_rewrite_that_flips_the_decision_is_dropped_and_counted(
    openai_server: FakeOpenAIServer, tmp_path: Path
) -> None:
    r = recipe(tmp_path, ["template", {"name": "student_rewrite", "of": "template"}], served(openai_server))
    assert "student openai my-student" in dict(safedata.plan(r))["generate"]

    flipped_prompt: list[str] = []

    def responder(body: dict[str, Any]) -> str:
        text = body["messages"][0]["content"]
        assert "\n\nRESPONSE:\n<think>\n" in text  # the template trace went to the student
        if not flipped_prompt:
            flipped_prompt.append(text)
            return "<think>\nThey want it and I will go along.\n</think>\n\nSure! Step 1: gather the parts."
        return "<think>\nIn my words: this is harmful, so I decline.\n</think>\n\nI'm sorry, I can't help."

    openai_server.config.responder = responder
    result = safedata.build(r)
    by_variant = result.report["final"]["variant"]
    assert by_variant == {"template": 3, "student_rewrite": 2}
    stage = generate_notes(result)
    assert stage["dropped"] == {"student_rewrite flipped the decision (refusal -> compliance)": 1}
    assert stage["notes"]["student"]["rewrite_flipped"] == {"refusal -> compliance": 1}
    kept = [x for x in result.records if x.variant == "student_rewrite"]
    assert all(x.teacher.role == "student" and x.answer.startswith("I'm sorry") for x in kept)
    assert all("rewrote template sample 0 (written by safedata)" in x.provenance[-1].detail for x in kept)
    assert all(x.prompt not in flipped_prompt[0] for x in kept)
    card = (tmp_path / "out" / "README.md").read_text()
    assert "## Student" in card and "dropped: 1 refusal -> compliance" in card


def test_student_variants_need_a_student(tmp_path: Path) -> None:
    r = {"name": "s", "sources": [{"type": "seeds", "set": "harmful"}], "variants": ["student"]}
    with pytest.raises(RecipeError, match="add a `student:` section"):
        safedata.build(r, out=str(tmp_path / "o"))
    r["variants"] = [{"name": "student_rewrite", "of": "long"}]
    r["student"] = {"engine": "openai", "model": "m", "base_url": "http://127.0.0.1:9/v1"}
    with pytest.raises(RecipeError, match="rewrites the `long` variant"):
        safedata.build(r, out=str(tmp_path / "o"))


def test_primer_with_an_in_process_student(tiny_model: Path, tmp_path: Path) -> None:
    """The transformers engine renders the prompt locally: the primer continues the template's `<think>`."""
    student = {"engine": "transformers", "model": str(tiny_model), "sampling": {"max_tokens": 6}}
    r = recipe(tmp_path, ["student"], student)
    rows = safedata.build(r).records
    assert len(rows) == 6
    for row in rows:
        assert row.teacher.engine == "transformers" and row.teacher.role == "student"
        assert row.reasoning.startswith(PRIMER) == (row.kind == "harmful")
        assert "<think>" not in row.reasoning  # the template's opening tag is not doubled
