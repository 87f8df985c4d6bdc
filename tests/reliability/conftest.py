"""Shared pieces of the fault-injection suite: a recipe against the local OpenAI-compatible fixture."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from tests.fixtures.openai_server import FakeOpenAIServer


def teacher_recipe(
    tmp_path: Path, server: FakeOpenAIServer, sources: list[dict[str, Any]] | None = None, **sections: Any
) -> Path:
    """A recipe whose `long` variant asks the fixture; sections override or add recipe sections."""
    recipe: dict[str, Any] = {
        "name": "reliability",
        "sources": sources or [{"type": "seeds", "set": "harmful", "limit": 12}],
        "variants": ["long"],
        "teacher": {
            "engine": "openai",
            "model": "fake-r1",
            "base_url": server.base_url,
            "max_concurrency": 8,
            "backoff_s": 0.01,
            "timeout_s": 5,
        },
        **sections,
    }
    path = tmp_path / "recipe.yaml"
    path.write_text(yaml.safe_dump(recipe, sort_keys=False))
    return path
