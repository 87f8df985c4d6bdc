"""`teacher.on_truncated`: what to do with a thought the length limit cut before `</think>`.

- keep: the row stays, `truncated: true` (the filters judge what there is).
- drop: the row goes (counted).
- retry: the request is sent once more with a larger `max_tokens` (`retry_max_tokens`, default twice the
  recipe's); a reply cut again is dropped.
- close (budget forcing, s1): the thought so far is pre-filled and closed with `</think>`, and the model
  writes only the answer (`close_max_tokens`). Needs an engine that continues an assistant turn (see
  decoding.py); the thought streams no further, so it is not moderated again.

The follow-up request is its own cache entry (other params or prefill), so a resumed build replays it; the
tokens of both requests were paid and add up in the row's usage.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

from safedata.engines.base import Teacher, TeacherReply, TeacherRequest
from safedata.schemas.teacher import TeacherBase

DEFAULT_MAX_TOKENS = 8192  # the engines' own default when the recipe leaves max_tokens unset


def follow_up(req: TeacherRequest, reply: TeacherReply, spec: TeacherBase) -> TeacherRequest:
    params = dict(req.params)
    if spec.on_truncated == "retry":
        params["max_tokens"] = spec.retry_max_tokens or 2 * (spec.sampling.max_tokens or DEFAULT_MAX_TOKENS)
        return replace(req, params=tuple(sorted(params.items())))
    params["max_tokens"] = spec.close_max_tokens
    closed = f"<think>\n{reply.reasoning.strip()}\n</think>\n\n"
    return replace(req, params=tuple(sorted(params.items())), prefill=closed, moderate=False)


def handle_truncated(
    teacher: Teacher, requests: list[TeacherRequest], replies: list[TeacherReply], spec: TeacherBase
) -> tuple[Counter[str], dict[int, str]]:
    """Apply `spec.on_truncated` in place; returns counts per action and the replies to drop (with why)."""
    cut = [i for i, r in enumerate(replies) if r.ok and r.truncated and not r.aborted]
    action = spec.on_truncated
    counts: Counter[str] = Counter()
    if not cut:
        return counts, {}
    if action == "keep":
        counts["kept"] = len(cut)
        return counts, {}
    if action == "drop":
        counts["dropped"] = len(cut)
        return counts, dict.fromkeys(cut, "thought cut by max_tokens (on_truncated: drop)")
    done = "retried" if action == "retry" else "closed"
    drop: dict[int, str] = {}
    again = teacher.generate([follow_up(requests[i], replies[i], spec) for i in cut])
    for i, reply in zip(cut, again, strict=True):
        if not reply.ok:
            counts[f"{done}: failed"] += 1
            drop[i] = f"on_truncated: {action} request failed ({reply.error}); sent again on the next run"
            continue
        replies[i] = reply.absorb(replies[i])
        if reply.truncated:
            counts[f"{done}: cut again, dropped"] += 1
            drop[i] = f"thought cut by max_tokens again after on_truncated: {action}"
        else:
            counts[done] += 1
    return counts, drop
