"""Bad input files of every format: one line naming the file and line, or the row quarantined with its reason;
never a traceback, a hang or a silent loss."""

from __future__ import annotations

import json
from pathlib import Path

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
