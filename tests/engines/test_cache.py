"""The request cache: sqlite's writer thread (a commit that fails surfaces in the caller, never as a hang),
and the interface any other store plugs into."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from safedata.engines import TeacherRequest, make_teacher
from safedata.engines.cache import CachedReply, RequestCache, SqliteCache
from safedata.errors import SafedataError
from safedata.schemas.teacher import OpenAITeacher
from tests.fixtures.openai_server import FakeOpenAIServer


def within(seconds: float, fn: Callable[[], Any]) -> Any:
    """fn() run in a thread: its result or exception, or a failed test if it is still waiting (a hang)."""
    box: dict[str, Any] = {}

    def run() -> None:
        try:
            box["value"] = fn()
        except BaseException as e:  # noqa: BLE001 - handed to the test
            box["error"] = e

    t = threading.Thread(target=run, daemon=True)
    t.start()
    t.join(seconds)
    assert not t.is_alive(), f"still waiting after {seconds} s: a hang"
    if "error" in box:
        raise box["error"]
    return box.get("value")


def fill(cache: RequestCache, n: int, start: int = 0, size: int = 10) -> None:
    for i in range(start, start + n):
        cache.put_ok(f"k{i}", "openai", "m", {"content": "x" * size}, (1, 1))


def test_a_failed_commit_is_raised_by_flush_and_earlier_commits_stay(tmp_path: Path) -> None:
    path = tmp_path / "requests.sqlite"
    cache = SqliteCache(path)
    fill(cache, 5)
    cache.flush()
    pages = cache._db.execute("PRAGMA page_count").fetchone()[0]
    cache._db.execute(f"PRAGMA max_page_count = {pages}")  # a real sqlite "disk full" for what comes next
    fill(cache, 3, start=5, size=200_000)
    with pytest.raises(SafedataError, match="cannot write the request cache .*full.* run the same command"):
        within(10, cache.flush)
    with pytest.raises(SafedataError):  # and every later put says so at once, instead of queueing
        fill(cache, 1, start=100)
    assert SqliteCache(path).counts() == {"ok": 5}  # what was committed stays committed


def test_a_later_failure_never_overwrites_a_paid_reply(tmp_path: Path) -> None:
    cache = SqliteCache(tmp_path / "requests.sqlite")
    cache.put_ok("k", "openai", "m", {"content": "paid"}, (3, 4))
    cache.put_error("k", "openai", "m", "HTTP500")
    hit = cache.get_many(["k"])["k"]
    assert hit.ok and hit.raw == {"content": "paid"} and hit.output_tokens == 4


def test_a_reply_holding_a_lone_surrogate_is_stored_as_sent(tmp_path: Path) -> None:
    cache = SqliteCache(tmp_path / "requests.sqlite")
    cache.put_ok("k", "openai", "m", {"content": "a\ud800b"}, (1, 1))
    assert within(10, lambda: cache.get_many(["k"]))["k"].raw == {"content": "a\ud800b"}


class DictCache(RequestCache):
    """A second store behind the interface, as a shared remote one would be: a dict."""

    def __init__(self) -> None:
        self.rows: dict[str, CachedReply] = {}
        self.closed = False

    def get_many(self, keys: list[str]) -> dict[str, CachedReply]:
        return {k: self.rows[k] for k in keys if k in self.rows}

    def put_ok(self, key: str, engine: str, model: str, raw: dict[str, Any], usage: tuple[int, int]) -> None:
        self.rows[key] = CachedReply("ok", raw, usage[0], usage[1], None)

    def put_error(self, key: str, engine: str, model: str, error: str) -> None:
        if key not in self.rows or not self.rows[key].ok:
            self.rows[key] = CachedReply("error", None, 0, 0, error)

    def flush(self) -> None:
        return None

    def close(self) -> None:
        self.closed = True


def test_an_engine_works_through_any_request_cache(openai_server: FakeOpenAIServer) -> None:
    spec = OpenAITeacher(engine="openai", model="fake-r1", base_url=openai_server.base_url)
    reqs = [TeacherRequest.chat([{"role": "user", "content": f"q {i}"}]) for i in range(4)]
    cache = DictCache()
    with make_teacher(spec, cache) as teacher:
        assert all(r.ok for r in teacher.generate(reqs[:3]))
    assert len(cache.rows) == 3 and not cache.closed  # a cache handed in belongs to the caller
    with make_teacher(spec, cache) as again:
        assert again.missing(reqs) == [3]  # looked up before sending: only the new request goes out
        replies = again.generate(reqs)
    assert [r.cached for r in replies] == [True, True, True, False]
    assert len(openai_server.requests) == 4


def _open_together(path: str, barrier: Any, errors: Any) -> None:
    barrier.wait()  # every process opens the new file at the same moment
    try:
        with SqliteCache(Path(path)) as cache:
            fill(cache, 2)
    except Exception as e:  # noqa: BLE001 - reported to the test
        errors.put(repr(e))


def test_processes_opening_a_new_cache_at_once(tmp_path: Path) -> None:
    """A Ray build's actors open the build's new cache file together: each must get it (before the retry,
    the race to switch it to WAL failed about one open in 35 with "database is locked")."""
    import multiprocessing

    fork = multiprocessing.get_context("fork")
    errors = fork.Queue()
    for round_ in range(20):
        path = str(tmp_path / f"r{round_}" / "requests.sqlite")
        barrier = fork.Barrier(6)
        procs = [fork.Process(target=_open_together, args=(path, barrier, errors)) for _ in range(6)]
        for p in procs:
            p.start()
        for p in procs:
            p.join(timeout=120)
        assert all(p.exitcode == 0 for p in procs)
        with SqliteCache(Path(path)) as cache:
            assert cache.get_many(["k0", "k1"]).keys() == {"k0", "k1"}
    failures = []
    while not errors.empty():
        failures.append(errors.get())
    assert not failures, failures
