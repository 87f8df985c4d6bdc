"""`teacher.moderate_stream`: replies whose thought turned unsafe, and what happens to their rows.

The engine cancels a moderated stream at the first unsafe segment (engines/stream.py). A reply that did
not stream (from the cache of an unmoderated run, or from an engine that does not stream) gets the same
sentence-by-sentence check when it is read, so a build gives the same rows whichever way its replies came.
Aborted rows are dropped as `aborted_unsafe_thought`, or, with `abort_and_regenerate`, asked again with the
next guideline level (default -> realsafe -> improved) until a thought passes or the levels run out.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from safedata.engines import build_teacher
from safedata.engines.base import ABORTED, Teacher, TeacherReply, TeacherRequest
from safedata.schemas.teacher import GUIDELINES, TeacherBase

EXAMPLES = 3  # aborted segments kept in the report

Rebuild = Callable[[int, str], TeacherRequest]  # (reply index, guidelines) -> the request asked again


@dataclass
class ModerationLog:
    counts: Counter[str] = field(default_factory=Counter)
    by_pattern: Counter[str] = field(default_factory=Counter)
    tokens_at_abort: int = 0  # generated (and paid) before the cancel
    tokens_saved_at_most: int = 0  # max_tokens minus what was generated: the most a cancel saved
    examples: list[dict[str, Any]] = field(default_factory=list)

    def note(self, reply: TeacherReply, max_tokens: int) -> None:
        info = reply.extra.get("aborted") or {}
        self.by_pattern[info.get("pattern", "?")] += 1
        if not reply.cached and info.get("tokens") is not None:  # a cancel this run (not a post-hoc check)
            self.counts["cancelled_streams"] += 1
            self.tokens_at_abort += info["tokens"]
            self.tokens_saved_at_most += max(0, max_tokens - info["tokens"])
        if len(self.examples) < EXAMPLES:
            self.examples.append({"pattern": info.get("pattern"), "segment": str(info.get("segment"))[:300]})

    def to_dict(self) -> dict[str, Any]:
        return {
            **dict(self.counts),
            "by_pattern": dict(self.by_pattern),
            "tokens_at_abort": self.tokens_at_abort,
            "tokens_saved_at_most": self.tokens_saved_at_most,
            "examples": self.examples,
        }


def watched_teacher(spec: TeacherBase, ctx: Any) -> Teacher:
    """The build's engine for `spec`; when the spec moderates its stream, the engine is handed the thought
    monitor here, so engines never import a stage to build one."""
    teacher = build_teacher(spec, ctx)
    if spec.moderate_stream is not None and getattr(teacher, "monitor", False) is None:
        from safedata.filters.stream_monitor import monitor_factory

        teacher.monitor = monitor_factory(spec.moderate_stream.backend)  # type: ignore[attr-defined]
    return teacher


def next_guidelines(current: str) -> str | None:
    i = GUIDELINES.index(current)
    return GUIDELINES[i + 1] if i + 1 < len(GUIDELINES) else None


def check_unstreamed(requests: list[TeacherRequest], replies: list[TeacherReply], make_monitor: Any) -> None:
    """Mark as aborted the moderated replies that did not stream through a monitor and would have failed it
    (no tokens were saved for them: they were already generated)."""
    from safedata.filters.stream_monitor import first_unsafe

    for req, reply in zip(requests, replies, strict=True):
        if not (req.moderate and reply.ok) or reply.aborted or reply.extra.get("moderated"):
            continue
        flag = first_unsafe(make_monitor, req.messages[-1][1], reply.reasoning)
        if flag is not None:
            reply.finish_reason = ABORTED
            reply.extra["aborted"] = {"pattern": flag.pattern, "segment": flag.segment}


def moderate(
    teacher: Teacher,
    requests: list[TeacherRequest],
    replies: list[TeacherReply],
    spec: TeacherBase,
    rebuild: Rebuild,
) -> tuple[ModerationLog, dict[int, str]]:
    """Handle aborted replies in place; returns the log and the guidelines each regenerated reply used."""
    assert spec.moderate_stream is not None
    from safedata.filters.stream_monitor import monitor_factory

    make_monitor = monitor_factory(spec.moderate_stream.backend)
    log = ModerationLog()
    regenerated: dict[int, str] = {}
    level = {i: spec.guidelines for i in range(len(replies))}
    max_tokens = spec.sampling.max_tokens or 8192
    check_unstreamed(requests, replies, make_monitor)
    while True:
        aborted = [i for i, r in enumerate(replies) if r.ok and r.aborted]
        for i in aborted:
            if not replies[i].extra.get("logged"):
                log.note(replies[i], max_tokens)
                replies[i].extra["logged"] = True
        if spec.moderate_stream.action != "abort_and_regenerate":
            break
        again = [i for i in aborted if next_guidelines(level[i]) is not None]
        if not again:
            break
        asked = [rebuild(i, next_guidelines(level[i])) for i in again]  # type: ignore[arg-type]
        fresh = teacher.generate(asked)
        check_unstreamed(asked, fresh, make_monitor)
        for i, req, reply in zip(again, asked, fresh, strict=True):
            level[i] = next_guidelines(level[i])  # type: ignore[assignment]
            log.counts["regenerated"] += 1
            if reply.ok:
                replies[i] = reply.absorb(replies[i])
                regenerated[i] = level[i]
            else:
                log.counts["regenerate_failed"] += 1
                replies[i].extra["regenerate_error"] = reply.error
            requests[i] = req
    log.counts["aborted_rows"] = sum(1 for r in replies if r.ok and r.aborted)
    return log, regenerated
