"""`safedata push`: huggingface_hub's real client against the local fake Hub (tests/fixtures/fake_hub.py)."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest
import yaml

import safedata
from safedata.errors import SafedataError
from safedata.publish.card_merge import split_front
from safedata.publish.hub import push
from safedata.publish.writer import RESERVED
from tests.fixtures.fake_hub import FakeHub

# huggingface_hub 2.4 passes raw bytes to httpx2 in a way httpx2 deprecates: not ours to fix.
pytestmark = pytest.mark.filterwarnings("ignore:Use 'content=<...>':DeprecationWarning")

TOKEN = "hf_fixtureTokenDoNotLeak0123456789"
REPO = "alice/safe-r1"
SHARDS = 24  # the recipe below: shards in all configs


def recipe(out: Path, shard_rows: int = 20, **extra: object) -> dict:
    return {
        "name": "pushme",
        "sources": [{"type": "seeds", "set": "harmful"}],
        "variants": ["template", "nocot"],
        "output": {"dir": str(out), "shard_rows": shard_rows, "test_size": 0},
        **extra,
    }


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("build") / "pushme"
    safedata.build(recipe(out))
    return out


@pytest.fixture
def build(built: Path, tmp_path: Path) -> Path:
    """A private copy of the module's build, so a test may change it."""
    return Path(shutil.copytree(built, tmp_path / "pushme"))


def local_files(out: Path) -> dict[str, bytes]:
    paths = [*sorted(out.glob("data/*/*.parquet")), *(out / n for n in ("build_report.json", "recipe.yaml"))]
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in paths}


def do_push(hub: FakeHub, out: Path, **kw: object):  # type: ignore[no-untyped-def]
    return push(out, REPO, endpoint=hub.url, token=TOKEN, **kw)  # type: ignore[arg-type]


def test_push_uploads_every_config_in_several_commits_and_never_the_token(
    fake_hub: FakeHub, build: Path
) -> None:
    result = do_push(fake_hub, build, commit_files=3)
    shards = sorted(build.glob("data/*/*.parquet"))
    # 80 harmful seeds x 2 variants, 20 rows per shard: 8 in `default`, 8 in `prompt_completion`, 4 + 4
    assert len(shards) == SHARDS
    # initial commit + ceil(24 / 3) data commits + the card/report commit
    commits = fake_hub.commits(REPO)
    assert len(commits) == 1 + 8 + 1 and len(result.commits) == 9
    assert [c.message for c in commits[1:]][-1].startswith("Update dataset card")
    assert sum(fake_hub.calls(e) for e in ("lfs_put",)) == SHARDS  # parquet goes through LFS

    remote = fake_hub.files(REPO)
    for path, data in local_files(build).items():
        assert remote[path] == data, path
    assert {"README.md", "report.html", ".gitattributes"} <= set(remote)
    assert "quarantine.jsonl" not in remote
    # every config the card declares resolves to shards holding that variant's rows
    front, body = split_front(remote["README.md"].decode())
    report = safedata.inspect.read_report(build)
    for config in front["configs"]:
        paths = config["data_files"][0]["path"]
        rows = sum(pq.read_table(io.BytesIO(remote[p])).num_rows for p in paths)
        name = config["config_name"]
        assert rows == (report["rows"] if name in RESERVED else report["final"]["variant"][name])
    assert f'load_dataset("{REPO}"' in body
    # the token went only in headers
    assert all(h == f"Bearer {TOKEN}" for h in fake_hub.auth)
    leaked = [p for p, data in remote.items() if TOKEN.encode() in data]
    leaked += [o for o, data in fake_hub.lfs.items() if TOKEN.encode() in data]
    assert leaked == []


def test_repush_of_unchanged_build_uploads_nothing(fake_hub: FakeHub, build: Path) -> None:
    do_push(fake_hub, build)
    before = (len(fake_hub.commits(REPO)), fake_hub.calls("lfs_put"), fake_hub.calls("commit"))
    again = do_push(fake_hub, build)
    assert again.commits == [] and again.uploaded == [] and again.deleted == []
    assert again.unchanged == len(local_files(build)) + 2  # + README.md and report.html
    assert (len(fake_hub.commits(REPO)), fake_hub.calls("lfs_put"), fake_hub.calls("commit")) == before
    assert fake_hub.calls("preupload") == 2  # only the first push's two commits asked


def test_resume_after_injected_failure(fake_hub: FakeHub, build: Path) -> None:
    fake_hub.fail("commit", after=1)  # the 2nd commit answers 500
    with pytest.raises(SafedataError, match="1 commits landed, run the same command again to resume"):
        do_push(fake_hub, build, commit_files=3)
    assert len(fake_hub.commits(REPO)) == 2  # initial + the first data commit
    uploaded_before = fake_hub.calls("lfs_put")
    assert uploaded_before == 6  # the failed commit's shards reached LFS storage before the commit failed

    fake_hub.heal()
    result = do_push(fake_hub, build, commit_files=3)
    # the 3 shards already committed are skipped; the 3 in LFS storage are committed without a re-upload
    assert len([p for p in result.uploaded if p.startswith("data/")]) == SHARDS - 3
    assert fake_hub.calls("lfs_put") == SHARDS
    remote = fake_hub.files(REPO)
    for path, data in local_files(build).items():
        assert remote[path] == data, path


def test_resume_after_a_failed_lfs_upload(fake_hub: FakeHub, build: Path) -> None:
    fake_hub.fail("lfs_put", after=4, status=403)  # a 4xx: huggingface_hub does not retry it
    with pytest.raises(SafedataError, match="failed while commit 2/9: Error while uploading"):
        do_push(fake_hub, build, commit_files=3)
    stored = set(fake_hub.lfs)
    assert len(stored) == 4 and len(fake_hub.commits(REPO)) == 2  # the 4th object made it, its commit did not

    fake_hub.heal()
    puts = fake_hub.calls("lfs_put")
    do_push(fake_hub, build, commit_files=3)
    assert fake_hub.calls("lfs_put") - puts == SHARDS - 4  # the objects not yet stored, nothing twice
    assert set(fake_hub.files(REPO)) >= set(local_files(build))


def test_changed_build_replaces_stale_shards(fake_hub: FakeHub, build: Path) -> None:
    from huggingface_hub import HfApi

    do_push(fake_hub, build)
    mine = next(build.glob("data/nocot/*.parquet")).read_bytes()
    HfApi(endpoint=fake_hub.url, token=TOKEN).upload_file(
        path_or_fileobj=mine, path_in_repo="data/mine.parquet", repo_id=REPO, repo_type="dataset"
    )
    safedata.build(recipe(build, shard_rows=40))  # half as many shards, with new names
    result = do_push(fake_hub, build)
    remote = fake_hub.files(REPO)
    assert remote.pop("data/mine.parquet") == mine  # not a safedata shard: left alone
    shards = sorted(p for p in remote if p.endswith(".parquet"))
    assert shards == sorted(p.relative_to(build).as_posix() for p in build.glob("data/*/*.parquet"))
    assert len(shards) == SHARDS // 2 and len(result.deleted) == SHARDS
    assert fake_hub.commits(REPO)[-1].message.startswith("Update dataset card")


def test_card_on_the_hub_is_merged_not_overwritten(fake_hub: FakeHub, build: Path) -> None:
    from huggingface_hub import HfApi

    do_push(fake_hub, build)
    api = HfApi(endpoint=fake_hub.url, token=TOKEN)
    card = fake_hub.files(REPO)["README.md"].decode()
    front, body = split_front(card)
    front["tags"].append("my-own-tag")
    body = body.replace("## Stages", "## Stages (renamed by hand inside a generated section)")
    header = yaml.safe_dump(front, sort_keys=False)
    edited = f"---\n{header}---\n\n## About the authors\n\nWe wrote this.\n\n{body}"
    api.upload_file(
        path_or_fileobj=edited.encode(), path_in_repo="README.md", repo_id=REPO, repo_type="dataset"
    )

    result = do_push(fake_hub, build)
    assert result.uploaded == ["README.md"]
    merged = fake_hub.files(REPO)["README.md"].decode()
    assert "## About the authors\n\nWe wrote this." in merged
    assert "my-own-tag" in split_front(merged)[0]["tags"]
    assert merged.count("<!-- safedata:begin stages -->") == 1
    assert "renamed by hand" not in merged and "## Stages\n" in merged  # generated sections are the build's
    assert do_push(fake_hub, build).commits == []  # and merging again is a no-op


def test_local_card_edits_go_up_on_a_first_push(fake_hub: FakeHub, build: Path) -> None:
    card = build / "README.md"
    card.write_text(card.read_text() + "\n## Licence notes\n\nSeeds written by the safedata authors.\n")
    do_push(fake_hub, build)
    remote = fake_hub.files(REPO)["README.md"].decode()
    assert remote.rstrip().endswith("## Licence notes\n\nSeeds written by the safedata authors.")
    assert f'load_dataset("{REPO}"' in remote  # generated sections re-rendered for the repo


def test_file_holding_the_token_is_refused_before_any_upload(fake_hub: FakeHub, build: Path) -> None:
    with (build / "recipe.yaml").open("a") as f:
        f.write(f"# token: {TOKEN}\n")
    with pytest.raises(SafedataError, match="recipe.yaml: it contains your Hub token"):
        do_push(fake_hub, build)
    assert fake_hub.calls("commit") == 0 and fake_hub.calls("lfs_put") == 0


def test_branch_revision_and_private_repo(fake_hub: FakeHub, build: Path) -> None:
    do_push(fake_hub, build, revision="v2", private=True)
    assert fake_hub.repos[REPO].private
    assert len(fake_hub.commits(REPO, "main")) == 1  # main untouched
    assert "README.md" in fake_hub.files(REPO, "v2")


def test_recipe_publish_section_pushes_at_the_end_of_a_build(
    fake_hub: FakeHub, tmp_path: Path, run_cli
) -> None:  # type: ignore[no-untyped-def]
    env = {"HF_ENDPOINT": fake_hub.url, "HF_TOKEN": TOKEN, "HF_HUB_DISABLE_XET": "1", "HF_HUB_OFFLINE": "0"}
    path = tmp_path / "recipe.yaml"
    path.write_text(yaml.safe_dump(recipe(tmp_path / "pub", publish={"repo": REPO, "commit_files": 4})))
    r = run_cli("build", str(path), "--quiet", env=env)
    assert r.returncode == 0, r.stderr
    assert len(fake_hub.commits(REPO)) == 1 + 6 + 1  # 24 shards in 6 commits, then the card and reports
    assert set(local_files(tmp_path / "pub")) <= set(fake_hub.files(REPO))

    fake_hub.fail("preupload", status=403)
    r = run_cli("build", str(path), "--out", str(tmp_path / "pub2"), "--quiet", env=env)
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert f"built {tmp_path / 'pub2'}, but push to {REPO} failed" in r.stderr.replace("\n", "")
    assert f"safedata push {tmp_path / 'pub2'} --repo {REPO}" in r.stderr.replace("\n", "")
    assert (tmp_path / "pub2" / "report.html").is_file()


def test_bad_publish_section_is_a_one_line_recipe_error() -> None:
    from safedata.errors import RecipeError
    from safedata.schemas.loader import parse_recipe

    text = "name: x\nsources:\n  - type: seeds\n    set: harmful\npublish:\n  repo: no-slash\n"
    with pytest.raises(RecipeError, match=r"line 6, publish.repo: String should match pattern"):
        parse_recipe(text)


def test_cli_push(fake_hub: FakeHub, build: Path, run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    env = {"HF_ENDPOINT": fake_hub.url, "HF_TOKEN": TOKEN, "HF_HUB_DISABLE_XET": "1", "HF_HUB_OFFLINE": "0"}
    r = run_cli("push", str(build), "--repo", REPO, env=env)
    assert r.returncode == 0, r.stderr
    assert f"{REPO}@main: 2 commits" in r.stdout
    assert TOKEN not in r.stdout + r.stderr
    # the pushed repo loads with datasets, one config per variant, as the card declares
    load = f"import datasets; print(len(datasets.load_dataset('{REPO}', 'nocot', split='train')))"
    cache = {"HF_HOME": str(tmp_path / "hf_home"), "HF_DATASETS_CACHE": str(tmp_path / "ds_cache")}
    r = subprocess.run(
        [sys.executable, "-c", load], env={**os.environ, **env, **cache}, capture_output=True, text=True
    )
    assert r.returncode == 0, r.stderr[-2000:]
    assert int(r.stdout.split()[-1]) == safedata.inspect.read_report(build)["final"]["variant"]["nocot"]

    no_token = {**env, "HF_TOKEN": "", "HF_HOME": str(tmp_path / "hf_home")}
    r = run_cli("push", str(build), "--repo", REPO, env=no_token)
    assert r.returncode == 2 and "no Hub token: set HF_TOKEN" in r.stderr and "Traceback" not in r.stderr

    r = run_cli("push", str(build), "--repo", "not a repo", env=env)
    assert r.returncode == 2 and "repo must look like `user/name`" in r.stderr

    r = run_cli("push", str(build.parent), "--repo", REPO, env=env)
    assert r.returncode == 2 and "has no build_report.json" in r.stderr


def test_commits_are_bounded_by_files_and_bytes() -> None:
    from safedata.publish.hub import LocalFile, _batches

    files = [LocalFile(f"data/v/{i}", size, "", "", b"") for i, size in enumerate([5, 5, 5, 20, 1, 1, 1])]
    sizes = [[f.size for f in b] for b in _batches(files, max_files=3, max_bytes=12)]
    assert sizes == [[5, 5], [5], [20], [1, 1, 1]]  # a file over the byte cap still goes up, alone
