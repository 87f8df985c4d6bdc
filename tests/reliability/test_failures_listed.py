"""Failed requests are listed one per line; duplicate prompts get distinct ids."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

import safedata
from tests.fixtures.openai_server import FakeOpenAIServer
from tests.reliability.conftest import teacher_recipe


def test_failed_jsonl_lists_every_failed_request(openai_server: FakeOpenAIServer, tmp_path: Path) -> None:
    prompts = ["always fails", "cannot be parsed", "works fine", "also works"]
    (tmp_path / "p.jsonl").write_text("".join(json.dumps({"prompt": p}) + "\n" for p in prompts))
    faults = {"always fails": "500", "cannot be parsed": "malformed"}
    openai_server.config.fault_for = lambda body: next((f for p, f in faults.items() if p in str(body)), None)
    recipe = teacher_recipe(tmp_path, openai_server, [{"type": "file", "path": "p.jsonl", "kind": "harmful"}])
    data = yaml.safe_load(recipe.read_text())
    data["teacher"]["max_retries"] = 2
    data["sources"][0]["path"] = str(tmp_path / "p.jsonl")
    result = safedata.build(data, out=str(tmp_path / "out"))
    assert result.rows == 2
    failed = [json.loads(x) for x in (tmp_path / "out" / "failed.jsonl").read_text().splitlines()]
    by_prompt = {f["prompt"]: f for f in failed}
    assert set(by_prompt) == {"always fails", "cannot be parsed"}
    assert by_prompt["always fails"]["error"] == "HTTP500" and by_prompt["always fails"]["attempts"] == 3
    assert by_prompt["cannot be parsed"]["error"] == "ParseError"
    assert by_prompt["cannot be parsed"]["attempts"] == 1  # paid once, never re-sent
    assert all(f["stage"] == "generate" and f["variant"] == "long" and len(f["id"]) == 16 for f in failed)
    assert not {f["id"] for f in failed} & {r.id for r in result.records}


def test_the_same_prompt_twice_gives_two_ids(tmp_path: Path) -> None:
    (tmp_path / "p.jsonl").write_text((json.dumps({"prompt": "how do I pick a lock?"}) + "\n") * 3)
    src = {"type": "file", "path": str(tmp_path / "p.jsonl"), "kind": "harmful"}
    result = safedata.build({"name": "dup", "sources": [src]}, out=str(tmp_path / "out"))
    ids = [r.id for r in result.records]
    assert len(ids) == 3 and len(set(ids)) == 3
    assert ids[1] == f"{ids[0]}-2" and ids[2] == f"{ids[0]}-3"
    again = safedata.build({"name": "dup", "sources": [src]}, out=str(tmp_path / "again"))
    assert [r.id for r in again.records] == ids  # stable across runs


def test_a_judge_that_fails_is_listed_too(openai_server: FakeOpenAIServer, tmp_path: Path) -> None:
    prompts = ["judge me fine", "the judge fails on this one"]
    (tmp_path / "p.jsonl").write_text("".join(json.dumps({"prompt": p}) + "\n" for p in prompts))
    openai_server.config.fault_for = lambda body: (
        "500" if body["model"] == "judge" and "judge fails" in str(body) else None
    )
    data = yaml.safe_load(teacher_recipe(tmp_path, openai_server).read_text())
    data["sources"] = [{"type": "file", "path": str(tmp_path / "p.jsonl"), "kind": "harmful"}]
    data["filter"] = {"backend": "llm", "teacher": {**data["teacher"], "model": "judge", "max_retries": 0}}
    safedata.build(data, out=str(tmp_path / "out"))
    failed = [json.loads(x) for x in (tmp_path / "out" / "failed.jsonl").read_text().splitlines()]
    assert failed and {f["stage"] for f in failed} == {"filters"}
    by_prompt = {f["prompt"]: f for f in failed}
    assert by_prompt["the judge fails on this one"]["error"] == "request failed: HTTP500"
    # The fixture's default reply is no verdict at all: listed with that reason, not as a request failure.
    assert by_prompt["judge me fine"]["error"] == "unparseable reply: no JSON object"
    assert all(f["judge"] == "llm" and f["round"] == 0 for f in failed)
