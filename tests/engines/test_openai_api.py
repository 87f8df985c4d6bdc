"""The `openai` engine against the local OpenAI-compatible server: parsing, faults, retries, cache."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from safedata.engines import TeacherRequest, make_teacher
from safedata.engines.cache import SqliteCache
from safedata.errors import SafedataError
from safedata.schemas.teacher import OpenAITeacher
from tests.engines.test_cache import within
from tests.fixtures.openai_server import STYLES, FakeOpenAIServer


def spec(server: FakeOpenAIServer, **kw: object) -> OpenAITeacher:
    base = {"engine": "openai", "model": "fake-r1", "base_url": server.base_url, "backoff_s": 0.01}
    return OpenAITeacher.model_validate({**base, **kw})


def requests(n: int, **params: object) -> list[TeacherRequest]:
    return [TeacherRequest.chat([{"role": "user", "content": f"question {i}"}], **params) for i in range(n)]


@pytest.mark.parametrize("style", STYLES)
def test_each_reasoning_style_parses_to_the_same_thought(openai_server: FakeOpenAIServer, style: str) -> None:
    openai_server.config.style = style
    replies = make_teacher(spec(openai_server), None).generate(requests(3))
    for i, r in enumerate(replies):
        assert r.ok and not r.truncated
        assert r.reasoning.startswith(f"The user asks: question {i}.")
        assert "<think>" not in r.reasoning and "</think>" not in r.answer
        assert r.answer == f"Here is my answer to: question {i}"
        assert r.output_tokens > 0


@pytest.mark.parametrize("style", STYLES)
def test_a_thought_cut_by_the_length_limit_is_truncated(openai_server: FakeOpenAIServer, style: str) -> None:
    openai_server.config.style = style
    openai_server.config.faults.append("truncate")
    (reply,) = make_teacher(spec(openai_server), None).generate(requests(1))
    assert reply.ok and reply.truncated and reply.answer == ""
    assert reply.reasoning.startswith("The user asks")


def test_faults_are_retried_and_no_row_is_lost(openai_server: FakeOpenAIServer, tmp_path: Path) -> None:
    openai_server.config.faults.extend(["429", "500", "empty", "noise", "500", "429"])
    teacher = make_teacher(spec(openai_server, max_retries=3), tmp_path)
    replies = teacher.generate(requests(8))
    assert all(r.ok for r in replies) and len(replies) == 8
    assert [r.answer for r in replies] == [f"Here is my answer to: question {i}" for i in range(8)]
    assert len(openai_server.requests) == 8 + 6  # each fault cost exactly one extra request
    assert teacher.book.stats.retries == 6


def test_retries_are_bounded_and_failures_recorded_then_retried(
    openai_server: FakeOpenAIServer, tmp_path: Path
) -> None:
    broken = {"on": True}
    openai_server.config.fault_for = lambda b: "500" if broken["on"] and "0" in str(b["messages"]) else None
    teacher = make_teacher(spec(openai_server, max_retries=2), tmp_path)
    (bad, good) = teacher.generate(requests(2))
    assert not bad.ok and bad.error == "HTTP500"
    assert good.ok
    assert max(openai_server.counts().values()) == 3
    assert SqliteCache(tmp_path / "requests.sqlite").counts() == {"ok": 1, "error": 1}

    openai_server.reset()
    broken["on"] = False
    again = make_teacher(spec(openai_server, max_retries=2), tmp_path).generate(requests(2))
    assert all(r.ok for r in again)
    assert len(openai_server.requests) == 1  # only the failed one is sent again
    assert again[1].cached and not again[0].cached


def test_a_client_error_is_not_retried(openai_server: FakeOpenAIServer) -> None:
    teacher = make_teacher(
        spec(openai_server, max_retries=4, base_url=openai_server.base_url + "/nope"), None
    )
    (reply,) = teacher.generate(requests(1))
    assert reply.error == "HTTP404"
    assert len(openai_server.requests) == 0  # 404 from the router: nothing retried


def test_a_hanging_request_times_out_and_is_retried(openai_server: FakeOpenAIServer) -> None:
    openai_server.config.faults.append("hang")
    openai_server.config.hang_s = 1.5
    t0 = time.perf_counter()
    (reply,) = make_teacher(spec(openai_server, timeout_s=0.5, max_retries=1), None).generate(requests(1))
    assert reply.ok
    assert time.perf_counter() - t0 < 3
    assert len(openai_server.requests) == 2


def test_retry_after_is_honoured_over_the_backoff(openai_server: FakeOpenAIServer) -> None:
    openai_server.config.faults.append("429")
    openai_server.config.retry_after_s = 0.4
    (reply,) = make_teacher(spec(openai_server, backoff_s=5.0), None).generate(requests(1))
    assert reply.ok
    first, second = openai_server.requests
    assert 0.35 <= second["t"] - first["t"] < 2.0


def test_concurrency_stays_at_the_limit(openai_server: FakeOpenAIServer) -> None:
    openai_server.config.latency_ms = 50
    openai_server.config.latency_dist = "exp"
    replies = make_teacher(spec(openai_server, max_concurrency=16), None).generate(requests(120))
    assert all(r.ok for r in replies)
    assert openai_server.peak_in_flight == 16


def test_a_second_run_sends_nothing_and_no_cache_sends_all(
    openai_server: FakeOpenAIServer, tmp_path: Path
) -> None:
    seen: list[int] = []
    make_teacher(spec(openai_server), tmp_path).generate(requests(5), on_reply=lambda i, r: seen.append(i))
    assert sorted(seen) == list(range(5))
    openai_server.reset()
    replies = make_teacher(spec(openai_server), tmp_path).generate(requests(5))
    assert all(r.cached for r in replies) and openai_server.requests == []
    make_teacher(spec(openai_server), None).generate(requests(5))
    assert len(openai_server.requests) == 5


def test_samples_and_prefill_are_distinct_requests(openai_server: FakeOpenAIServer, tmp_path: Path) -> None:
    msgs = [{"role": "user", "content": "hi"}]
    reqs = [TeacherRequest.chat(msgs, sample=k) for k in range(3)]
    reqs.append(TeacherRequest.chat(msgs, prefill="<think>\n\n</think>\n\n"))
    replies = make_teacher(spec(openai_server), tmp_path).generate(reqs)
    assert len(openai_server.requests) == 4
    last = openai_server.requests[-1]["body"]
    assert last["continue_final_message"] is True and last["messages"][-1]["role"] == "assistant"
    assert replies[-1].reasoning == "" and replies[-1].answer == "Here is my answer to: hi"


def test_the_api_key_never_reaches_the_cache(openai_server: FakeOpenAIServer, tmp_path: Path) -> None:
    make_teacher(spec(openai_server, api_key="sk-secret-123"), tmp_path).generate(requests(2))
    assert b"sk-secret-123" not in (tmp_path / "requests.sqlite").read_bytes()


def test_requests_per_minute_spaces_the_requests(openai_server: FakeOpenAIServer) -> None:
    replies = make_teacher(spec(openai_server, requests_per_minute=600), None).generate(requests(4))
    assert all(r.ok for r in replies)
    times = sorted(r["t"] for r in openai_server.requests)
    assert times[-1] - times[0] >= 0.25  # 600/min = one every 0.1 s: 4 requests span >= 0.3 s


def test_tokens_per_minute_spaces_the_requests_by_their_size(openai_server: FakeOpenAIServer) -> None:
    # each request counts max_tokens 100 + ~2 prompt tokens: at 60k tokens/min, one start every ~0.1 s
    teacher = make_teacher(spec(openai_server, tokens_per_minute=60_000), None)
    replies = teacher.generate(requests(4, max_tokens=100))
    assert all(r.ok for r in replies)
    times = sorted(r["t"] for r in openai_server.requests)
    assert times[-1] - times[0] >= 0.25


def test_prefill_through_the_completions_endpoint(openai_server: FakeOpenAIServer, tiny_model: Path) -> None:
    zero = "<think>\n\n</think>\n\n"
    teacher = make_teacher(spec(openai_server, prefill="completions", tokenizer=str(tiny_model)), None)
    (reply,) = teacher.generate([TeacherRequest.chat([{"role": "user", "content": "hi"}], prefill=zero)])
    (sent,) = openai_server.requests
    assert sent["path"] == "/v1/completions"
    assert (
        sent["body"]["prompt"]
        == "<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n"
    )
    assert reply.ok and reply.reasoning == "" and reply.answer.startswith("Here is my answer")


def test_a_cache_that_cannot_be_written_stops_the_run_with_one_error(
    openai_server: FakeOpenAIServer, tmp_path: Path
) -> None:
    teacher = make_teacher(spec(openai_server), tmp_path)
    teacher.generate(requests(2))
    cache = teacher.book.cache
    cache._db.execute(f"PRAGMA max_page_count = {cache._db.execute('PRAGMA page_count').fetchone()[0]}")
    openai_server.config.responder = lambda body: "<think>" + "long thought " * 50_000 + "</think>ok"
    with pytest.raises(SafedataError, match="cannot write the request cache"):
        within(30, lambda: teacher.generate(requests(6)))
    assert SqliteCache(tmp_path / "requests.sqlite").counts() == {"ok": 2}


def test_a_reply_we_cannot_parse_is_paid_once_and_never_sent_again(
    openai_server: FakeOpenAIServer, tmp_path: Path
) -> None:
    openai_server.config.fault_for = lambda body: "malformed" if "question 0" in str(body) else None
    bad, good = make_teacher(spec(openai_server, max_retries=3), tmp_path).generate(requests(2))
    assert bad.error == "ParseError" and bad.attempts == 1 and good.ok
    assert len(openai_server.requests) == 2  # not re-sent (and re-paid) max_retries times
    openai_server.reset()
    again = make_teacher(spec(openai_server, max_retries=3), tmp_path).generate(requests(2))
    assert again[0].error == "ParseError" and openai_server.requests == []  # the paid reply is kept


def test_an_unencodable_reply_fails_its_row_without_a_hang(
    openai_server: FakeOpenAIServer, tmp_path: Path
) -> None:
    openai_server.config.responder = lambda body: "<think>a\ud800b</think>answer"
    (reply,) = within(30, lambda: make_teacher(spec(openai_server), tmp_path).generate(requests(1)))
    assert reply.error == "UnencodableReply"


@pytest.mark.parametrize("fault", ["cut_body", "empty", "noise"])
def test_an_unusable_body_is_retried(openai_server: FakeOpenAIServer, fault: str) -> None:
    openai_server.config.faults.extend([fault, fault])
    (reply,) = make_teacher(spec(openai_server, max_retries=2), None).generate(requests(1))
    assert reply.ok and reply.attempts == 3 and len(openai_server.requests) == 3


def test_a_build_s_engines_on_one_endpoint_share_its_rate_limit(openai_server: FakeOpenAIServer) -> None:
    """Two specs on one endpoint (the teacher, and a judge with other sampling) pace as one at the tighter
    limit, although they send from two threads at once."""
    import threading

    from safedata.engines.pool import EnginePool

    with EnginePool() as pool:
        teacher = pool.get(spec(openai_server, requests_per_minute=1200), None)
        judge = pool.get(spec(openai_server, requests_per_minute=600, sampling={"temperature": 0.0}), None)
        assert teacher is not judge
        threads = [threading.Thread(target=e.generate, args=(requests(6),)) for e in (teacher, judge)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
    times = sorted(r["t"] for r in openai_server.requests)
    assert len(times) == 12
    # 600/min is one start per 0.1 s for both together: 12 starts span >= 1.1 s (each alone would take 0.5 s).
    assert times[-1] - times[0] >= 1.0
