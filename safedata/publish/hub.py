"""`safedata push`: upload a build folder to a Hub dataset repo with huggingface_hub.

- What goes up: every config's parquet shards (`data/<config>/…`: default, prompt_completion, variants;
  as the card's YAML says), the card (README.md re-rendered with the repo id, merged with the one on the Hub:
  card_merge.py),
  recipe.yaml (secrets were never written resolved), build_report.json and report.html. Not quarantine.jsonl
  (raw bad input) nor caches.
- Only what differs from the Hub goes up: local files are hashed (sha256 for LFS files, the git blob id
  for the rest) and compared with the repo tree, so a re-push of an unchanged build makes no commit at all.
- Shards go up in several commits (at most `commit_files` files or `commit_bytes` bytes each), then one last
  commit with the card, the reports, and the deletion of shards the build no longer has (files named like
  safedata's shards only: anything else in the repo is left alone). After a failure the same command
  resumes: committed files are skipped by the tree diff, and LFS objects uploaded for the failed commit are
  skipped by the LFS batch endpoint.
- Token: `token=`, else HF_TOKEN or the `hf auth login` token (huggingface_hub.get_token). It is only sent
  as a header; every file is scanned for it before upload, and a file that contains it is refused.

Why not `HfApi.upload_large_folder`: it keeps its resume state inside the folder (.cache/huggingface), takes
no commit message, cannot merge the card, and never deletes stale shards. Why not `Dataset.push_to_hub`: the
build already wrote Hub-layout shards; re-encoding them would change bytes and defeat the no-op re-push.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from safedata.errors import SafedataError, first_line
from safedata.publish.card_merge import merge_card
from safedata.publish.folder import BuildFolder
from safedata.schemas.publish import REPO_ID

EXTRA_FILES = ("build_report.json", "recipe.yaml", "report.html")
_REPO_ID = re.compile(REPO_ID)
_CHUNK = 8 << 20
# Shards as writer.py names them; only these are ever deleted from the Hub (other files there are the user's).
_SHARD = re.compile(r"^data/[^/]+/(train|test)-\d{5}-of-\d{5}(-[0-9a-f]+)?\.parquet$")


@dataclass
class LocalFile:
    path: str  # in the repo
    size: int
    sha256: str
    git_oid: str
    source: Path | bytes


@dataclass
class PushResult:
    repo: str
    revision: str
    commits: list[str] = field(default_factory=list)  # oids of the commits this push made
    uploaded: list[str] = field(default_factory=list)  # paths added or changed
    deleted: list[str] = field(default_factory=list)
    unchanged: int = 0
    url: str = ""


def _hash_bytes(data: bytes, token: str, where: str) -> tuple[str, str]:
    if token and token.encode() in data:
        raise SafedataError(f"refusing to upload {where}: it contains your Hub token")
    return hashlib.sha256(data).hexdigest(), hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def _hash_file(path: Path, token: str) -> tuple[str, str]:
    """sha256 and git blob id in one read; the token scan overlaps chunks so no boundary hides it."""
    sha256, sha1 = hashlib.sha256(), hashlib.sha1(b"blob %d\0" % path.stat().st_size)
    needle, tail = token.encode(), b""
    with path.open("rb") as f:
        while chunk := f.read(_CHUNK):
            sha256.update(chunk)
            sha1.update(chunk)
            if needle and needle in tail + chunk:
                raise SafedataError(f"refusing to upload {path}: it contains your Hub token")
            tail = chunk[-len(needle) + 1 :] if len(needle) > 1 else b""
    return sha256.hexdigest(), sha1.hexdigest()


def _local_files(folder: BuildFolder, card: bytes, token: str) -> list[LocalFile]:
    out = []
    paths = sorted((folder.path / "data").glob("*/*.parquet"))
    paths += [folder.path / name for name in EXTRA_FILES if (folder.path / name).is_file()]
    for p in paths:
        sha256, oid = _hash_file(p, token)
        out.append(LocalFile(p.relative_to(folder.path).as_posix(), p.stat().st_size, sha256, oid, p))
    sha256, oid = _hash_bytes(card, token, "the dataset card")
    out.append(LocalFile("README.md", len(card), sha256, oid, card))
    return out


def _batches(files: list[LocalFile], max_files: int, max_bytes: int) -> list[list[LocalFile]]:
    batches: list[list[LocalFile]] = []
    size = 0
    for f in files:
        if not batches or len(batches[-1]) >= max_files or (batches[-1] and size + f.size > max_bytes):
            batches.append([])
            size = 0
        batches[-1].append(f)
        size += f.size
    return batches


def push(
    out_dir: str | Path,
    repo: str,
    *,
    private: bool = False,
    revision: str | None = None,
    token: str | None = None,
    endpoint: str | None = None,
    commit_files: int = 100,
    commit_bytes: int = 4 << 30,
    log: Callable[[str], None] = lambda _: None,
) -> PushResult:
    """Upload a build folder; see the module docstring. Raises SafedataError with one line on any failure."""
    if not _REPO_ID.match(repo):
        raise SafedataError(f"repo must look like `user/name` (got {repo!r})")
    folder = BuildFolder.read(Path(out_dir))
    if not folder.report["files"]:
        raise SafedataError(f"{out_dir} has no data to push (the build wrote 0 rows)")
    import huggingface_hub

    token = token or huggingface_hub.get_token()
    if not token:
        raise SafedataError("no Hub token: set HF_TOKEN or run `hf auth login`")
    api = huggingface_hub.HfApi(endpoint=endpoint, token=token)
    rev = revision or "main"
    result = PushResult(repo=repo, revision=rev)
    try:
        step = "creating the repo"
        url = api.create_repo(repo, repo_type="dataset", private=private, exist_ok=True)
        result.url = str(url)
        if rev != "main":
            api.create_branch(repo, repo_type="dataset", branch=rev, exist_ok=True)
        step = "listing the repo"
        remote = {
            f.path: (f.lfs.sha256 if f.lfs else f.blob_id)
            for f in api.list_repo_tree(repo, repo_type="dataset", revision=rev, recursive=True)
            if isinstance(f, huggingface_hub.hf_api.RepoFile)
        }
        step = "reading the card on the Hub"
        remote_card = _download_card(api, repo, rev) if "README.md" in remote else None
        # Sections written by hand outside the markers: the Hub's copy wins; the local one counts before a
        # first push.
        local_card = folder.path / "README.md"
        ours = merge_card(
            local_card.read_text(encoding="utf-8") if local_card.is_file() else None, folder.card(repo)
        )
        card = merge_card(remote_card, ours).encode()
        step = "hashing the local files"
        local = _local_files(folder, card, token)
        changed = [f for f in local if remote.get(f.path) not in (f.sha256, f.git_oid)]
        result.unchanged = len(local) - len(changed)
        local_paths = {f.path for f in local}
        stale = sorted(p for p in remote if _SHARD.match(p) and p not in local_paths)
        shards = [f for f in changed if f.path.startswith("data/")]
        last = [f for f in changed if not f.path.startswith("data/")]
        batches = _batches(shards, commit_files, commit_bytes)
        if last or stale:
            batches.append(last)
        for i, batch in enumerate(batches, 1):
            final = i == len(batches) and bool(last or stale)
            message = "Update dataset card and reports" if final else f"Upload data ({i}/{len(batches)})"
            step = f"commit {i}/{len(batches)}"
            log(f"{step}: {len(batch)} files, {sum(f.size for f in batch) / 1e6:.1f} MB")
            ops: list[Any] = [_add(huggingface_hub, f) for f in batch]
            if final:
                ops += [huggingface_hub.CommitOperationDelete(path_in_repo=p) for p in stale]
            info = api.create_commit(
                repo, ops, repo_type="dataset", revision=rev, commit_message=message + " (safedata)"
            )
            result.commits.append(info.oid)
            result.uploaded += [f.path for f in batch]
            if final:
                result.deleted = stale
    except _network_errors() as e:
        first = first_line(e)
        done = (
            f"; {len(result.commits)} commits landed, run the same command again to resume"
            if result.commits
            else ""
        )
        raise SafedataError(f"push to {repo} failed while {step}: {first}{done}") from None
    return result


def _network_errors() -> tuple[type[BaseException], ...]:
    """What a push can meet on the wire: the Hub's HTTP errors, the HTTP client's transport errors (httpx,
    or httpx2 under huggingface_hub 2.x), OS errors, and the RuntimeError that wraps LFS failures.
    """
    from huggingface_hub.errors import HfHubHTTPError

    errors: list[type[BaseException]] = [HfHubHTTPError, OSError, RuntimeError]
    for name in ("httpx2", "httpx"):
        with contextlib.suppress(ImportError, AttributeError):
            errors.append(importlib.import_module(name).TransportError)
    return tuple(errors)


def _add(hf: Any, f: LocalFile) -> Any:
    source = str(f.source) if isinstance(f.source, Path) else f.source
    op = hf.CommitOperationAdd(path_in_repo=f.path, path_or_fileobj=source)
    op.upload_info.sha256 = bytes.fromhex(f.sha256)  # already hashed: spare huggingface_hub a second read
    return op


def _download_card(api: Any, repo: str, rev: str) -> str:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:  # never the user's Hub cache: this copy is thrown away
        path = api.hf_hub_download(repo, "README.md", repo_type="dataset", revision=rev, cache_dir=tmp)
        return Path(path).read_text(encoding="utf-8")
