"""Teacher variants (`long`, `short`, teacher-filled `template`): K samples per prompt from the recipe's
teacher, with its guidelines and decoding strategy; token usage and cost go into the report."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator
from typing import Any

from safedata.builders.decoding import PREFILLS, run_decoding
from safedata.builders.moderation import EXAMPLES, moderate
from safedata.builders.teacher_prompts import over_short_cap, user_message
from safedata.builders.teachers import Teacher, TeacherReply, TeacherRequest, build_teacher
from safedata.builders.teachers.base import ABORTED
from safedata.builders.truncation import handle_truncated
from safedata.errors import SafedataError
from safedata.pipeline import BuildContext
from safedata.schemas.record import Record, TeacherInfo, Usage
from safedata.schemas.teacher import OpenAITeacher, TeacherBase

NAME = "generate"
MODERATED = ("normal", "morethink")  # decodings where the model writes its own thought
Job = tuple[Record, str]  # (prompt row, variant name)


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


def make_requests(jobs: list[Job], spec: TeacherBase) -> tuple[list[TeacherRequest], list[tuple[int, int]]]:
    """One request per job and sample; `owners[j] = (job index, sample index)`."""
    owners = [(j, k) for j in range(len(jobs)) for k in range(spec.samples)]
    requests = [teacher_request(jobs[j][0], jobs[j][1], spec.guidelines, spec, k) for j, k in owners]
    return requests, owners


def estimate(jobs: list[Job], spec: TeacherBase) -> str:
    """For --dry-run: requests to send and, with a price, the most they can cost (replies at max_tokens)."""
    requests, _ = make_requests(jobs, spec)
    rounds = spec.morethink.rounds + 1 if spec.decoding == "morethink" else 1
    line = f"{len(requests)} teacher requests ({spec.engine} {spec.model}"
    line += f", up to {len(requests) * rounds} with MoreThink rounds)" if rounds > 1 else ")"
    if spec.price is not None:
        prompt_tokens = sum(r.approx_prompt_tokens for r in requests) * rounds
        out_tokens = len(requests) * rounds * (spec.sampling.max_tokens or 8192)
        line += f"; cost at most ${spec.price.cost(prompt_tokens, out_tokens):,.2f}"
        line += f" (~{prompt_tokens:,} prompt tokens, <= {out_tokens:,} generated)"
    return line


def ask(
    teacher: Teacher,
    requests: list[TeacherRequest],
    spec: TeacherBase,
    ctx: BuildContext,
    role: str = "teacher",
) -> list[TeacherReply]:
    """Send `requests` with the spec's decoding strategy, with a progress bar; fail loudly if none succeed."""
    task = ctx.progress.add(role, total=len(requests) if spec.decoding != "morethink" else None)
    book = getattr(teacher, "book", None)

    def progress(i: int, reply: Any) -> None:
        ctx.progress.advance(task, info=book.stats.line() if book else "")

    replies = run_decoding(teacher, requests, spec.decoding, spec.morethink, progress)
    ctx.progress.finish(task)
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


def count_kept(u: Counter[str], reply: TeacherReply) -> None:
    """A kept sample in a usage row (its tokens were added by `add_usage` when it was paid)."""
    u["samples"] += 1
    u["truncated"] += reply.truncated


def teacher_samples(jobs: list[Job], ctx: BuildContext) -> Iterator[Record]:
    spec = ctx.recipe.teacher
    assert spec is not None, "the recipe validator requires a teacher for teacher variants"
    teacher = build_teacher(spec, ctx)
    requests, owners = make_requests(jobs, spec)
    replies = ask(teacher, requests, spec, ctx)
    book = getattr(teacher, "book", None)
    truncation, drops = handle_truncated(teacher, requests, replies, spec)
    guidelines_of: dict[int, str] = {}
    notes: dict[str, Any] = {}
    if spec.moderate_stream is not None:

        def rebuild(i: int, guidelines: str) -> TeacherRequest:
            (j, k) = owners[i]
            return teacher_request(jobs[j][0], jobs[j][1], guidelines, spec, k)

        log, guidelines_of = moderate(teacher, requests, replies, spec, rebuild)
        notes["moderation"] = log.to_dict()

    usage: dict[str, Counter[str]] = defaultdict(Counter)
    for i, ((j, k), reply) in enumerate(zip(owners, replies, strict=True)):
        rec, variant = jobs[j]
        if not reply.ok:
            again = "read from the cache again" if reply.error in NOT_RESENT else "sent again"
            ctx.drop(NAME, rec, f"teacher request failed ({reply.error}); {again} on the next run")
            ctx.failed.append(failed_row(rec, variant, k, reply))
            continue
        u = usage[variant]
        add_usage(u, reply)  # paid, whether the row is kept or not
        if reply.aborted:
            u["aborted"] += 1
            ctx.drop(NAME, rec, ABORTED)
            continue
        if i in drops:
            ctx.drop(NAME, rec, drops[i])
            continue
        if over_short_cap(variant, reply.reasoning, spec.short_thought_words):
            # Not a short chain. Counted in the report; the reply stays in the cache, so a later cap
            # change judges it again for free.
            ctx.drop(NAME, rec, f"`short` thought over the {spec.short_thought_words}-word cap")
            continue
        count_kept(u, reply)
        info = teacher.info
        if i in guidelines_of:
            info = info.model_copy(update={"guidelines": guidelines_of[i]})
        sample = rec.model_copy(deep=True, update={"variant": variant, "sample_index": k})
        out = take_reply(sample, reply, info)
        detail = f"{spec.engine} {spec.model}; guidelines {info.guidelines}; decoding {spec.decoding}"
        if i in guidelines_of:
            detail += "; regenerated after an aborted unsafe thought"
        yield out.with_id().touched(NAME, variant, detail)
    if truncation:
        notes["on_truncated"] = {"action": spec.on_truncated, **dict(truncation)}
    ctx.stage_stats(NAME).notes["teacher"] = {**teacher_notes(spec, usage, book), **notes}


# Replies that arrived (and were paid) but cannot be used: kept in the cache, never re-sent.
NOT_RESENT = ("ParseError", "UnencodableReply")


def failed_row(rec: Record, variant: str, sample: int, reply: TeacherReply) -> dict[str, Any]:
    """A line of failed.jsonl: which row's request failed, how, after how many tries in this run."""
    row_id = rec.model_copy(update={"variant": variant, "sample_index": sample}).with_id().id
    return {
        "stage": NAME,
        "id": row_id,
        "source": rec.source,
        "variant": variant,
        "sample_index": sample,
        "error": reply.error,
        "attempts": reply.attempts,
        "prompt": rec.prompt[:200],
    }


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


def teacher_notes(spec: TeacherBase, usage: dict[str, Counter[str]], book: Any) -> dict[str, Any]:
    by_variant = usage_rows(spec, usage)
    notes: dict[str, Any] = {
        "engine": spec.engine,
        "model": spec.model,
        "guidelines": spec.guidelines,
        "decoding": spec.decoding,
        "samples": spec.samples,
        "usage_by_variant": by_variant,
    }
    if spec.price is not None:
        notes["cost_usd"] = round(sum(v.get("cost_usd", 0.0) for v in by_variant.values()), 4)
    if book is not None:
        s = book.stats
        notes["this_run"] = {
            "sent": s.sent,
            "cached": s.cached,
            "failed": s.failed,
            "retries": s.retries,
            "input_tokens": s.input_tokens,
            "output_tokens": s.output_tokens,
        }
        if spec.price is not None:
            notes["this_run"]["cost_usd"] = round(spec.price.cost(s.input_tokens, s.output_tokens), 4)
    return notes


def notes_over_blocks(spec: TeacherBase, merged: dict[str, Any], ctx: BuildContext) -> dict[str, Any]:
    """A model's notes over all blocks: the blocks' usage sums are exact; settings, costs and this run's
    engine counters (which the blocks' notes would add up once per block) are set once here."""
    usage = {
        variant: {k: v for k, v in row.items() if k != "cost_usd"}
        for variant, row in merged["usage_by_variant"].items()
    }
    # build_teacher: one engine per spec for the build, the one the blocks used. What else the blocks noted
    # (moderation and on_truncated counts) adds up across blocks and stays; its examples are capped here.
    notes = {**merged, **teacher_notes(spec, usage, getattr(build_teacher(spec, ctx), "book", None))}
    if "moderation" in notes:
        notes["moderation"] = {**notes["moderation"], "examples": notes["moderation"]["examples"][:EXAMPLES]}
    return notes
