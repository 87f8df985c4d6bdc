"""The output folder: ownership marker, lock, atomic replacement, user files and the local card kept."""

from __future__ import annotations

import fcntl
import json
from pathlib import Path

import pytest

import safedata
from safedata.errors import SafedataError
from safedata.publish.outdir import LOCK, MARKER


def recipe(out: Path, limit: int = 10, **output: object) -> dict:
    return {
        "name": "own",
        "sources": [{"type": "seeds", "set": "harmful", "limit": limit}],
        "output": {"dir": str(out), **output},
    }


def test_foreign_folder_stops_with_one_line_and_force_keeps_user_files(run_cli, tmp_path: Path) -> None:
    out = tmp_path / "mine"
    (out / "data").mkdir(parents=True)
    (out / "data" / "notes.txt").write_text("mine")
    (out / "README.md").write_text("# My own notes\n\nKeep this paragraph.\n")
    (tmp_path / "r.yaml").write_text(json.dumps(recipe(out)))
    r = run_cli("build", "r.yaml", "--quiet")
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert "safedata did not write" in r.stderr and "--force" in r.stderr
    assert (out / "README.md").read_text().startswith("# My own notes") and not (out / MARKER).exists()

    r = run_cli("build", "r.yaml", "--quiet", "--force")
    assert r.returncode == 0, r.stderr
    assert (out / "data" / "notes.txt").read_text() == "mine"
    card = (out / "README.md").read_text()
    assert "Keep this paragraph." in card and "<!-- safedata:begin usage -->" in card
    # a rebuild (now the folder has the marker) still keeps the user's file and the card text
    safedata.build(recipe(out, limit=12))
    assert (out / "data" / "notes.txt").read_text() == "mine"
    assert "Keep this paragraph." in (out / "README.md").read_text()


def test_rebuild_deletes_only_the_previous_builds_files(tmp_path: Path) -> None:
    out = tmp_path / "o"
    first = safedata.build(recipe(out, shard_rows=3))
    old = {p for paths in first.report["files"].values() for ps in paths.values() for p in ps}
    second = safedata.build(recipe(out, limit=6, shard_rows=100))
    new = {p for paths in second.report["files"].values() for ps in paths.values() for p in ps}
    on_disk = {p.relative_to(out).as_posix() for p in out.glob("data/*/*.parquet")}
    assert on_disk == new and not (old - new) & on_disk
    written = json.loads((out / MARKER).read_text())["files"]
    assert set(new) <= set(written) and "README.md" in written
    assert not (out / ".safedata-staging").exists()


def test_identical_rebuild_is_byte_identical(tmp_path: Path) -> None:
    out = tmp_path / "o"
    safedata.build(recipe(out))
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file() and p.name != "build_report.json"}
    safedata.build(recipe(out))
    after = {p: p.read_bytes() for p in out.rglob("*") if p.is_file() and p.name != "build_report.json"}
    assert after == before  # the card carries no wall-clock figures (they stay in build_report.json)


def test_second_build_into_a_locked_folder_stops(tmp_path: Path) -> None:
    out = tmp_path / "o"
    safedata.build(recipe(out))
    with (out / LOCK).open("a") as held:
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)  # another build holds the folder
        with pytest.raises(SafedataError, match="another safedata build is writing to"):
            safedata.build(recipe(out))


def test_failed_build_leaves_the_previous_one_whole(tmp_path: Path) -> None:
    out = tmp_path / "o"
    safedata.build(recipe(out))
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    bad = recipe(out)
    bad["sources"].append({"type": "file", "path": str(tmp_path / "missing.jsonl"), "kind": "harmful"})
    with pytest.raises(SafedataError):
        safedata.build(bad)
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before


@pytest.mark.parametrize("kind", ["file", "unwritable"])
def test_bad_output_path_is_one_line(run_cli, tmp_path: Path, kind: str) -> None:
    target = tmp_path / "target"
    if kind == "file":
        target.write_text("x")
        out = target
    else:
        target.mkdir()
        target.chmod(0o500)
        out = target / "sub"
    (tmp_path / "r.yaml").write_text(json.dumps(recipe(out)))
    r = run_cli("build", "r.yaml", "--quiet")
    target.chmod(0o700) if kind == "unwritable" else None
    if kind == "unwritable" and r.returncode == 0:
        pytest.skip("running as a user that may write anywhere (root)")
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert "Traceback" not in r.stderr and str(out) in r.stderr.replace("\n", "")
    assert f"output folder {out}" in r.stderr


def test_failed_first_build_leaves_no_folder(tmp_path: Path) -> None:
    out = tmp_path / "new"
    bad = recipe(out)
    bad["sources"].append({"type": "file", "path": str(tmp_path / "missing.jsonl"), "kind": "harmful"})
    with pytest.raises(SafedataError):
        safedata.build(bad)
    assert not out.exists()
