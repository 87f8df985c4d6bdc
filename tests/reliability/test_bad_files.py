"""Bad input files of every format: one line naming the file and line, or the row quarantined with its reason;
never a traceback, a hang or a silent loss."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import safedata
from safedata.errors import SafedataError
from tests.fixtures.openai_server import FakeOpenAIServer
from tests.reliability.conftest import teacher_recipe


def test_a_lone_surrogate_is_quarantined_before_any_request(
    run_cli, openai_server: FakeOpenAIServer, tmp_path: Path
) -> None:
    rows = [{"prompt": "a fine question about locks"}, {"prompt": "broken \ud800 text"}]
    data = tmp_path / "p.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in rows))  # JSON escapes: a valid file
    src = {"type": "file", "path": str(data), "kind": "harmful"}
    recipe = teacher_recipe(tmp_path, openai_server, [src])
    proc = run_cli("build", str(recipe), "--out", "out", "--quiet", timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert len(openai_server.requests) == 1
    (q,) = [json.loads(line) for line in (tmp_path / "out" / "quarantine.jsonl").read_text().splitlines()]
    assert q["reason"].startswith("unencodable text: lone surrogate in column 'prompt'")


GOOD = [{"prompt": f"how do I pick lock number {i}?"} for i in range(3)]
BIG = "x" * 2_000_000  # a 2 MB prompt: over max_prompt_chars, quarantined, never a reader error


def _csv(rows: list[dict[str, str]]) -> bytes:
    return ("prompt\n" + "".join(f'"{r["prompt"]}"\n' for r in rows)).encode()


def _jsonl(rows: list[dict[str, str]]) -> bytes:
    return "".join(json.dumps(r) + "\n" for r in rows).encode()


# (id, file name, bytes, what happens: ("error", text in the one line) or ("rows", kept, quarantine reason))
FILES = [
    ("csv-ragged", "p.csv", b'prompt\n"a fine one"\n"two","fields"\n', ("error", "p.csv, line 3: 2 fields")),
    ("csv-latin1", "p.csv", b"prompt\nfine\ncaf\xe9 question\n", ("error", "p.csv, line 3: not UTF-8")),
    ("csv-empty", "p.csv", b"", ("error", "p.csv: empty file")),
    ("csv-header-only", "p.csv", b"prompt\n", ("error", "stage `sources` produced no rows")),
    ("csv-dup-header", "p.csv", b"prompt,prompt\na,b\n", ("error", "column 'prompt' appears twice")),
    ("csv-bom", "p.csv", b"\xef\xbb\xbf" + _csv(GOOD), ("rows", 3, None)),
    ("csv-2mb", "p.csv", _csv([*GOOD, {"prompt": BIG}]), ("rows", 3, "oversized prompt")),
    (
        "csv-unclosed-quote",
        "p.csv",
        b'prompt\n"fine"\n"never closed\n',
        ("error", "p.csv, line 3: not valid CSV"),
    ),
    (
        "json-truncated",
        "p.json",
        json.dumps(GOOD, indent=1).encode()[:-9],
        ("error", "p.json, line 9: invalid"),
    ),
    ("json-empty", "p.json", b"", ("error", "p.json: empty file")),
    ("json-latin1", "p.json", b'[{"prompt": "caf\xe9"}]', ("error", "p.json, line 1: not UTF-8")),
    ("json-bom", "p.json", b"\xef\xbb\xbf" + json.dumps(GOOD).encode(), ("rows", 3, None)),
    ("json-scalar", "p.json", b"42", ("error", "expected a list of objects")),
    ("json-not-objects", "p.json", json.dumps([*GOOD, 7]).encode(), ("rows", 3, "not a JSON object")),
    (
        "json-surrogate",
        "p.json",
        json.dumps([*GOOD, {"prompt": "a\ud800"}]).encode(),
        ("rows", 3, "unencodable"),
    ),
    ("jsonl-bom", "p.jsonl", b"\xef\xbb\xbf" + _jsonl(GOOD), ("rows", 3, None)),
    ("jsonl-latin1-line", "p.jsonl", _jsonl(GOOD) + b'{"prompt": "caf\xe9"}\n', ("rows", 3, "invalid UTF-8")),
    ("jsonl-truncated", "p.jsonl", _jsonl(GOOD) + b'{"prompt": "cut he', ("rows", 3, "invalid JSON")),
    ("jsonl-surrogate", "p.jsonl", _jsonl([*GOOD, {"prompt": "x\udfff"}]), ("rows", 3, "unencodable")),
    ("jsonl-2mb", "p.jsonl", _jsonl([*GOOD, {"prompt": BIG}]), ("rows", 3, "oversized prompt")),
    ("jsonl-empty", "p.jsonl", b"", ("error", "stage `sources` produced no rows")),
    ("parquet-empty", "p.parquet", b"", ("error", "p.parquet: not a readable parquet file")),
    ("parquet-garbage", "p.parquet", b"PAR1 this is not parquet", ("error", "not a readable parquet file")),
]


@pytest.mark.parametrize(("case", "name", "data", "expect"), FILES, ids=[f[0] for f in FILES])
def test_bad_file(tmp_path: Path, case: str, name: str, data: bytes, expect: tuple) -> None:
    (tmp_path / name).write_bytes(data)
    src = {"type": "file", "path": str(tmp_path / name), "kind": "harmful"}
    recipe = {
        "name": case,
        "sources": [src],
        "variants": ["template"],
        "output": {"dir": str(tmp_path / "out")},
    }
    if expect[0] == "error":
        with pytest.raises(SafedataError) as e:
            safedata.build(recipe)
        assert expect[1] in str(e.value) and "\n" not in str(e.value), str(e.value)
        assert not (tmp_path / "out").exists()  # nothing half-written
        return
    result = safedata.build(recipe)
    assert result.rows == expect[1]
    assert {r.prompt for r in result.records} <= {r["prompt"] for r in GOOD}
    reasons = [
        json.loads(x)["reason"] for x in (tmp_path / "out" / "quarantine.jsonl").read_text().splitlines()
    ]
    assert (reasons == []) if expect[2] is None else (len(reasons) == 1 and expect[2] in reasons[0]), reasons


def test_a_ragged_csv_is_one_line_on_the_command_line(run_cli, tmp_path: Path) -> None:
    (tmp_path / "p.csv").write_bytes(b'prompt\n"a fine one"\n"two","fields"\n')
    recipe = {"name": "x", "sources": [{"type": "file", "path": "p.csv", "kind": "harmful"}]}
    (tmp_path / "r.yaml").write_text(json.dumps(recipe))
    proc = run_cli("build", "r.yaml", "--out", "out", "--quiet")
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1, proc.stderr
    assert "p.csv, line 3: 2 fields where the header has 1" in proc.stderr
