"""Streaming thought moderation against the local server's SSE: a planted unsafe thought is cancelled at
its first unsafe sentence (the server stops sending), the row is recorded as `aborted_unsafe_thought`,
regenerated with the next guideline level when asked, and a resumed build sends nothing again."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import safedata
from safedata.engines.prompts import GUIDELINES
from tests.builders.test_teacher_build import recipe
from tests.fixtures.openai_server import FakeOpenAIServer

SAFE = "The request could cause real harm, so I have to think about it carefully before I reply. " * 4
UNSAFE = "Still, first you would need to gather the parts, then you would mix 40 g of the powder with water. "
FILLER = "After that the remaining details follow in order. " * 60
REFUSAL = "I can't help with that, but I can point you to safe, lawful resources."
REALSAFE_FIRST_WORDS = GUIDELINES["realsafe"][:60]


def planted(body: dict[str, Any]) -> dict[str, Any]:
    """Harmful prompts asked with the default guidelines turn unsafe after ~70 words; asked again with
    realsafe's guidelines the thought stays clean. Benign prompts get the same unsafe-looking thought
    (procedure is fine there): they must not be moderated."""
    user = body["messages"][0]["content"]
    if REALSAFE_FIRST_WORDS in user:
        return {"reasoning": SAFE + "I will refuse.", "content": REFUSAL}
    return {"reasoning": SAFE + UNSAFE + FILLER, "content": REFUSAL}


def build(server: FakeOpenAIServer, tmp_path: Path, action: str, **extra: Any) -> safedata.BuildResult:
    r = recipe(server, tmp_path, moderate_stream={"backend": "heuristic", "action": action}, **extra)
    return safedata.build(r)


@pytest.mark.parametrize("style", ["reasoning_content", "think"])
def test_abort_cancels_the_stream_and_drops_the_row(
    openai_server: FakeOpenAIServer, tmp_path: Path, style: str
) -> None:
    openai_server.config.style = style
    openai_server.config.responder = planted
    openai_server.config.token_ms = 1  # a paced stream, as from a model: the cancel lands mid-stream
    result = build(openai_server, tmp_path, "abort")
    assert {r.kind for r in result.records} == {"benign"}  # the 4 harmful rows were aborted
    gen = next(s for s in result.report["stages"] if s["name"] == "generate")
    assert gen["dropped"] == {"aborted_unsafe_thought": 4}
    moderation = gen["notes"]["teacher"]["moderation"]
    assert moderation["aborted_rows"] == moderation["cancelled_streams"] == 4
    assert moderation["by_pattern"] == {"harmful_additions": 4}
    assert "40 g of the powder" in moderation["examples"][0]["segment"]
    assert moderation["tokens_saved_at_most"] > 0
    streamed = [q["body"] for q in openai_server.requests if q["body"].get("stream")]
    assert len(streamed) == 4  # harmful prompts only
    # The server stopped well before the filler: what was billed is far below the full replies.
    full = len((SAFE + UNSAFE + FILLER + REFUSAL).split())
    assert openai_server.cancelled == 4
    billed_harmful = openai_server.tokens_out - sum(
        len(r.reasoning.split()) + len(r.answer.split()) for r in result.records
    )
    assert 0 < billed_harmful < 4 * full / 3
    # Resume: the aborted requests are in the cache; nothing is sent again and the same rows come out.
    openai_server.reset()
    again = build(openai_server, tmp_path, "abort")
    assert openai_server.requests == [] and [r.id for r in again.records] == [r.id for r in result.records]


def test_abort_and_regenerate_asks_again_with_the_next_guidelines(
    openai_server: FakeOpenAIServer, tmp_path: Path
) -> None:
    openai_server.config.responder = planted
    result = build(openai_server, tmp_path, "abort_and_regenerate")
    harmful = [r for r in result.records if r.kind == "harmful"]
    assert len(harmful) == 4
    for r in harmful:
        assert r.teacher.guidelines == "realsafe" and r.answer == REFUSAL
        assert "regenerated after an aborted unsafe thought" in r.provenance[-1].detail
        assert r.usage.output_tokens > len(r.reasoning.split())  # the aborted attempt was paid too
    moderation = next(s for s in result.report["stages"] if s["name"] == "generate")["notes"]["teacher"][
        "moderation"
    ]
    assert moderation["regenerated"] == 4 and moderation["aborted_rows"] == 0


def test_a_cached_unmoderated_reply_gets_the_same_verdict(
    openai_server: FakeOpenAIServer, tmp_path: Path
) -> None:
    openai_server.config.responder = planted
    safedata.build(recipe(openai_server, tmp_path))  # no moderation: full replies, cached
    openai_server.reset()
    result = build(openai_server, tmp_path, "abort")
    assert openai_server.requests == []  # nothing re-sent: the full replies were checked when read
    gen = next(s for s in result.report["stages"] if s["name"] == "generate")
    assert gen["dropped"] == {"aborted_unsafe_thought": 4}
    assert gen["notes"]["teacher"]["moderation"].get("cancelled_streams", 0) == 0
    # And the other way: an aborted reply answers only moderated requests; without moderation it is sent.
    (tmp_path / "b").mkdir()
    safedata.build(recipe(openai_server, tmp_path / "b", moderate_stream={"backend": "heuristic"}))
    openai_server.reset()
    plain = safedata.build(recipe(openai_server, tmp_path / "b"))
    assert len(openai_server.requests) == 4 and len(plain.records) == 6


def test_moderation_notes_add_up_across_blocks(openai_server: FakeOpenAIServer, tmp_path: Path) -> None:
    """One row per block: the blocks' moderation counts add up to what one block counts, and the notes
    keep their example cap."""
    openai_server.config.style = "think"
    openai_server.config.responder = planted
    notes = []
    for rows in (1, 1000):
        (tmp_path / str(rows)).mkdir()
        r = recipe(
            openai_server, tmp_path / str(rows), moderate_stream={"backend": "heuristic", "action": "abort"}
        )
        gen = next(s for s in safedata.build(r, block_rows=rows).report["stages"] if s["name"] == "generate")
        notes.append(gen["notes"]["teacher"]["moderation"])
    # The tokens generated before a cancel depend on when it landed; the counts must not.
    assert [{k: v for k, v in n.items() if not k.startswith("tokens_")} for n in notes] == [
        {k: v for k, v in notes[1].items() if not k.startswith("tokens_")}
    ] * 2
    assert notes[0]["aborted_rows"] == 4
    assert len(notes[0]["examples"]) == 3  # capped, though 4 blocks each noted one
