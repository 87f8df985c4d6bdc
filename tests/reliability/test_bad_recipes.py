"""Bad recipes of many kinds, in process (fast): each is one `SafedataError` line naming where, and nothing
is written. The CLI's exit code and printing are covered by tests/schemas/test_recipe_errors.py, whose cases
run here too."""

from __future__ import annotations

from pathlib import Path

import pytest

import safedata
from safedata.errors import SafedataError
from tests.schemas.test_recipe_errors import CASES as CLI_CASES
from tests.schemas.test_recipe_errors import GOOD_FILE

SEEDS = "sources: [{type: seeds, set: harmful, limit: 5}]\n"
TEACHER = "teacher:\n  engine: openai\n  model: m\n  base_url: http://127.0.0.1:9/v1\n"

CASES = [
    # Duplicate keys: a YAML reader keeps the last one silently.
    (
        "dup-top-key",
        f"name: x\n{SEEDS}sources: [{{type: seeds, set: benign}}]\n",
        "line 3, sources: duplicate key",
    ),
    ("dup-nested-key", f"name: x\n{SEEDS}{TEACHER}  model: other\nvariants: [long]\n", "first at line 5"),
    ("dup-in-list-item", "name: x\nsources:\n  - type: seeds\n    set: harmful\n    set: benign\n", "line 5"),
    ("dup-name", f"name: x\nname: y\n{SEEDS}", "duplicate key `name` (first at line 1)"),
    # Teacher.
    ("teacher-bad-engine", f"name: x\n{SEEDS}{TEACHER.replace('openai', 'gpt')}", "teacher"),
    ("teacher-bad-decoding", f"name: x\n{SEEDS}{TEACHER}  decoding: deep\n", "teacher.decoding"),
    ("teacher-zero-concurrency", f"name: x\n{SEEDS}{TEACHER}  max_concurrency: 0\n", "max_concurrency"),
    ("teacher-completions-no-tokenizer", f"name: x\n{SEEDS}{TEACHER}  prefill: completions\n", "tokenizer"),
    ("teacher-samples-0", f"name: x\n{SEEDS}{TEACHER}  samples: 0\n", "teacher.samples"),
    ("teacher-samples-huge", f"name: x\n{SEEDS}{TEACHER}  samples: 1000\n", "teacher.samples"),
    ("teacher-no-base-url", f"name: x\n{SEEDS}teacher: {{engine: openai, model: m}}\n", "base_url"),
    ("teacher-placeholder-key", f"name: x\n{SEEDS}{TEACHER}  api_key: none\n", "too short or too common"),
    ("teacher-short-key", f"name: x\n{SEEDS}{TEACHER}  api_key: sk-1\n", "pass a real key"),
    (
        "teacher-negative-temperature",
        f"name: x\n{SEEDS}{TEACHER}  sampling: {{temperature: -1}}\n",
        "temperature",
    ),
    ("variant-needs-teacher", f"name: x\n{SEEDS}variants: [long]\n", "add a `teacher:` section"),
    # Filters, repair, dedup, decontaminate, augment, mix, output.
    ("filter-bad-backend", f"name: x\n{SEEDS}filter: {{backend: magic}}\n", "filter.backend"),
    ("filter-bad-judge", f"name: x\n{SEEDS}filter: {{judges: [{{name: oracle}}]}}\n", "filter.judges[0]"),
    ("repair-without-filter", f"name: x\n{SEEDS}repair: {{rounds: 1}}\n", "add a `filter:` section"),
    ("repair-rounds-99", f"name: x\n{SEEDS}filter: {{}}\nrepair: {{rounds: 99}}\n", "repair.rounds"),
    ("dedup-bad-threshold", f"name: x\n{SEEDS}dedup: {{semantic: {{threshold: 2}}}}\n", "threshold"),
    ("dedup-bad-keep", f"name: x\n{SEEDS}dedup: {{keep: newest}}\n", "dedup.keep"),
    ("decontaminate-no-sets", f"name: x\n{SEEDS}decontaminate: {{eval_sets: []}}\n", "decontaminate"),
    ("augment-unknown-key", f"name: x\n{SEEDS}augment: {{colour: red}}\n", "augment.colour"),
    ("mix-negative-ratio", f"name: x\n{SEEDS}mix: {{ratio: {{harmful: -1}}}}\n", "mix"),
    ("mix-bad-kind", f"name: x\n{SEEDS}mix: {{ratio: {{evil: 1}}}}\n", "mix.ratio"),
    ("mix-bad-select", f"name: x\n{SEEDS}mix: {{ratio: {{harmful: 1}}, select: best}}\n", "mix.select"),
    ("output-zero-shard", f"name: x\n{SEEDS}output: {{shard_rows: 0}}\n", "output.shard_rows"),
    ("seed-text", f"name: x\nseed: abc\n{SEEDS}", "seed"),
    ("name-list", f"name: [a, b]\n{SEEDS}", "name"),
    ("sources-mapping", "name: x\nsources: {type: seeds}\n", "sources"),
    ("empty-recipe", "", "mapping"),
    ("tab-indent", "name: x\nsources:\n\t- type: seeds\n", "YAML syntax error"),
    # Found only once the rows flow: the stage that emptied the build is named.
    (
        "mix-kind-no-source-provides",
        f"name: x\n{SEEDS}mix: {{ratio: {{harmful: 1, math: 1}}}}\n",
        "stage `mix` dropped all 5 rows (mix: ratio harmful 1 : math 1 asks for math rows but none",
    ),
    (
        "filters-drop-everything",
        f"name: x\n{SEEDS}decontaminate: {{eval_sets: [{{type: seeds, set: harmful}}]}}\n",
        "stage `decontaminate` dropped all 5 rows",
    ),
    (
        "every-row-quarantined",
        f"name: x\nsources: [{{type: file, path: {GOOD_FILE}, kind: harmful, max_prompt_chars: 2}}]\n",
        "stage `sources` produced no rows (quarantined: oversized prompt: 1)",
    ),
]
ALL = [(f"cli-{c[0]}", *c[1:]) for c in CLI_CASES] + CASES


def test_there_are_forty_kinds() -> None:
    assert len({c[0] for c in ALL}) >= 40


@pytest.mark.parametrize(("case", "text", "needle"), ALL, ids=[c[0] for c in ALL])
def test_bad_recipe_is_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, case: str, text: str, needle: str
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / GOOD_FILE).write_text('{"prompt": "hello", "q": "x"}\n')
    (tmp_path / "r.yaml").write_text(text)
    with pytest.raises(SafedataError) as e:
        safedata.build(tmp_path / "r.yaml", out=str(tmp_path / "out"))
    message = str(e.value)
    assert needle in message and "\n" not in message, message
    assert not (tmp_path / "out" / "data").exists()  # nothing half-written
