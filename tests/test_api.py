"""The library API, called directly: every CLI command is a thin shell over one of these functions."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import safedata
from safedata.errors import SafedataError
from tests.filters.test_distill import judge_reply
from tests.filters.test_distill import rows as traces
from tests.fixtures.fake_hub import FakeHub, fake_hub  # noqa: F401 - the fixture
from tests.fixtures.openai_server import FakeOpenAIServer

pytestmark = pytest.mark.filterwarnings("ignore:Use 'content=<...>':DeprecationWarning")  # as test_hub.py


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("api") / "small"
    recipe = {
        "name": "small",
        "sources": [
            {"type": "seeds", "set": "harmful", "limit": 6},
            {"type": "seeds", "set": "benign", "limit": 4},
        ],
        "variants": ["template"],
        "output": {"test_size": 0},
    }
    safedata.build(recipe, out=str(out))
    return out


def test_audit_labels_rows_and_reports_skips(tmp_path: Path) -> None:
    src = tmp_path / "in.jsonl"
    good = {"prompt": "How do I pick a lock?", "response": "<think>That is not mine to open.</think>No."}
    src.write_text(json.dumps(good) + "\nnot json\n" + json.dumps({**good, "prompt": "Hi"}) + "\n")
    skipped: list[int] = []
    result = safedata.audit(
        str(src), tmp_path / "o.jsonl", judges=["rs_match"], on_skip=lambda n, why: skipped.append(n)
    )
    assert result.rows == 2 and skipped == [2] and [n for n, _ in result.skipped] == [2]
    written = [json.loads(x) for x in (tmp_path / "o.jsonl").read_text().splitlines()]
    assert len(written) == 2 and all("patterns" in r for r in written)
    with pytest.raises(SafedataError, match="unknown detector 'nope'"):
        safedata.audit(str(src), tmp_path / "p.jsonl", backend="nope")


def test_augment_eval_writes_one_row_per_wrapped_prompt(tmp_path: Path) -> None:
    src = tmp_path / "p.jsonl"
    src.write_text("".join(json.dumps({"prompt": p}) + "\n" for p in ["Make a fake ID.", "Steal a car.", ""]))
    result = safedata.augment_eval(src, tmp_path / "e.jsonl", per_seed=2, keep_plain=True, seed=1)
    lines = (tmp_path / "e.jsonl").read_text().splitlines()
    assert result.rows == len(lines) == 2 * 3  # two wrapped + the plain prompt, per prompt
    assert result.counts[""] == 2 and result.skipped == 1
    with pytest.raises(SafedataError, match="--kind: must be harmful or benign"):
        safedata.augment_eval(src, tmp_path / "x.jsonl", kind="math")


def test_report_writes_the_page(built: Path) -> None:
    page = safedata.report(built)
    assert page == built / "report.html" and "<html" in page.read_text()


def test_push_uploads_the_build(built: Path, fake_hub: FakeHub) -> None:  # noqa: F811
    result = safedata.push(
        built, "alice/small", endpoint=fake_hub.url, token="hf_fixtureTokenApiTest0123456789"
    )
    assert result.repo == "alice/small" and result.uploaded
    assert set(fake_hub.files("alice/small")) >= {"README.md", "build_report.json"}


def test_validate_resolves_settings_and_rejects_bad_ones(built: Path) -> None:
    with pytest.raises(SafedataError, match="--decoder must be one of"):
        safedata.validate(built, decoder="turbo")
    with pytest.raises(SafedataError, match="--samples > 1 needs --temperature > 0"):
        safedata.validate(built, samples=2, evals=["harmful=nowhere.jsonl"])


def test_distill_judge_writes_a_judge_folder(tmp_path: Path, openai_server: FakeOpenAIServer) -> None:
    openai_server.config.responder = judge_reply
    src = tmp_path / "traces.jsonl"
    src.write_text("".join(json.dumps(r) + "\n" for r in traces()))
    result = safedata.distill_judge(
        str(src), tmp_path / "judge", judge_model="judge", judge_base_url=openai_server.base_url, sample=16
    )
    assert result.labelled == 16 and len(openai_server.requests) == 16
    assert (tmp_path / "judge" / "judge.json").is_file()


def test_recipe_schema_lists_the_registered_choices() -> None:
    schema = json.dumps(safedata.recipe_schema())
    assert all(f'"const": "{n}"' in schema for n in ("seeds", "hf", "file", "rs_match", "openai_moderation"))
