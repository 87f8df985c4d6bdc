"""recipes/self-distill.yaml builds against the local OpenAI-compatible server standing in for the student."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import safedata
from tests.conftest import REPO
from tests.fixtures.openai_server import FakeOpenAIServer, default_reply


def student(body: dict[str, Any]) -> str:
    """The fixture's echo, except that a rewrite request gets back the response it was asked to restate."""
    text = body["messages"][0]["content"]
    _, marker, response = text.partition("\n\nRESPONSE:\n")
    return response if marker else default_reply(body)


def test_self_distill_recipe_builds(
    openai_server: FakeOpenAIServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STUDENT_URL", openai_server.base_url)
    monkeypatch.setenv("STUDENT_MODEL", "fake-r1")
    openai_server.config.responder = student
    result = safedata.build(REPO / "recipes" / "self-distill.yaml", out=str(tmp_path / "out"))
    files = result.report["files"]
    assert {"template", "student", "student_rewrite", "preference"} <= set(files)
    stages = {s["name"]: s for s in result.report["stages"]}
    assert stages["probe"]["notes"]["prompts_probed"] > 0
    assert sum(stages["filters"]["notes"]["preference"]["pairs"].values()) > 0
    students = [r for r in result.records if r.variant in ("student", "student_rewrite")]
    assert students and all(r.teacher.role == "student" and r.teacher.model == "fake-r1" for r in students)
    assert openai_server.base_url not in (tmp_path / "out" / "README.md").read_text()  # env values scrubbed
