"""The output folder: claimed by one build at a time, written atomically, never a user's file touched.

- Ownership: a build writes into a fresh (or empty) folder, or one holding a safedata marker
  (`.safedata.json`, which lists the files the last build wrote). Anything else stops with one line unless
  `--force`; even then only files safedata writes are replaced, and nothing else is deleted.
- Lock: `.safedata.lock` (flock): a second build into the same folder stops with one line.
- Atomic: a build writes into `.safedata-staging/` beside the old files, then renames its files into place,
  shards (content-hashed names, so they never clash with the old ones) first and the card last; only then are
  the previous build's files that the new one lacks deleted. At every instant the card and the report name
  shards that exist. The marker lists old and new files while they are moved, so a kill mid-way leaves
  nothing the next build cannot clean up.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from types import TracebackType
from typing import IO, Any

from safedata.errors import SafedataError

MARKER = ".safedata.json"
LOCK = ".safedata.lock"
STAGING = ".safedata-staging"
_OURS = {MARKER, LOCK, STAGING}
# Renamed in this order after the shards: the card last, so it never names a shard that is not there yet.
LAST = ("build_report.json", "recipe.yaml", "quarantine.jsonl", "report.html", "README.md")


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


class OutputFolder:
    """`with OutputFolder(path, force) as folder:` holds the lock for the whole build."""

    def __init__(self, path: Path, force: bool = False) -> None:
        self.path = path
        self.force = force
        self._lock: IO[str] | None = None
        self._created: list[Path] = []

    def __enter__(self) -> OutputFolder:
        path = self.path
        if path.exists() and not path.is_dir():
            raise SafedataError(f"output folder {path} is a file; choose a folder with --out")
        # Folders this build creates (the path and missing parents): removed again if it fails before writing.
        self._created = [p for p in (path, *path.parents) if not p.exists()]
        try:
            path.mkdir(parents=True, exist_ok=True)
            self._lock = (path / LOCK).open("a")
        except OSError as e:
            raise SafedataError(f"cannot write to output folder {path}: {e.strerror or e}") from None
        import fcntl

        try:
            fcntl.flock(self._lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self._lock.close()
            raise SafedataError(
                f"another safedata build is writing to {path}; wait for it to end or choose another --out"
            ) from None
        foreign = sorted(p.name for p in path.iterdir() if p.name not in _OURS)
        if not (path / MARKER).is_file():
            if foreign and not self.force:
                self._release()
                shown = ", ".join(foreign[:3]) + (", …" if len(foreign) > 3 else "")
                raise SafedataError(
                    f"{path} holds files safedata did not write ({shown}); choose an empty folder with "
                    "--out, or pass --force to build into it (your files are kept; safedata's replace "
                    "same-named ones)"
                )
            # Marked now, before any stage writes (the request cache, dedup clusters): a killed build's folder
            # is still ours, so running the same command again resumes instead of refusing the folder.
            self._mark([])
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._release()

    def _release(self) -> None:
        if self._lock is not None:
            self._lock.close()  # closing drops the flock
            self._lock = None
        left = {p.name for p in self.path.iterdir()} if self.path.is_dir() else set()
        if self._created and left <= _OURS and not self.written():
            # A new folder whose build failed before writing anything (no request cache either): removed.
            for name in (MARKER, LOCK):
                (self.path / name).unlink(missing_ok=True)
            shutil.rmtree(self.path / STAGING, ignore_errors=True)
            for folder in self._created:  # deepest first
                if folder.is_dir() and not any(folder.iterdir()):
                    folder.rmdir()

    def written(self) -> list[str]:
        """Files the last build wrote (relative paths), from the marker."""
        marker = self.path / MARKER
        if not marker.is_file():
            return []
        try:
            data: Any = json.loads(marker.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return []
        return [f for f in data.get("files", []) if isinstance(f, str)] if isinstance(data, dict) else []

    def staging(self) -> Path:
        """An empty folder beside the old files (a killed build's leftovers are ours: removed)."""
        stage = self.path / STAGING
        shutil.rmtree(stage, ignore_errors=True)
        stage.mkdir()
        return stage

    def existing(self, name: str) -> str | None:
        """The text of a file now in the folder (the local card, to merge the user's sections)."""
        path = self.path / name
        return path.read_text(encoding="utf-8") if path.is_file() else None

    def commit(self, stage: Path) -> None:
        old = self.written()
        new = sorted(p.relative_to(stage).as_posix() for p in stage.rglob("*") if p.is_file())
        self._mark(sorted({*old, *new}))
        last = [f for f in LAST if f in new]
        for rel in [f for f in new if f not in last] + last:
            dest = self.path / rel
            dest.parent.mkdir(parents=True, exist_ok=True)
            os.replace(stage / rel, dest)
        for rel in sorted(set(old) - set(new)):
            gone = self.path / rel
            gone.unlink(missing_ok=True)
            for parent in gone.parents:  # folders the old build made and that are now empty
                if parent == self.path or not parent.is_dir() or any(parent.iterdir()):
                    break
                parent.rmdir()
        self._mark(new)
        shutil.rmtree(stage, ignore_errors=True)

    def _mark(self, files: list[str]) -> None:
        from safedata import __version__

        _write_atomic(self.path / MARKER, json.dumps({"safedata": __version__, "files": files}, indent=1))
