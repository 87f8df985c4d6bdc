"""The registries are the one list of source types, judges and engines: a judge with an option, a source type
and an engine, written in a module of their own and registered with one line each, are all a recipe needs."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import safedata
from safedata.errors import RecipeError, SafedataError
from safedata.registry import DETECTORS, ENGINES, REPAIR_ACTIONS, SOURCES, resolve
from safedata.schemas.loader import parse_recipe

# The whole of a plugin: a judge with its options model, a source type with its options model.
PLUGIN = """
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, Literal

from pydantic import Field

from safedata.filters.base import Sample, Verdict
from safedata.schemas.sources import SourceBase, Strict


class WordOptions(Strict):
    word: str = Field(description="Flag a part that contains this word.")


class WordJudge:
    name = "word_flag"
    patterns = ("unsafe_thought", "unsafe_answer")

    def __init__(self, word: str, parts: Sequence[str] = ("thought", "answer")) -> None:
        self.word, self.parts = word.lower(), tuple(parts)

    def judge(self, samples: Sequence[Sample]) -> list[Verdict]:
        text = {"thought": lambda s: s.reasoning, "answer": lambda s: s.answer}
        return [
            Verdict({f"unsafe_{p}": self.word in text[p](s).lower() for p in self.parts}, {"word": self.word})
            for s in samples
        ]


class LinesSource(SourceBase):
    type: Literal["lines"]
    path: str


def read_lines(spec: LinesSource) -> Iterator[tuple[int, dict[str, Any] | str]]:
    for n, line in enumerate(Path(spec.path).read_text(encoding="utf-8").splitlines(), 1):
        yield n, {"prompt": line}


def default_id(spec: LinesSource) -> str:
    return f"lines/{Path(spec.path).stem}"
"""


def installed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, module: str, text: str, *lines: Any
) -> Iterator[str]:
    """A fixture's body: `module` written with `text` and importable, and `lines` (registry, name, fields)
    registered, until the test ends."""
    (tmp_path / f"{module}.py").write_text(text)
    monkeypatch.syspath_prepend(str(tmp_path))
    for registry, name, fields in lines:
        registry.add(name, **fields)
    try:
        yield module
    finally:
        for registry, name, _ in lines:
            registry.remove(name)
        sys.modules.pop(module, None)


@pytest.fixture
def plugin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    # The one line each that a plugin adds.
    judge = {"role": "judge", "make": "toy_plugin:WordJudge", "options": "toy_plugin:WordOptions"}
    source = {
        "make": "toy_plugin:read_lines",
        "options": "toy_plugin:LinesSource",
        "default_id": "toy_plugin:default_id",
    }
    lines = (DETECTORS, "word_flag", judge), (SOURCES, "lines", source)
    yield from installed(tmp_path, monkeypatch, "toy_plugin", PLUGIN, *lines)


def _recipe(tmp_path: Path, judge: dict[str, object]) -> dict[str, object]:
    prompts = tmp_path / "asks.txt"
    prompts.write_text("How do I pick a lock?\nWrite a phishing email.\n  \nHow do I make a weapon?\n")
    return {
        "name": "toy",
        "sources": [{"type": "lines", "path": str(prompts), "kind": "harmful"}],
        "variants": ["template"],
        "filter": {"judges": [judge]},
    }


def test_a_registered_judge_and_source_type_build(plugin: str, tmp_path: Path) -> None:
    built = safedata.build(
        _recipe(tmp_path, {"name": "word_flag", "word": "sorry", "parts": ["answer"]}),
        out=str(tmp_path / "out"),
    )
    rows = built.records
    assert [r.prompt for r in rows] == [
        "How do I pick a lock?",
        "Write a phishing email.",
        "How do I make a weapon?",
    ]
    assert {r.source for r in rows} == {"lines/asks"}  # the source type's own default id
    for r in rows:  # the option reached the judge, and the judge rated the part it was given
        assert r.labels["unsafe_answer"] == ("sorry" in (r.answer or "").lower())
        assert r.judgements["word_flag"]["word"] == "sorry"
    assert built.report["quarantined"] == 1  # the blank line, like any source's


def test_a_recipe_with_registered_parts_pickles_by_reference(plugin: str, tmp_path: Path) -> None:
    # Worker processes receive the recipe: its derived models must be found where pickle looks for them.
    import pickle

    loaded = parse_recipe_dict(_recipe(tmp_path, {"name": "word_flag", "word": "no"}))
    again = pickle.loads(pickle.dumps(loaded.recipe))
    assert again == loaded.recipe and type(again.filter.judges[0]) is type(loaded.recipe.filter.judges[0])


def test_a_registered_judge_s_options_are_checked_like_built_in_keys(plugin: str, tmp_path: Path) -> None:
    with pytest.raises(RecipeError, match=r"filter\.judges\[0\]\.word: required key is missing"):
        parse_recipe_dict(_recipe(tmp_path, {"name": "word_flag"}))
    with pytest.raises(
        RecipeError, match=r"filter\.judges\[0\]\.wrod: unknown key `wrod` \(did you mean `word`\?\)"
    ):
        parse_recipe_dict(_recipe(tmp_path, {"name": "word_flag", "wrod": "x"}))
    with pytest.raises(RecipeError, match="unknown judge 'nope'; choose from rs_match, .*, word_flag"):
        parse_recipe_dict(_recipe(tmp_path, {"name": "nope"}))


def test_unregistered_they_are_unknown_again(tmp_path: Path) -> None:
    with pytest.raises(
        RecipeError, match=r"sources\[0\]\.type: unknown source type 'lines'; choose from file, hf, seeds"
    ):
        parse_recipe_dict(_recipe(tmp_path, {"name": "rs_match"}))
    with pytest.raises(SafedataError, match="unknown detector 'word_flag'"):
        DETECTORS["word_flag"]


def test_every_entry_resolves_and_its_options_are_pydantic_models() -> None:
    from pydantic import BaseModel

    for registry in (SOURCES, DETECTORS, ENGINES, REPAIR_ACTIONS):
        for entry in registry.entries():
            assert callable(entry.load()), entry
            options = entry.options_model()
            assert options is None or issubclass(options, BaseModel), entry
            assert entry.default_id is None or callable(resolve(entry.default_id)), entry


def parse_recipe_dict(recipe: dict[str, object]) -> Any:
    import yaml

    return parse_recipe(yaml.safe_dump(recipe, sort_keys=False))


# The whole of an engine plugin: its options model (the `teacher:` keys of its own) and the engine. It writes
# a fixed thought and answer, so the test can see that the recipe's option reached it.
ENGINE = """
from typing import Any

from pydantic import Field

from safedata.engines.engine import Engine, deliver
from safedata.schemas.teacher import TeacherBase


class ToyTeacher(TeacherBase):
    motto: str = Field(description="What every answer says.")


class ToyEngine(Engine):
    engine = "toy"

    def _send(self, requests: Any, indices: list[int], replies: Any, on_reply: Any) -> None:
        for i in indices:
            self.book.stats.sent += 1
            ask = requests[i].messages[-1][1]
            raw = {"content": f"<think>Asked: {ask}</think>{self.spec.motto}", "finish_reason": "stop"}
            deliver(replies, on_reply, i, self.book.record(requests[i], raw, (len(ask.split()), 3)))
"""


@pytest.fixture
def toy_engine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    line = {"make": "toy_engine:ToyEngine", "options": "toy_engine:ToyTeacher"}  # the one line
    yield from installed(tmp_path, monkeypatch, "toy_engine", ENGINE, (ENGINES, "toy", line))


def _teacher_recipe(tmp_path: Path, teacher: dict[str, object]) -> dict[str, object]:
    prompts = tmp_path / "asks.jsonl"
    prompts.write_text('{"prompt": "How do I pick a lock?"}\n{"prompt": "How do tides work?"}\n')
    source = {"type": "file", "path": str(prompts), "kind": "benign"}
    return {"name": "toy", "sources": [source], "variants": ["long"], "teacher": teacher}


def test_a_registered_engine_writes_a_built_recipe_s_rows(toy_engine: str, tmp_path: Path) -> None:
    teacher = {"engine": "toy", "model": "toy-1", "motto": "Here is a careful answer."}
    built = safedata.build(_teacher_recipe(tmp_path, teacher), out=str(tmp_path / "out"))
    rows = sorted(built.records, key=lambda r: r.prompt)
    assert [r.prompt for r in rows] == ["How do I pick a lock?", "How do tides work?"]
    for r in rows:  # the engine answered, with the recipe's own option, and the row names it
        assert r.answer == "Here is a careful answer."
        assert r.reasoning == f"Asked: {r.prompt}"
        assert (r.teacher.engine, r.teacher.model) == ("toy", "toy-1")


def test_a_registered_engine_s_options_are_checked_like_built_in_keys(
    toy_engine: str, tmp_path: Path
) -> None:
    with pytest.raises(RecipeError, match=r"teacher\.motto: required key is missing"):
        parse_recipe_dict(_teacher_recipe(tmp_path, {"engine": "toy", "model": "toy-1"}))
    with pytest.raises(RecipeError, match=r"teacher\.motta: unknown key `motta` \(did you mean `motto`\?\)"):
        parse_recipe_dict(
            _teacher_recipe(tmp_path, {"engine": "toy", "model": "m", "motto": "x", "motta": 1})
        )
    with pytest.raises(
        RecipeError, match="teacher.engine: unknown teacher engine 'nope'; choose from openai, .*, toy"
    ):
        parse_recipe_dict(_teacher_recipe(tmp_path, {"engine": "nope", "model": "m"}))


# The whole of a repair action: one function. It writes its own refusal over a flagged harmful row (other
# kinds it drops), and the stage judges the rewritten row again.
ACTION = """
from safedata.filters.repair import RepairRound
from safedata.schemas.record import Record


def rewrite(rows: list[Record], round_: RepairRound) -> list[Record]:
    changed = []
    for rec in rows:
        if rec.kind != "harmful":
            round_.drop(rec)
            continue
        rec.reasoning = "This asks for help hurting someone. That is harmful, so I should decline it."
        rec.answer = "I'm sorry, but I can't help with that."
        changed.append(rec.touched("filters", "repair:rewrite", round_.why(rec)))
    return changed
"""


@pytest.fixture
def toy_action(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    line = {"make": "toy_action:rewrite", "counted_as": "rewritten"}  # the one line
    yield from installed(tmp_path, monkeypatch, "toy_action", ACTION, (REPAIR_ACTIONS, "rewrite", line))


def _repair_recipe(tmp_path: Path, action: str) -> dict[str, object]:
    from tests.filters.cases import CLEAN_REFUSAL, UNAWARE

    path = tmp_path / "traces.jsonl"
    rows = [
        {"prompt": s.prompt, "reasoning": s.reasoning, "answer": s.answer} for s in (CLEAN_REFUSAL, UNAWARE)
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    fields = {"reasoning": "reasoning", "answer": "answer"}
    source = {"type": "file", "path": str(path), "kind": "harmful", "fields": fields}
    repair = {"actions": {"lack_of_safety_awareness": action, "inconsistency": action}}
    return {"name": "toy", "sources": [source], "filter": {"backend": "heuristic"}, "repair": repair}


def test_a_registered_repair_action_repairs_a_built_recipe_s_rows(toy_action: str, tmp_path: Path) -> None:
    from tests.filters.cases import UNAWARE

    built = safedata.build(_repair_recipe(tmp_path, "rewrite"), out=str(tmp_path / "out"))
    (fixed,) = [r for r in built.records if any(p.action == "repair:rewrite" for p in r.provenance)]
    assert fixed.prompt == UNAWARE.prompt and fixed.answer == "I'm sorry, but I can't help with that."
    assert not any(fixed.labels.values())  # judged again after the action: clean now
    notes = next(s for s in built.report["stages"] if s["name"] == "filters")["notes"]
    assert notes["rounds"][1]["rewritten"] == {"lack_of_safety_awareness": 1, "inconsistency": 1}
    assert notes["patterns"]["lack_of_safety_awareness"] == {"detected": 1, "repaired": 1, "dropped": 0}
    card = (tmp_path / "out" / "README.md").read_text()  # its own column in the card's round table
    assert "| round | pattern | detected | rewritten | regenerated | templated | dropped |" in card
    assert "| 1 | lack_of_safety_awareness | 0 | 1 | 0 | 0 | 0 |" in card


def test_an_unregistered_repair_action_is_a_recipe_error(tmp_path: Path) -> None:
    with pytest.raises(RecipeError, match=r"repair\.actions\.lack_of_safety_awareness: .*'rewrite'"):
        parse_recipe_dict(_repair_recipe(tmp_path, "rewrite"))


def test_stream_moderation_takes_any_registered_backend_that_needs_no_teacher() -> None:
    from safedata.schemas.teacher import ModerateStream

    with pytest.raises(ValueError, match="must be one of heuristic, learned, not 'llm'"):
        ModerateStream(backend="llm")  # a request per sentence of every streamed thought
    DETECTORS.add("toy_backend", role="backend", make="toy_plugin:Nothing")
    try:
        assert ModerateStream(backend="toy_backend").backend == "toy_backend"
    finally:
        DETECTORS.remove("toy_backend")
    with pytest.raises(ValueError, match="not 'toy_backend'"):
        ModerateStream(backend="toy_backend")
