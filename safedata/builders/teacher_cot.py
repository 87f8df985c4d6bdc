"""Teacher variants (`long`, `short`, teacher-filled `template`): K samples per prompt from the recipe's
teacher, with its guidelines and decoding strategy; token usage and cost go into the report."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator
from typing import Any

from safedata.builders.decoding import PREFILLS, run_decoding
from safedata.builders.teacher_prompts import over_short_cap, user_message
from safedata.builders.teachers import Teacher, TeacherReply, TeacherRequest, build_teacher
from safedata.errors import SafedataError
from safedata.pipeline import BuildContext
from safedata.schemas.record import Record, TeacherInfo, Usage
from safedata.schemas.teacher import OpenAITeacher, TeacherBase

NAME = "generate"
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
        **spec.sampling.params(),
    )


def take_reply(rec: Record, reply: TeacherReply, info: TeacherInfo) -> Record:
    """`rec` with the reply's thought, answer and token usage, written by the teacher `info` names."""
    rec.reasoning, rec.answer, rec.truncated = reply.reasoning, reply.answer, reply.truncated
    rec.teacher = info
    rec.usage = Usage(input_tokens=reply.input_tokens, output_tokens=reply.output_tokens, cached=reply.cached)
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


def add_usage(u: dict[str, float], reply: TeacherReply) -> None:
    u["samples"] += 1
    u["truncated"] += reply.truncated
    u["input_tokens"] += reply.input_tokens
    u["output_tokens"] += reply.output_tokens


def teacher_samples(jobs: list[Job], ctx: BuildContext) -> Iterator[Record]:
    spec = ctx.recipe.teacher
    assert spec is not None, "the recipe validator requires a teacher for teacher variants"
    teacher = build_teacher(spec, ctx)
    requests, owners = make_requests(jobs, spec)
    replies = ask(teacher, requests, spec, ctx)
    book = getattr(teacher, "book", None)
    usage: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for (j, k), reply in zip(owners, replies, strict=True):
        rec, variant = jobs[j]
        if not reply.ok:
            again = "read from the cache again" if reply.error in NOT_RESENT else "sent again"
            ctx.drop(NAME, rec, f"teacher request failed ({reply.error}); {again} on the next run")
            ctx.failed.append(failed_row(rec, variant, k, reply))
            continue
        u = usage[variant]
        if over_short_cap(variant, reply.reasoning, spec.short_thought_words):
            # Not a short chain. Counted in the report; the reply stays in the cache, so a later cap
            # change judges it again for free.
            ctx.drop(NAME, rec, f"`short` thought over the {spec.short_thought_words}-word cap")
            continue
        add_usage(u, reply)
        out = take_reply(
            rec.model_copy(deep=True, update={"variant": variant, "sample_index": k}), reply, teacher.info
        )
        detail = f"{spec.engine} {spec.model}; guidelines {spec.guidelines}; decoding {spec.decoding}"
        yield out.with_id().touched(NAME, variant, detail)
    ctx.stage_stats(NAME).notes["teacher"] = teacher_notes(spec, usage, book)


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


def teacher_notes(spec: TeacherBase, usage: dict[str, dict[str, float]], book: Any) -> dict[str, Any]:
    by_variant = {}
    for variant, u in sorted(usage.items()):
        row = {k: int(v) for k, v in u.items()}
        if spec.price is not None:
            row["cost_usd"] = round(spec.price.cost(row["input_tokens"], row["output_tokens"]), 4)
        by_variant[variant] = row
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
    # build_teacher: one engine per spec for the build, the one the blocks used.
    return teacher_notes(spec, usage, getattr(build_teacher(spec, ctx), "book", None))
