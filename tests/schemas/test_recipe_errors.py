"""Malformed recipes: each exits 2 with one line naming the YAML path (and line), and no traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

GOOD_FILE = "prompts.jsonl"

CASES = [
    # (id, recipe text, text the one-line error must contain)
    ("unknown-top-key", "name: x\nsources: [{type: seeds, set: harmful}]\nbogus: 1\n", "bogus"),
    (
        "unknown-source-key",
        "name: x\nsources:\n  - type: seeds\n    set: harmful\n    colour: red\n",
        "sources[0].colour",
    ),
    ("missing-name", "sources: [{type: seeds, set: harmful}]\n", "name"),
    ("missing-sources", "name: x\n", "sources"),
    ("empty-sources", "name: x\nsources: []\n", "sources"),
    ("bad-source-type", "name: x\nsources:\n  - type: ftp\n    path: a\n", "sources[0]"),
    ("bad-seed-set", "name: x\nsources:\n  - type: seeds\n    set: cats\n", "sources[0].set"),
    (
        "missing-file",
        "name: x\nsources:\n  - type: file\n    path: nope.jsonl\n    kind: harmful\n",
        "sources[0].path",
    ),
    (
        "bad-format",
        f"name: x\nsources:\n  - type: seeds\n    set: harmful\n  - type: file\n    path: {GOOD_FILE}\n"
        "    format: xml\n    kind: harmful\n",
        "sources[1].format",
    ),
    (
        "bad-kind",
        f"name: x\nsources:\n  - type: file\n    path: {GOOD_FILE}\n    kind: evil\n",
        "sources[0].kind",
    ),
    ("file-without-kind", f"name: x\nsources:\n  - type: file\n    path: {GOOD_FILE}\n", "kind"),
    (
        "wrong-type-limit",
        "name: x\nsources:\n  - type: seeds\n    set: harmful\n    limit: lots\n",
        "sources[0].limit",
    ),
    (
        "negative-sample",
        "name: x\nsources:\n  - type: seeds\n    set: harmful\n    sample: -3\n",
        "sources[0].sample",
    ),
    (
        "bad-field-mapping-column",
        f"name: x\nsources:\n  - type: file\n    path: {GOOD_FILE}\n    kind: harmful\n"
        "    fields: {prompt: forbidden_prompt}\n",
        "sources[0].fields.prompt",
    ),
    (
        "half-trace-mapping",
        f"name: x\nsources:\n  - type: file\n    path: {GOOD_FILE}\n    kind: benign\n"
        "    fields: {reasoning: r}\n",
        "sources[0].fields",
    ),
    (
        "unknown-field-key",
        f"name: x\nsources:\n  - type: file\n    path: {GOOD_FILE}\n    kind: benign\n"
        "    fields: {promt: q}\n",
        "sources[0].fields.promt",
    ),
    ("bad-variant", "name: x\nsources: [{type: seeds, set: harmful}]\nvariants: [essay]\n", "variants[0]"),
    (
        "duplicate-variant",
        "name: x\nsources: [{type: seeds, set: harmful}]\nvariants: [nocot, nocot]\n",
        "variants",
    ),
    ("yaml-syntax", "name: x\nsources:\n  - type: seeds\n   set: harmful\n", "YAML syntax error"),
    ("not-a-mapping", "- just\n- a list\n", "mapping"),
    (
        "missing-env",
        "name: ${SAFEDATA_TEST_UNSET_VAR}\nsources: [{type: seeds, set: harmful}]\n",
        "SAFEDATA_TEST_UNSET_VAR",
    ),
    (
        "output-unknown-key",
        "name: x\nsources: [{type: seeds, set: harmful}]\noutput: {folder: x}\n",
        "output.folder",
    ),
]


@pytest.mark.parametrize(("case", "text", "needle"), CASES, ids=[c[0] for c in CASES])
def test_malformed_recipe_exits_2_with_one_line(
    run_cli, tmp_path: Path, case: str, text: str, needle: str
) -> None:
    (tmp_path / GOOD_FILE).write_text('{"prompt": "hello", "q": "x"}\n')
    (tmp_path / "r.yaml").write_text(text)
    proc = run_cli("build", "r.yaml", "--quiet")
    assert proc.returncode == 2, (proc.stdout, proc.stderr)
    err = proc.stderr.strip()
    assert "Traceback" not in proc.stderr
    assert len(err.splitlines()) == 1, err
    assert err.startswith("error:")
    assert needle in err, err
    assert not (tmp_path / "out").exists()  # nothing half-written


def test_error_names_the_line(run_cli, tmp_path: Path) -> None:
    (tmp_path / "r.yaml").write_text(
        "name: x\nsources:\n  - type: seeds\n    set: harmful\n    limit: lots\n"
    )
    proc = run_cli("build", "r.yaml")
    assert "line 5" in proc.stderr


def test_missing_recipe_file(run_cli) -> None:
    proc = run_cli("build", "does-not-exist.yaml")
    assert proc.returncode == 2
    assert "recipe file not found" in proc.stderr


def test_schema_command_prints_json_schema(run_cli) -> None:
    import json

    proc = run_cli("schema")
    assert proc.returncode == 0
    schema = json.loads(proc.stdout)
    assert "sources" in schema["properties"]
    assert schema["additionalProperties"] is False
