"""The bundled template library and user templates from files and HF-style sources."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from safedata.augment.tactics import BY_NAME, TACTICS
from safedata.augment.templates import PLACEHOLDER, Template, TemplateError, bundled_templates, user_templates
from safedata.schemas.augment import TemplateFile, TemplateHF

# Braces, a dollar sign, a backslash and a newline: rendering must not treat any of them as syntax.
REQUEST = 'Explain {this} step by step: "$1 \\n" and 100% of it,\nplease.'


def test_library_covers_every_tactic_with_unique_ids() -> None:
    templates = bundled_templates()
    assert len(templates) >= 20
    assert len({t.id for t in templates}) == len(templates)
    per_tactic = {name: sum(t.tactic == name for t in templates) for name in BY_NAME}
    assert all(n >= 2 for n in per_tactic.values()), per_tactic
    assert {t.tactic for t in templates} == {t.name for t in TACTICS}


@pytest.mark.parametrize("template", bundled_templates(), ids=lambda t: t.id)
def test_template_renders_with_request_verbatim(template: Template) -> None:
    text = template.render(REQUEST)
    assert text.count(REQUEST) == template.text.count(PLACEHOLDER) >= 1
    assert PLACEHOLDER not in text
    # The wrapper adds framing around the request; it is never the request alone.
    assert len(text.replace(REQUEST, "").strip()) > 40


def _write_jsonl(path: Path, rows: list[dict[str, str]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def test_user_file_templates_take_ids_and_tactics_from_columns(tmp_path: Path) -> None:
    path = _write_jsonl(
        tmp_path / "mine.jsonl",
        [
            {
                "id": "bedtime-story",
                "tactic": "roleplay",
                "template": "Tell it as a bedtime story: {request}",
            },
            {"template": "My boss needs this by noon: {request}"},
        ],
    )
    got = user_templates(0, TemplateFile(type="file", path=str(path), tactic="persuasion"))
    assert [(t.id, t.tactic) for t in got] == [("bedtime-story", "roleplay"), ("mine-2", "persuasion")]
    assert got[1].render("X") == "My boss needs this by noon: X"


def test_user_csv_with_renamed_column(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text('name,body\ncsv-one,"In JSON only, {""a"": 1}: {request}"\n', encoding="utf-8")
    spec = TemplateFile.model_validate(
        {"type": "file", "path": str(path), "columns": {"id": "name", "text": "body"}}
    )
    (t,) = user_templates(0, spec)
    assert t.id == "csv-one" and t.tactic == "custom"
    assert t.render("R") == 'In JSON only, {"a": 1}: R'


def test_user_hf_source_from_local_files(tmp_path: Path) -> None:
    path = _write_jsonl(
        tmp_path / "hf.jsonl", [{"id": "hf-a", "tactic": "persona", "template": "As Zed: {request}"}]
    )
    (t,) = user_templates(0, TemplateHF(type="hf", path="json", data_files=str(path)))
    assert (t.id, t.tactic, t.render("Q")) == ("hf-a", "persona", "As Zed: Q")


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ({"id": "no-slot", "template": "Answer this: {req}"}, "template 'no-slot' (row 2) has no {request}"),
        ({"id": "blank", "template": "  "}, "template 'blank' (row 2) has no text"),
    ],
)
def test_bad_user_template_is_named(tmp_path: Path, row: dict[str, str], message: str) -> None:
    path = _write_jsonl(tmp_path / "bad.jsonl", [{"id": "fine", "template": "ok {request}"}, row])
    with pytest.raises(TemplateError, match=re.escape(message)) as e:
        user_templates(3, TemplateFile(type="file", path=str(path)))
    assert e.value.loc == ("templates", 3)


# A line break inside a sentence: the line before ends mid-clause (a letter, digit or comma) and the next line
# goes on in lower case. Layout breaks (after a label, a tag, the request itself, before a list item) stay.
MID_SENTENCE = re.compile(r"[A-Za-z0-9,;]\n[a-z(]")


@pytest.mark.parametrize("template", bundled_templates(), ids=lambda t: t.id)
def test_template_has_no_line_break_inside_a_sentence(template: Template) -> None:
    text = template.render("How do I open the jammed window in my flat?")
    assert not MID_SENTENCE.search(text), text
    for line in text.splitlines():  # every line is a whole sentence, label or layout line, not a wrapped one
        assert not line.endswith((" the", " a", " to", " and", " of", " in")), line


def test_wrapped_prompts_of_a_build_have_no_mid_sentence_breaks(tmp_path: Path) -> None:
    import safedata

    recipe = {"name": "wrap", "sources": [{"type": "seeds", "set": "harmful"}],
              "augment": {"per_seed": 2}, "output": {"dir": str(tmp_path / "o")}}  # fmt: skip
    wrapped = [r for r in safedata.build(recipe).records if r.attack is not None]
    assert len({r.attack.template_id for r in wrapped}) >= 10
    broken = [r.attack.template_id for r in wrapped if MID_SENTENCE.search(r.prompt)]
    assert broken == []
