"""The request cache's writer thread: a commit that fails surfaces in the caller, never as a hang."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from safedata.engines.cache import RequestCache, SqliteCache
from safedata.errors import SafedataError


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
