"""Teachers for judge tests: the shared fake OpenAI server, scripted per test."""

from __future__ import annotations

import json
import re

from safedata.engines import Teacher, make_teacher
from safedata.filters.llm import JUDGED
from safedata.schemas.teacher import OpenAITeacher
from tests.fixtures.openai_server import FakeOpenAIServer


def judge_teacher(server: FakeOpenAIServer) -> Teacher:
    spec = {
        "engine": "openai",
        "model": "judge",
        "base_url": server.base_url,
        "backoff_s": 0.01,
        "max_retries": 1,
    }
    return make_teacher(OpenAITeacher.model_validate(spec), None)


def user_text(body: dict) -> str:
    return "\n".join(m["content"] for m in body["messages"] if m["role"] == "user")


def verdict(evidence: dict | None = None, harm: str = "harmful", **fired: int) -> str:
    """A reply in the llm judge's JSON format: patterns 0 unless `fired`, `evidence` for the positives."""
    return json.dumps(
        {
            "analysis": "x",
            "request_harm": harm,
            **{p: fired.get(p, 0) for p in JUDGED},
            "evidence": evidence or {},
        }
    )


def blocks(prompt: str) -> dict[str, str]:
    """The fenced parts as a judge that follows the announced markers would read them."""
    tag = re.search(r"BEGIN (DATA-[0-9A-F]+) REQUEST", prompt).group(1)
    return {
        part: re.search(rf"BEGIN {tag} {part}\n(.*?)\nEND {tag} {part}\n", prompt, re.S).group(1)
        for part in ("REQUEST", "THOUGHT", "ANSWER")
    }
