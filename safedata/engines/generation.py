"""The generation service: how safedata asks a teacher for a chain of thought and reads the answer back.

The generate stage (first draws) and the filters' repair by regeneration (later draws with escalated
guidelines) both build their requests, send them under the recipe's decoding strategy and take the replies
into records through these functions, so a regenerated row is asked and read exactly like a first draw.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from safedata.engines.base import Teacher, TeacherReply, TeacherRequest
from safedata.engines.decoding import PREFILLS, run_decoding
from safedata.engines.prompts import user_message
from safedata.errors import SafedataError
from safedata.schemas.record import Record, TeacherInfo, Usage
from safedata.schemas.teacher import OpenAITeacher, TeacherBase

if TYPE_CHECKING:
    from safedata.progress import Progress

MODERATED = ("normal", "morethink")  # decodings where the model writes its own thought


def teacher_request(
    rec: Record, variant: str, guidelines: str, spec: TeacherBase, sample: int
) -> TeacherRequest:
    """The request asking `spec`'s teacher to write `variant` for `rec` (draw `sample`: its own cache key)."""
    text = user_message(rec.prompt, variant, guidelines, rec.kind == "harmful", spec.short_thought_words)
    return TeacherRequest.chat(
        [{"role": "user", "content": text}],
        prefill=PREFILLS[spec.decoding],
        sample=sample,
        # Only harmful prompts' thoughts are watched, and only thoughts the model writes (not pre-filled).
        moderate=spec.moderate_stream is not None and rec.kind == "harmful" and spec.decoding in MODERATED,
        **spec.sampling.params(),
    )


def take_reply(rec: Record, reply: TeacherReply, info: TeacherInfo) -> Record:
    """`rec` with the reply's thought, answer and token usage, written by the teacher `info` names."""
    rec.reasoning, rec.answer, rec.truncated = reply.reasoning, reply.answer, reply.truncated
    rec.teacher = info
    rec.usage = Usage(
        input_tokens=reply.input_tokens,
        output_tokens=reply.output_tokens,
        thought_tokens=reply.thought_tokens,
        answer_tokens=reply.answer_tokens,
        cached=reply.cached,
    )
    return rec


def send(
    teacher: Teacher,
    requests: list[TeacherRequest],
    spec: TeacherBase,
    on_reply: Callable[[int, TeacherReply], None] | None = None,
) -> list[TeacherReply]:
    """`requests` under the spec's decoding strategy (MoreThink rounds included)."""
    return run_decoding(teacher, requests, spec.decoding, spec.morethink, on_reply)


def ask(
    teacher: Teacher,
    requests: list[TeacherRequest],
    spec: TeacherBase,
    progress: Progress,
    role: str = "teacher",
) -> list[TeacherReply]:
    """`send` with a progress bar; fail loudly when not one request succeeds."""
    task = progress.add(role, total=len(requests) if spec.decoding != "morethink" else None)
    book = getattr(teacher, "book", None)

    def advance(i: int, reply: Any) -> None:
        progress.advance(task, info=book.stats.line() if book else "")

    replies = send(teacher, requests, spec, advance)
    progress.finish(task)
    if replies and not any(r.ok for r in replies):
        # Nothing came back at all: a wrong URL, key or model, not a flaky request. Say so instead of
        # writing a dataset without any of these rows. (Failures are cached, so the next run retries.)
        errors = Counter(r.error for r in replies).most_common(1)[0][0]
        where = f" at {spec.base_url}" if isinstance(spec, OpenAITeacher) else ""
        raise SafedataError(
            f"all {len(replies)} {role} requests failed (mostly {errors}); check the {role}{where}: "
            "its URL, API key and model name"
        )
    return replies


def add_usage(u: Counter[str], reply: TeacherReply) -> None:
    """Add a reply's token counts to a usage row (per variant, per stage)."""
    u["requests"] += 1
    u["input_tokens"] += reply.input_tokens
    u["output_tokens"] += reply.output_tokens
    u["thought_tokens"] += reply.thought_tokens
    u["answer_tokens"] += reply.answer_tokens


def usage_rows(spec: TeacherBase, usage: dict[str, Counter[str]]) -> dict[str, dict[str, Any]]:
    """Usage per variant as report rows, with the cost when the recipe gives a price."""
    rows: dict[str, dict[str, Any]] = {}
    for variant, u in sorted(usage.items()):
        row: dict[str, Any] = dict(u)
        if spec.price is not None:
            row["cost_usd"] = round(spec.price.cost(u["input_tokens"], u["output_tokens"]), 4)
        rows[variant] = row
    return rows
