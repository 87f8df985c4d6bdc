"""The quickstart end to end, report arithmetic, the card, secrets, dry-run and inspect."""

from __future__ import annotations

import json
import time
from pathlib import Path

import datasets
import pytest
import yaml

import safedata
from tests.conftest import REPO

QUICKSTART = REPO / "recipes" / "quickstart.yaml"


@pytest.fixture(scope="module")
def quickstart(tmp_path_factory: pytest.TempPathFactory) -> safedata.BuildResult:
    out = tmp_path_factory.mktemp("qs") / "out"
    start = time.perf_counter()
    result = safedata.build(QUICKSTART, out=str(out))
    result.report["_wall"] = time.perf_counter() - start
    return result


def test_quickstart_is_fast(quickstart: safedata.BuildResult) -> None:
    assert quickstart.report["_wall"] < 60


def test_every_row_is_a_think_chat(quickstart: safedata.BuildResult) -> None:
    seen = 0
    for ds in datasets.load_dataset(str(quickstart.out_dir)).values():  # the default config: every row
        for row in ds:
            roles = [m["role"] for m in row["messages"]]
            assert roles == ["user", "assistant"]
            content = row["messages"][1]["content"]
            assert content.startswith("<think>\n") and "\n</think>\n\n" in content
            assert content.split("</think>", 1)[1].strip(), "empty answer"
            seen += 1
    assert seen == quickstart.rows


def test_all_kinds_and_variants_present(quickstart: safedata.BuildResult) -> None:
    final = quickstart.report["final"]
    assert set(final["kind"]) == {"harmful", "benign", "math"}
    assert {"template", "nocot", "imported"} <= set(final["variant"])


def test_report_counts_add_up(quickstart: safedata.BuildResult) -> None:
    report = json.loads((quickstart.out_dir / "build_report.json").read_text())
    stages = report["stages"]
    for prev, cur in zip(stages, stages[1:], strict=False):
        assert cur["rows_in"] == prev["rows_out"], (prev["name"], cur["name"])
    assert stages[-1]["rows_out"] == report["rows"]
    for axis in ("kind", "variant", "category"):
        assert sum(report["final"][axis].values()) == report["rows"]
        assert report["final"][axis] == stages[-1]["out_by"][axis]
    files_rows = sum(
        len(
            datasets.load_dataset(
                "parquet", data_files=[str(quickstart.out_dir / f) for f in fs], split="train"
            )
        )
        for fs in report["files"]["default"].values()
    )
    assert files_rows == report["rows"]


def test_card_header_parses_and_lists_configs(quickstart: safedata.BuildResult) -> None:
    card = (quickstart.out_dir / "README.md").read_text()
    assert card.startswith("---\n")
    header = yaml.safe_load(card.split("---\n")[1])
    for key in ("license", "language", "task_categories", "tags", "size_categories", "configs"):
        assert key in header
    assert {c["config_name"] for c in header["configs"]} == set(quickstart.report["files"])
    assert [c["config_name"] for c in header["configs"] if c.get("default")] == ["default"]
    assert header["license"] == "apache-2.0" and header["size_categories"] == ["n<1K"]
    assert header["task_categories"] == ["text-generation"]
    assert "Content warning" in card
    for section in ("## Columns", "## Sources", "## Intended use and limitations", "## Citation"):
        assert section in card, section
    assert (
        "| `pattern_labels` |" in card
        and "| `seeds/harmful` | safedata's bundled `harmful` seeds | apache-2.0 |" in card
    )
    # the quickstart's rs_match judge is SafeChain's; every build uses LRM-Safety-Study's method
    assert "eprint = {2505.15404}" in card and "eprint = {2502.12025}" in card and "2504.10081" not in card


def test_ids_are_stable_across_builds(quickstart: safedata.BuildResult, tmp_path: Path) -> None:
    again = safedata.build(QUICKSTART, out=str(tmp_path / "again"))
    assert sorted(r.id for r in again.records) == sorted(r.id for r in quickstart.records)
    assert len({r.id for r in again.records}) == again.rows


def test_secret_from_env_is_written_nowhere(run_cli, tmp_path: Path) -> None:
    secret = "sk-test-0123456789abcdef-SECRET"
    (tmp_path / "r.yaml").write_text(
        "name: secret-test\n"
        "description: 'token ${SAFEDATA_TEST_SECRET} in a description'\n"
        "sources:\n  - type: seeds\n    set: harmful\n    limit: 5\n"
        "    id: ${SAFEDATA_TEST_SECRET}\n"
        "output: {dir: out}\n"
    )
    proc = run_cli("build", "r.yaml", "--quiet", env={"SAFEDATA_TEST_SECRET": secret})
    assert proc.returncode == 0, proc.stderr
    assert secret not in proc.stdout + proc.stderr
    files = [p for p in (tmp_path / "out").rglob("*") if p.is_file()]
    assert any(p.suffix == ".parquet" for p in files)
    for p in files:
        assert secret.encode() not in p.read_bytes(), p
    assert "${SAFEDATA_TEST_SECRET}" in (tmp_path / "out" / "recipe.yaml").read_text()


def test_dry_run_plans_without_writing(run_cli, tmp_path: Path) -> None:
    proc = run_cli("build", str(QUICKSTART), "--dry-run", "--out", str(tmp_path / "o"))
    assert proc.returncode == 0, proc.stderr
    assert "sources" in proc.stdout and "seeds/harmful: 80 rows" in proc.stdout
    assert "template" in proc.stdout
    assert not (tmp_path / "o").exists()


def test_cli_build_then_inspect(run_cli, tmp_path: Path) -> None:
    proc = run_cli("build", str(QUICKSTART), "--out", "o", "--quiet")
    assert proc.returncode == 0, proc.stderr
    assert "wrote" in proc.stdout
    proc = run_cli("inspect", "o")
    assert proc.returncode == 0
    assert "sources" in proc.stdout and "generate" in proc.stdout
    bad = run_cli("inspect", "nowhere")
    assert bad.returncode == 2 and "build_report.json" in bad.stderr


def test_rebuild_into_same_folder_loads_new_rows(tmp_path: Path) -> None:
    # datasets caches `load_dataset(folder, config)` by the card configs: a rebuild must not load stale rows.
    recipe = {
        "name": "re",
        "sources": [{"type": "seeds", "set": "harmful"}],
        "output": {"dir": str(tmp_path / "o")},
    }
    for limit in (10, 20, 10):
        recipe["sources"][0]["limit"] = limit
        safedata.build(recipe)
        splits = datasets.load_dataset(str(tmp_path / "o"), "template")
        assert sum(len(d) for d in splits.values()) == limit
