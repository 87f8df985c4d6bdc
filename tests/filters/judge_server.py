"""Teachers for judge tests: the shared fake OpenAI server, scripted per test."""

from __future__ import annotations

from safedata.builders.teachers import Teacher, make_teacher
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
