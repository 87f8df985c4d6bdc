"""Engines as a build's shared service: one engine per spec, closed with the build (also on an error), and
nothing left behind (threads, exit handlers, sockets); `--dry-run` counts exactly the requests a build
then sends, the cached ones left out."""

from __future__ import annotations

import atexit
import os
import re
import threading
from pathlib import Path
from typing import Any

import pytest

import safedata
from safedata.engines import make_teacher
from safedata.engines.cache import SqliteCache
from safedata.errors import SafedataError
from safedata.pipeline import BuildContext
from safedata.schemas.teacher import OpenAITeacher
from tests.builders.test_teacher_build import recipe
from tests.fixtures.openai_server import FakeOpenAIServer


def client_sockets(port: int) -> int:
    """This process's open TCP connections to `port` (the fixture server's: the client side only)."""
    inodes = set()
    for fd in os.listdir("/proc/self/fd"):
        try:
            link = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:  # closed meanwhile (the listing's own fd)
            continue
        if link.startswith("socket:["):
            inodes.add(link[8:-1])
    count = 0
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table) as f:
            for line in f.readlines()[1:]:
                cols = line.split()
                if int(cols[2].rsplit(":", 1)[1], 16) == port and cols[9] in inodes:
                    count += 1
    return count


def footprint(server: FakeOpenAIServer) -> tuple[int, int, int]:
    port = int(server.base_url.rsplit(":", 1)[1].split("/")[0])
    return threading.active_count(), atexit._ncallbacks(), client_sockets(port)  # type: ignore[attr-defined]


def test_two_builds_in_one_process_leave_nothing_behind(
    openai_server: FakeOpenAIServer, tmp_path: Path
) -> None:
    r = recipe(openai_server, tmp_path, samples=2)
    safedata.build(r)  # a first build: imports and lazily made singletons settle
    before = footprint(openai_server)
    r["output"]["dir"] = str(tmp_path / "second")
    second = safedata.build(r)
    assert second.rows > 0 and len(openai_server.requests) == 2 * 12
    # No request-cache writer thread, exit handler or connection stays after a build.
    assert footprint(openai_server) == before


def test_the_engines_close_when_a_build_fails(openai_server: FakeOpenAIServer, tmp_path: Path) -> None:
    r = recipe(openai_server, tmp_path, max_retries=0)
    openai_server.config.fault_for = lambda body: "500"  # every request fails: the build stops
    before = threading.active_count()
    with pytest.raises(SafedataError, match="requests failed"):
        safedata.build(r)
    assert threading.active_count() == before


def test_the_build_shares_one_engine_per_spec(openai_server: FakeOpenAIServer, tmp_path: Path) -> None:
    spec = OpenAITeacher.model_validate(recipe(openai_server, tmp_path)["teacher"])
    other = spec.model_copy(update={"model": "other"})
    ctx = BuildContext(loaded=None, out_dir=tmp_path, progress=None)  # type: ignore[arg-type]
    from safedata.engines import build_teacher

    with ctx.engines:
        first = build_teacher(spec, ctx)
        assert build_teacher(spec, ctx) is first and build_teacher(other, ctx) is not first
        cache = first.book.cache
        assert cache is build_teacher(other, ctx).book.cache  # one request cache for the build
        assert cache._writer.is_alive()
    assert first.closed and not cache._writer.is_alive()


def test_an_engine_is_a_context_manager(openai_server: FakeOpenAIServer, tmp_path: Path) -> None:
    spec = OpenAITeacher(engine="openai", model="fake-r1", base_url=openai_server.base_url)
    from safedata.engines import TeacherRequest

    with make_teacher(spec, tmp_path) as teacher:
        (reply,) = teacher.generate([TeacherRequest.chat([{"role": "user", "content": "hi"}])])
        assert reply.ok
    assert teacher.closed
    with pytest.raises(RuntimeError, match="closed"):
        teacher.generate([TeacherRequest.chat([{"role": "user", "content": "hi"}])])
    assert SqliteCache(tmp_path / "requests.sqlite").counts() == {"ok": 1}  # written before it closed


def plan_count(r: dict[str, Any], use_cache: bool = True) -> int:
    line = dict(safedata.plan(r, use_cache=use_cache))["generate"]
    found = re.search(r"(\d+) teacher requests to send", line)
    assert found, line
    return int(found.group(1))


def test_dry_run_counts_exactly_what_the_build_then_sends(
    openai_server: FakeOpenAIServer, tmp_path: Path
) -> None:
    r = recipe(openai_server, tmp_path, samples=2, max_retries=0)
    assert plan_count(r) == 12  # 6 prompts x 2 samples, nothing cached yet
    assert not (tmp_path / "out" / "cache").exists()  # a dry run writes no cache
    # A partial earlier run: requests about the sky fail (their errors are cached, and sent again).
    openai_server.config.fault_for = lambda body: "500" if "sky" in str(body) else None
    safedata.build(r)
    failed = sum(1 for q in openai_server.requests if "sky" in str(q["body"]))
    assert failed == 2
    # More prompts since: theirs are new, the rest of the earlier ones are cached.
    extra = tmp_path / "more.jsonl"
    extra.write_text('{"prompt": "What makes bread rise?"}\n{"prompt": "How do tides work?"}\n')
    r["sources"].append({"type": "file", "path": str(extra), "kind": "benign"})
    openai_server.config.fault_for = None
    openai_server.reset()
    counted = plan_count(r)
    assert counted == failed + 2 * 2
    assert "answered by the request cache" in dict(safedata.plan(r))["generate"]
    safedata.build(r)
    assert len(openai_server.requests) == counted
    assert plan_count(r) == 0
    assert plan_count(r, use_cache=False) == 8 * 2  # as `--dry-run --no-cache`: every request


def test_the_filters_stage_closes_a_judge_holding_its_own_client(tmp_path: Path) -> None:
    from safedata.filters.stage import FiltersStage
    from safedata.schemas.filter import Filter

    spec = Filter.model_validate(
        {
            "judges": [
                {"name": "openai_moderation", "base_url": "http://127.0.0.1:9/v1", "api_key": "sk-test-0001"}
            ]
        }
    )
    stage = FiltersStage(spec, None)
    ctx = BuildContext(loaded=None, out_dir=tmp_path, progress=None)  # type: ignore[arg-type]
    stage.open(ctx)
    moderation = stage._detectors[-1]
    assert not moderation.client.is_closed()
    stage.close()
    assert moderation.client.is_closed()
