"""Request cache: replies by request key, the source of truth for resume.

`RequestCache` is the interface engines and the dry-run plan use (look keys up, store a reply or an error,
flush, close); `SqliteCache` is the one safedata ships, one sqlite file (WAL) under `<out_dir>/cache/`. A
shared store (a database, a key-value service several machines reach) is another subclass of the five
methods, chosen in `open_cache`.

Why sqlite: a reply is committed milliseconds after it arrives, so a SIGKILL loses at most those last
milliseconds (sent again by the next run, nothing else); lookups by key are indexed; many engines and stages
can share one file; it ships with Python. Writes go through one writer thread that commits whatever has
queued up in one transaction (group commit): at 256 in flight, committing each reply on the event loop
cost ~0.5 ms of loop time per reply and cut throughput by a third (bench/RESULTS.md). A row holds the raw
reply (never the parsed one, so a new parser reuses paid responses), its usage, and its status; failed
requests are kept with their error class and sent again on the next run, and never replace a paid reply.
No secret is ever written: the key hashes the request payload, which carries no credentials.

If the writer cannot commit (disk full, a read-only folder), it stops writing, keeps what it committed
before, and every later put or flush raises one `SafedataError` in the caller's thread: a dead writer
thread would otherwise leave the build waiting on its queue for good.
"""

from __future__ import annotations

import json
import queue
import sqlite3
import threading
import time
from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from safedata.errors import SafedataError, first_line

_SCHEMA = """
CREATE TABLE IF NOT EXISTS requests (
    key TEXT PRIMARY KEY,
    engine TEXT NOT NULL,
    model TEXT NOT NULL,
    status TEXT NOT NULL,          -- ok | error
    raw TEXT,                      -- JSON: what the server sent (content, reasoning, finish_reason)
    input_tokens INTEGER DEFAULT 0,
    output_tokens INTEGER DEFAULT 0,
    error TEXT,                    -- error class, for failed requests
    attempts INTEGER DEFAULT 0,
    updated REAL
)
"""

_STOP = ("stop",)  # tells the writer thread to end (queued after everything to commit)

_UPSERT = (
    "INSERT INTO requests (key, engine, model, status, raw, input_tokens, output_tokens, error, attempts,"
    " updated) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1, ?) ON CONFLICT(key) DO UPDATE SET status=excluded.status,"
    " raw=excluded.raw, input_tokens=excluded.input_tokens, output_tokens=excluded.output_tokens,"
    " error=excluded.error, attempts=requests.attempts+1, updated=excluded.updated"
    # A paid reply is never overwritten by a later failure of the same request (e.g. a duplicate in flight).
    " WHERE requests.status != 'ok' OR excluded.status = 'ok'"
)


@dataclass
class CachedReply:
    status: str
    raw: dict[str, Any] | None
    input_tokens: int
    output_tokens: int
    error: str | None

    @property
    def ok(self) -> bool:
        return self.status == "ok"


class RequestCache(ABC):
    """Replies by request key. Writes may be asynchronous: `flush` waits for them, raising if they failed."""

    @abstractmethod
    def get_many(self, keys: list[str]) -> dict[str, CachedReply]:
        """The stored rows of those keys that have one (after every earlier put is visible)."""

    @abstractmethod
    def put_ok(self, key: str, engine: str, model: str, raw: dict[str, Any], usage: tuple[int, int]) -> None:
        """Store a reply; it replaces an error, never the other way round."""

    @abstractmethod
    def put_error(self, key: str, engine: str, model: str, error: str) -> None:
        """Store a failure (its error class): looked up as missing, so it is sent again next run."""

    @abstractmethod
    def flush(self) -> None:
        """Every put so far is stored; raise `SafedataError` if it could not be."""

    @abstractmethod
    def close(self) -> None:
        """Flush, then release connections and threads (idempotent)."""

    def __enter__(self) -> RequestCache:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


_BUSY_S = 60  # how long a connection waits for another process's lock


class SqliteCache(RequestCache):
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=_BUSY_S)
        self._set_up()
        self._queue: queue.Queue[tuple[Any, ...]] = queue.Queue()
        self.failure: SafedataError | None = None  # set by the writer when a commit fails; raised to callers
        self._writer = threading.Thread(target=self._write_loop, daemon=True, name="request-cache")
        self._writer.start()
        self._closed = False

    def _set_up(self) -> None:
        """WAL mode and the table. Processes opening a new file at once (a Ray build's actors) race to switch
        it to WAL, and a loser can get "database is locked" at once, past the busy timeout: try again."""
        deadline = time.monotonic() + _BUSY_S
        while True:
            try:
                self._db.execute("PRAGMA journal_mode=WAL")
                # NORMAL survives a killed process (only a power cut can lose the last commits) and is fast.
                self._db.execute("PRAGMA synchronous=NORMAL")
                self._db.execute(_SCHEMA)
                return
            except sqlite3.OperationalError as e:
                if "locked" not in str(e) or time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def _write_loop(self) -> None:
        stop = False
        while not stop:
            rows = [self._queue.get()]
            while True:
                try:
                    rows.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            # `close` queues _STOP last, but a put cut short by Ctrl-C may wake this thread late, so _STOP
            # can share a group: what came before it is committed, then the thread ends.
            stop = any(row is _STOP for row in rows)
            data = [row for row in rows if row is not _STOP]
            if data and self.failure is None:  # after a failure, drain the queue so no waiter blocks for good
                try:
                    self._commit(data)
                except Exception as e:  # noqa: BLE001 - whatever it is, the caller must hear of it
                    self.failure = SafedataError(
                        f"cannot write the request cache {self.path} ({first_line(e)}); the replies"
                        " committed before are kept: fix this and run the same command again"
                    )
            for _ in rows:
                self._queue.task_done()

    def _commit(self, rows: list[tuple[Any, ...]]) -> None:
        with self._lock:
            try:
                self._db.execute("BEGIN")
                self._db.executemany(_UPSERT, rows)
                self._db.execute("COMMIT")
            except BaseException:
                if self._db.in_transaction:
                    self._db.execute("ROLLBACK")
                raise

    def _check(self) -> None:
        if self.failure is not None:
            raise self.failure

    def flush(self) -> None:
        """Wait until every queued reply is committed; raise if the writer could not commit them."""
        self._queue.join()
        self._check()

    def close(self) -> None:
        """Commit what is queued, stop the writer thread and close the connection. A failed commit is
        raised (once); the thread and connection are released either way."""
        if self._closed:
            return
        self._closed = True
        try:
            self._queue.join()
        finally:
            self._queue.put(_STOP)
            self._writer.join()
            with self._lock:
                self._db.close()
        self._check()

    def get_many(self, keys: list[str]) -> dict[str, CachedReply]:
        """One query per 500 keys instead of one per key: resuming a large build starts at once."""
        self.flush()
        out: dict[str, CachedReply] = {}
        for start in range(0, len(keys), 500):
            chunk = keys[start : start + 500]
            marks = ",".join("?" * len(chunk))
            with self._lock:
                rows = self._db.execute(
                    "SELECT key, status, raw, input_tokens, output_tokens, error FROM requests"
                    f" WHERE key IN ({marks})",
                    chunk,
                ).fetchall()
            for key, status, raw, n_in, n_out, error in rows:
                out[key] = CachedReply(status, json.loads(raw) if raw else None, n_in, n_out, error)
        return out

    def put_ok(self, key: str, engine: str, model: str, raw: dict[str, Any], usage: tuple[int, int]) -> None:
        # ASCII escapes: any text a server sends (a lone surrogate too) is storable and reads back as sent.
        self._put(key, engine, model, "ok", json.dumps(raw), usage, None)

    def put_error(self, key: str, engine: str, model: str, error: str) -> None:
        self._put(key, engine, model, "error", None, (0, 0), error)

    def _put(
        self,
        key: str,
        engine: str,
        model: str,
        status: str,
        raw: str | None,
        usage: tuple[int, int],
        error: str | None,
    ) -> None:
        self._check()
        if self._closed:
            raise SafedataError(f"the request cache {self.path} is closed (a reply arrived after the build)")
        self._queue.put((key, engine, model, status, raw, usage[0], usage[1], error, time.time()))

    def counts(self) -> dict[str, int]:
        self.flush()
        with self._lock:
            return dict(self._db.execute("SELECT status, COUNT(*) FROM requests GROUP BY status").fetchall())


CACHE_FILE = "requests.sqlite"  # inside the cache folder engines are given


def cache_path(out_dir: Path) -> Path:
    return out_dir / "cache" / CACHE_FILE


def open_cache(folder: Path) -> RequestCache:
    """The request cache kept in `folder` (a build's `<out_dir>/cache`)."""
    return SqliteCache(folder / CACHE_FILE)
