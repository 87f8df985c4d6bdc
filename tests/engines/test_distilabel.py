"""distilabel as interop, not a dependency: the core build runs without it; with the extra, a safedata engine
runs inside a distilabel pipeline and any distilabel LLM class runs as a safedata teacher (both against the
local OpenAI-compatible server)."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

import safedata
from tests.builders.test_teacher_build import recipe
from tests.conftest import _env
from tests.fixtures.openai_server import FakeOpenAIServer

# Run before anything else in a subprocess: every `import distilabel...` fails as if it were not installed.
BLOCK = """
import importlib.abc, sys
class NoDistilabel(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name == "distilabel" or name.startswith("distilabel."):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None
sys.meta_path.insert(0, NoDistilabel())
"""


def run_without_distilabel(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", BLOCK + code], env=_env(), capture_output=True, text=True, timeout=300
    )


def test_the_core_build_runs_without_distilabel(openai_server: FakeOpenAIServer, tmp_path: Path) -> None:
    path = tmp_path / "recipe.yaml"
    path.write_text(yaml.safe_dump(recipe(openai_server, tmp_path, samples=2)))
    code = f"""
import safedata, json
result = safedata.build({str(path)!r})
print(json.dumps({{"rows": result.rows, "distilabel": any(m.startswith("distilabel") for m in sys.modules)}}))
try:
    import safedata.engines.distilabel_llm
except ImportError as e:
    print("adapter:", e)
"""
    proc = run_without_distilabel(code)
    assert proc.returncode == 0, proc.stderr
    first, adapter = proc.stdout.strip().splitlines()[-2:]
    assert json.loads(first) == {"rows": 12, "distilabel": False}
    assert len(openai_server.requests) == 12
    assert "pip install 'safedata[distilabel]'" in adapter


def test_engine_distilabel_without_the_extra_is_one_line(
    openai_server: FakeOpenAIServer, tmp_path: Path
) -> None:
    r = recipe(openai_server, tmp_path)
    r["teacher"] = {"engine": "distilabel", "model": "fake-r1", "class": "distilabel.models.llms.OpenAILLM"}
    path = tmp_path / "recipe.yaml"
    path.write_text(yaml.safe_dump(r))
    proc = run_without_distilabel(
        f"import sys; sys.argv = ['safedata', 'build', {str(path)!r}, '--quiet']\n"
        "from safedata.cli import app\napp()\n"
    )
    assert proc.returncode != 0
    assert proc.stderr.strip().splitlines() == [
        "error: distilabel.models.llms.OpenAILLM needs distilabel: pip install 'safedata[distilabel]'"
    ]
    assert openai_server.requests == []


def test_a_safedata_engine_runs_inside_a_distilabel_pipeline(
    openai_server: FakeOpenAIServer, tmp_path: Path
) -> None:
    import distilabel.utils.logging as dl_logging
    from distilabel.pipeline import Pipeline
    from distilabel.steps import LoadDataFromDicts
    from distilabel.steps.tasks import TextGeneration

    from safedata.engines.distilabel_llm import SafedataLLM

    openai_server.config.style = "reasoning_content"  # a separate thought field: kept, unlike stock OpenAILLM
    dl_logging._SILENT_LOGGERS.append("httpx2")
    teacher = {
        "engine": "openai",
        "model": "fake-r1",
        "base_url": openai_server.base_url,
        "api_key": "sk-x" * 5,
    }
    llm = SafedataLLM(teacher=teacher, cache_dir=str(tmp_path / "cache"))
    assert "sk-x" not in json.dumps(llm.dump())  # the key is kept out of the serialised pipeline
    with Pipeline(name=f"safedata-test-{time.time_ns()}", cache_dir=tmp_path / "dl") as pipeline:
        load = LoadDataFromDicts(data=[{"instruction": f"question {i}"} for i in range(6)], batch_size=6)
        gen = TextGeneration(llm=llm, input_batch_size=6, num_generations=2)
        load >> gen
    distiset = pipeline.run(use_cache=False)
    rows = distiset["default"]["train"]
    # 2 generations a row: 2 requests (samples 0 and 1, each its own cache key), one output row each
    assert len(rows) == 12 and len(openai_server.requests) == 12
    for row in rows:
        n = row["instruction"].split()[-1]
        assert row["generation"].startswith(f"<think>\nThe user asks: question {n}.")  # thought kept
    assert (tmp_path / "cache" / "requests.sqlite").exists()  # and a rerun is answered by it:
    llm.load()
    assert llm.generate([[{"role": "user", "content": "question 0"}]], num_generations=2)[0]["generations"]
    assert len(openai_server.requests) == 12
    llm.unload()


def test_a_distilabel_llm_class_is_a_safedata_teacher(
    openai_server: FakeOpenAIServer, tmp_path: Path
) -> None:
    openai_server.config.style = (
        "think"  # the thought inline in the content (stock OpenAILLM keeps only that)
    )
    r = recipe(openai_server, tmp_path, samples=2)
    r["teacher"] = {
        "engine": "distilabel",
        "model": "fake-r1",
        "class": "distilabel.models.llms.OpenAILLM",
        "kwargs": {"base_url": openai_server.base_url, "api_key": "sk-local-fixture-0001"},
        "samples": 2,
        "sampling": {"max_tokens": 256, "temperature": 0.6},
    }
    result = safedata.build(r)
    assert result.rows == 12 and len(openai_server.requests) == 12
    sent = openai_server.requests[0]["body"]
    assert sent["model"] == "fake-r1" and sent["max_tokens"] == 256 and sent["temperature"] == 0.6
    rec = next(x for x in result.records if x.variant == "long")
    assert rec.reasoning.startswith("The user asks:") and rec.answer.startswith("Here is my answer to:")
    assert rec.teacher.engine == "distilabel" and rec.usage.output_tokens > 0
    openai_server.reset()
    r["output"]["dir"] = str(tmp_path / "out")  # the same folder: every reply comes from the request cache
    again = safedata.build(r)
    assert openai_server.requests == [] and again.rows == 12


def test_engine_distilabel_refuses_a_prefill(openai_server: FakeOpenAIServer, tmp_path: Path) -> None:
    r = recipe(openai_server, tmp_path)
    r["teacher"] = {"engine": "distilabel", "model": "m", "class": "x.Y", "decoding": "zerothink"}
    with pytest.raises(safedata.errors.RecipeError, match="cannot pre-fill"):
        safedata.build(r)
