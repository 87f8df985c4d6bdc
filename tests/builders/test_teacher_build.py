"""Builds with a teacher against the local OpenAI-compatible server: variants, guidelines, K samples,
decoding strategies, accounting, dry-run estimate."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

import safedata
from safedata.engines.decoding import LESSTHINK, ZEROTHINK
from safedata.engines.prompts import GUIDELINES
from safedata.errors import RecipeError
from safedata.registry import SOURCES, resolve
from safedata.sources import READERS, Reader
from tests.fixtures.openai_server import FakeOpenAIServer


def recipe(server: FakeOpenAIServer, tmp_path: Path, **teacher: Any) -> dict[str, Any]:
    benign = tmp_path / "benign.jsonl"  # prompts without a trace: the teacher answers them
    benign.write_text(
        '{"prompt": "How do vaccines train the immune system?"}\n{"prompt": "Why is the sky blue?"}\n'
    )
    return {
        "name": "t",
        "sources": [
            {"type": "seeds", "set": "harmful", "limit": 4},
            {"type": "file", "path": str(benign), "kind": "benign"},
        ],
        "variants": teacher.pop("variants", ["long"]),
        "teacher": {"engine": "openai", "model": "fake-r1", "base_url": server.base_url, **teacher},
        "output": {"dir": str(tmp_path / "out")},
    }


def sent_users(server: FakeOpenAIServer) -> list[str]:
    return [r["body"]["messages"][0]["content"] for r in server.requests]


def test_variants_guidelines_samples_and_accounting(openai_server: FakeOpenAIServer, tmp_path: Path) -> None:
    r = recipe(
        openai_server,
        tmp_path,
        variants=["long", "short", {"name": "template", "teacher": True}, "nocot"],
        guidelines="improved",
        samples=2,
        price={"input_per_million": 1.0, "output_per_million": 2.0},
    )
    result = safedata.build(r)
    by_variant = result.report["final"]["variant"]
    # long/short for 4 harmful + 2 benign rows, template (teacher) harmful + benign by default, x2 samples
    assert by_variant == {"long": 12, "short": 12, "template": 12, "nocot": 4}
    assert len(openai_server.requests) == 36
    users = sent_users(openai_server)
    harmful = [rec.prompt for rec in result.records if rec.kind == "harmful"]
    improved_first_rule = GUIDELINES["improved"].splitlines()[1]
    for text in users:
        is_harmful = any(text.endswith(p) for p in harmful)
        assert (improved_first_rule in text) == is_harmful  # guidelines go to harmful rows only
    assert sum("Keep your thinking brief" in t for t in users) == 12
    assert sum("* sexual/minors" in t for t in users) == 12
    teacher_rows = [rec for rec in result.records if rec.variant == "long"]
    assert sorted({rec.sample_index for rec in teacher_rows}) == [0, 1]
    assert len({rec.id for rec in result.records}) == len(result.records)
    rec = teacher_rows[0]
    assert rec.reasoning.startswith("The user asks:") and rec.answer.startswith("Here is my answer to:")
    assert rec.teacher.model == "fake-r1" and rec.teacher.guidelines == "improved"
    assert rec.usage.output_tokens > 0
    # The record keeps the bare prompt, not the instructions sent to the teacher.
    assert "REQUEST:" not in rec.prompt
    notes = next(s for s in result.report["stages"] if s["name"] == "generate")["notes"]["teacher"]
    total_out = sum(v["output_tokens"] for v in notes["usage_by_variant"].values())
    assert total_out == sum(x.usage.output_tokens for x in result.records if x.usage)
    assert notes["cost_usd"] > 0 and notes["this_run"]["sent"] == 36
    card = (tmp_path / "out" / "README.md").read_text()
    assert "generated tokens" in card and "`improved`" in card


def test_a_failed_request_drops_its_row_and_is_counted(
    openai_server: FakeOpenAIServer, tmp_path: Path
) -> None:
    openai_server.config.fault_for = lambda b: "500" if "sky" in json.dumps(b) else None
    r = recipe(openai_server, tmp_path, max_retries=1, backoff_s=0.01)
    result = safedata.build(r)
    gen = next(s for s in result.report["stages"] if s["name"] == "generate")
    failed = sum(n for reason, n in gen["dropped"].items() if "teacher request failed" in reason)
    assert failed == 1 and result.rows == 5


def test_short_thoughts_over_the_cap_are_dropped_and_counted(
    openai_server: FakeOpenAIServer, tmp_path: Path
) -> None:
    # The teacher obeys the cap for the sky question only; every other short reply thinks 30 words.
    def reply(body: dict[str, Any]) -> dict[str, Any]:
        words = 5 if "sky" in json.dumps(body) else 30
        return {"reasoning": " ".join(["step"] * words), "content": "A careful answer."}

    openai_server.config.responder = reply
    result = safedata.build(recipe(openai_server, tmp_path, variants=["short"], short_thought_words=10))
    gen = next(s for s in result.report["stages"] if s["name"] == "generate")
    assert gen["dropped"] == {"`short` thought over the 10-word cap": 5}
    assert [len(r.reasoning.split()) for r in result.records] == [5]
    assert all("at most 10 words" in t for t in sent_users(openai_server))


@pytest.mark.parametrize(("decoding", "prefill"), [("zerothink", ZEROTHINK), ("lessthink", LESSTHINK)])
def test_prefill_strategies_send_the_prefilled_turn(
    openai_server: FakeOpenAIServer, tmp_path: Path, decoding: str, prefill: str
) -> None:
    result = safedata.build(recipe(openai_server, tmp_path, decoding=decoding))
    for req in openai_server.requests:
        assert req["body"]["messages"][-1] == {"role": "assistant", "content": prefill}
        assert req["body"]["continue_final_message"] is True
    for rec in result.records:
        expected = (
            "" if decoding == "zerothink" else "I understand the request well enough to answer it directly."
        )
        assert rec.reasoning == expected
        assert rec.assistant_content().startswith(prefill.rstrip())
        assert rec.answer.startswith("Here is my answer to:")


def test_morethink_reopens_the_thought_with_cues(openai_server: FakeOpenAIServer, tmp_path: Path) -> None:
    more = {"rounds": 2, "cues": ["Wait,", "Hmm,"], "thought_tokens": 10_000}
    result = safedata.build(recipe(openai_server, tmp_path, decoding="morethink", morethink=more))
    assert len(openai_server.requests) == 6 * 3  # first answer + two reopenings per row
    rec = result.records[0]
    assert rec.reasoning.count("</think>") == 0
    first, wait, hmm = rec.reasoning.split("\n\n")
    assert first.startswith("The user asks:")
    assert wait.startswith("Wait,") and hmm.startswith("Hmm,")
    assert rec.answer.startswith("Here is my answer to:")
    last = openai_server.requests[-1]["body"]["messages"][-1]["content"]
    assert last.startswith("<think>\n") and "</think>" not in last
    # rerun: every round is cached
    openai_server.reset()
    again = safedata.build(recipe(openai_server, tmp_path, decoding="morethink", morethink=more))
    assert openai_server.requests == [] and [x.reasoning for x in again.records] == [
        x.reasoning for x in result.records
    ]


def test_dry_run_counts_requests_and_cost_and_sends_nothing(
    openai_server: FakeOpenAIServer, tmp_path: Path
) -> None:
    r = recipe(openai_server, tmp_path, samples=4, price={"input_per_million": 0.5, "output_per_million": 2})
    r["teacher"]["sampling"] = {"max_tokens": 1000}
    line = dict(safedata.plan(r))["generate"]
    assert "24 teacher requests to send (openai fake-r1)" in line
    assert "cost at most $0.05" in line  # 24 x 1000 generated tokens x $2/M = $0.048 + prompts
    assert openai_server.requests == []


def test_dry_run_reads_each_source_once(
    openai_server: FakeOpenAIServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the generate plan re-runs the stages before it to count requests: it must reuse the rows already read
    reads: Counter[str] = Counter()

    def counting(kind: str, reader: Reader) -> Reader:
        def read(spec: Any) -> Iterator[tuple[int, dict[str, Any] | str]]:
            reads[kind] += 1
            yield from reader(spec)

        return read

    for kind in READERS:  # the registry resolves readers when used: patch them where they live
        module, _, attr = (SOURCES[kind].make or "").partition(":")
        monkeypatch.setattr(resolve(module), attr, counting(kind, READERS[kind][0]))
    plan = dict(safedata.plan(recipe(openai_server, tmp_path)))
    assert reads == {"seeds": 1, "file": 1}
    assert plan["sources"] == "read seeds/harmful: 4 rows; benign: 2 rows"
    assert "6 teacher requests" in plan["generate"]  # long for 4 harmful + 2 benign rows


def test_teacher_variants_need_a_teacher(tmp_path: Path) -> None:
    r = {"name": "t", "sources": [{"type": "seeds", "set": "harmful"}], "variants": ["long"]}
    with pytest.raises(RecipeError, match="add a `teacher:` section"):
        safedata.build(r)
    r["variants"] = [{"name": "nocot", "kinds": ["math"]}]
    with pytest.raises(RecipeError, match="harmful rows only"):
        safedata.build(r)


@pytest.mark.parametrize("name", ["r1-distill", "vllm-node"])
def test_example_recipes_are_valid(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from safedata.schemas.loader import load_recipe
    from tests.conftest import REPO

    monkeypatch.setenv("DEEPSEEK_API_KEY", "sk-test-0123456789")
    recipe = load_recipe(REPO / "recipes" / f"{name}.yaml").recipe
    assert recipe.teacher is not None and {v.name for v in recipe.variants} >= {"long", "short"}


def test_an_unreachable_teacher_is_one_clear_error(run_cli, tmp_path: Path) -> None:
    import socket

    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    r = {
        "name": "t",
        "sources": [{"type": "seeds", "set": "harmful", "limit": 2}],
        "variants": ["long"],
        "teacher": {
            "engine": "openai",
            "model": "m",
            "base_url": f"http://127.0.0.1:{port}/v1",
            "max_retries": 0,
        },
    }
    (tmp_path / "r.yaml").write_text(yaml.safe_dump(r))
    proc = run_cli("build", "r.yaml", "--quiet")
    assert proc.returncode == 2
    assert "all 2 teacher requests failed (mostly ClientConnectorError)" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_no_cache_sends_everything_and_writes_no_cache(
    openai_server: FakeOpenAIServer, tmp_path: Path
) -> None:
    r = recipe(openai_server, tmp_path)
    safedata.build(r, use_cache=False)
    safedata.build(r, use_cache=False)
    assert len(openai_server.requests) == 12 and not (tmp_path / "out" / "cache").exists()


def test_the_cache_keeps_raw_replies_so_parsing_can_change(
    openai_server: FakeOpenAIServer, tmp_path: Path
) -> None:
    import sqlite3

    openai_server.config.style = "reasoning_content"
    safedata.build(recipe(openai_server, tmp_path))
    db = sqlite3.connect(tmp_path / "out" / "cache" / "requests.sqlite")
    raws = [json.loads(raw) for (raw,) in db.execute("SELECT raw FROM requests WHERE status = 'ok'")]
    assert len(raws) == 6
    for raw in raws:  # what the server sent, field by field: not our parse of it
        assert raw["reasoning"].startswith("The user asks:") and raw["content"].startswith(
            "Here is my answer"
        )
        assert raw["finish_reason"] == "stop"


def test_teacher_section_errors_name_the_yaml_path() -> None:
    from safedata.schemas.loader import parse_recipe

    head = "name: t\nsources:\n  - type: seeds\n    set: harmful\nvariants: [long]\nteacher:\n"
    with pytest.raises(RecipeError, match=r"line 9, teacher.max_concurency: unknown key"):
        parse_recipe(head + "  engine: openai\n  base_url: http://x/v1\n  max_concurency: 4\n  model: m\n")
    with pytest.raises(
        RecipeError, match=r"line 9, teacher.samples: Input should be greater than or equal to 1"
    ):
        parse_recipe(head + "  engine: vllm\n  model: m\n  samples: 0\n")
    with pytest.raises(
        RecipeError, match=r"line 7, teacher.engine: unknown teacher engine 'gpt'; choose from openai"
    ):
        parse_recipe(head + "  engine: gpt\n  model: m\n")
