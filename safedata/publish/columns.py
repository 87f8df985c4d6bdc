"""The on-disk row: the record flattened to columns every variant shares (one stable schema)."""

from __future__ import annotations

import json
from typing import Any

from safedata.schemas.record import Record


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def to_row(r: Record) -> dict[str, Any]:
    return {
        "id": r.id,
        "messages": r.messages(),
        "prompt": r.prompt,
        "reasoning": r.reasoning or "",
        "answer": r.answer or "",
        "kind": r.kind,
        "category": r.category or "",
        "source": r.source,
        "variant": r.variant or "",
        "sample_index": r.sample_index,
        "truncated": r.truncated,
        "tactic": r.attack.tactic if r.attack else "",
        "template_id": r.attack.template_id if r.attack else "",
        "original_request": r.attack.original_request if r.attack else "",
        "teacher": _json(r.teacher.model_dump()) if r.teacher else "",
        # Without `cached`: whether this run paid for a reply is run history (the report's `this_run`), and
        # in the rows it would make a resumed or differently-batched build differ from a clean one.
        "usage": _json(r.usage.model_dump(exclude={"cached"})) if r.usage else "",
        "labels": _json(r.labels),
        "judgements": _json(r.judgements),
        "provenance": _json([p.model_dump() for p in r.provenance]),
        "meta": _json(r.meta),
    }
