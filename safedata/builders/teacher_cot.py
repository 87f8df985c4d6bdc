"""Teacher variants (`long`, `short`, teacher-filled `template`): K samples per prompt from the recipe's
teacher, with its guidelines and decoding strategy; token usage and cost go into the report."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator
from typing import Any

from safedata.builders.moderation import EXAMPLES, moderate, watched_teacher
from safedata.builders.truncation import handle_truncated
from safedata.engines import TeacherReply, TeacherRequest, build_teacher
from safedata.engines.base import ABORTED
from safedata.engines.cache import cache_path
from safedata.engines.generation import add_usage, ask, take_reply, teacher_request, usage_rows
from safedata.engines.prompts import over_short_cap
from safedata.pipeline import BuildContext
from safedata.schemas.record import Record
from safedata.schemas.teacher import TeacherBase

NAME = "generate"
Job = tuple[Record, str]  # (prompt row, variant name)


def make_requests(jobs: list[Job], spec: TeacherBase) -> tuple[list[TeacherRequest], list[tuple[int, int]]]:
    """One request per job and sample; `owners[j] = (job index, sample index)`."""
    owners = [(j, k) for j in range(len(jobs)) for k in range(spec.samples)]
    requests = [teacher_request(jobs[j][0], jobs[j][1], spec.guidelines, spec, k) for j, k in owners]
    return requests, owners


def estimate(jobs: list[Job], spec: TeacherBase, ctx: BuildContext) -> str:
    """For --dry-run: the requests a build would send (those the request cache already answers are looked
    up and left out, as the engine leaves them out when it sends) and, with a price, the most they can cost
    (replies at max_tokens)."""
    requests, _ = make_requests(jobs, spec)
    send = requests
    if ctx.use_cache and cache_path(ctx.out_dir).exists():  # a dry run creates no cache of its own
        send = [requests[i] for i in build_teacher(spec, ctx).missing(requests)]
    n, rounds = len(send), spec.morethink.rounds + 1 if spec.decoding == "morethink" else 1
    line = f"{n} teacher requests to send ({spec.engine} {spec.model}"
    if n < len(requests):
        line += f"; {len(requests) - n} of {len(requests)} answered by the request cache"
    line += f"; up to {n * rounds} with MoreThink rounds)" if rounds > 1 else ")"
    if spec.price is not None:
        prompt_tokens = sum(r.approx_prompt_tokens for r in send) * rounds
        out_tokens = n * rounds * (spec.sampling.max_tokens or 8192)
        line += f"; cost at most ${spec.price.cost(prompt_tokens, out_tokens):,.2f}"
        line += f" (~{prompt_tokens:,} prompt tokens, <= {out_tokens:,} generated)"
    return line


def count_kept(u: Counter[str], reply: TeacherReply) -> None:
    """A kept sample in a usage row (its tokens were added by `add_usage` when it was paid)."""
    u["samples"] += 1
    u["truncated"] += reply.truncated


def teacher_samples(jobs: list[Job], ctx: BuildContext) -> Iterator[Record]:
    spec = ctx.recipe.teacher
    assert spec is not None, "the recipe validator requires a teacher for teacher variants"
    teacher = watched_teacher(spec, ctx)
    requests, owners = make_requests(jobs, spec)
    replies = ask(teacher, requests, spec, ctx.progress)
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
