"""The on-disk rows: records as one typed arrow table whose column names TRL never takes for its own.

TRL's `SFTTrainer` picks its dataset type and its collator inputs by column name: a `prompt` column makes it
expect `completion`, a `labels` column is taken for token labels, `text`, `tools`, `conversations`,
`input_ids`, … likewise. So the user's turn is `user_prompt`, the pattern labels are `pattern_labels`, and the
only chat column is `messages`. Metadata are struct columns (or null), never JSON strings: a user reads
`row["usage"]["output_tokens"]`, not `json.loads(row["usage"])`.
"""

from __future__ import annotations

from typing import Any

from safedata.schemas.record import Record

# Column -> what it holds; the card's column table is made from this.
COLUMNS: dict[str, str] = {
    "id": "Stable id: hash of source, prompt, variant and sample index.",
    "messages": "The chat to train on: user turn, then `<think>\\n…\\n</think>\\n\\nanswer`.",
    "user_prompt": "The user turn as text (the wrapped prompt for jailbreak-wrapped rows).",
    "reasoning": "The thought (inside `<think>`), as text.",
    "answer": "The answer after the thought, as text.",
    "kind": "harmful, benign or math.",
    "variant": "How the target was made (also the name of the row's per-variant config).",
    "category": "The prompt's category (the harm category of a harmful prompt); null when none is known.",
    "source": "The source the prompt came from.",
    "sample_index": "Which of the K samples for this prompt and variant.",
    "truncated": "The teacher hit its token limit.",
    "attack": "Jailbreak wrapping (tactic, template_id, original_request); null for plain prompts.",
    "teacher": "Teacher engine, model, parameters, guidelines and decoding; null for teacher-free rows.",
    "usage": "Teacher tokens for this sample (input_tokens, output_tokens = thought_tokens + answer_tokens); "
    "null without a teacher.",
    "pattern_labels": "Failure pattern -> fired (true/false), from the filters; null when no filter ran.",
    "judgements": "Each safety judge's verdict for this row; null when no judge ran.",
    "provenance": "What each stage did to this row, in order (stage, action, detail).",
    "meta": "Source columns that were not mapped, kept for traceability; null when none.",
}
# The prompt/completion form: `messages` split into TRL's conversational prompt and completion columns.
PROMPT_COMPLETION: dict[str, str] = {
    "prompt": "The user turn as a one-message chat (TRL's conversational prompt).",
    "completion": "The assistant turn as a one-message chat (TRL's conversational completion).",
}


def _cleaned(value: Any) -> Any:
    """Empty dicts become null (parquet has no empty struct); nested values likewise."""
    if isinstance(value, dict):
        inner = {k: _cleaned(v) for k, v in value.items()}
        return inner or None
    if isinstance(value, list):
        return [_cleaned(v) for v in value]
    return value


def _as_text(value: Any) -> Any:
    """Scalars as text, structure kept: the fallback when one key holds values of different types."""
    if isinstance(value, dict):
        return {k: _as_text(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_as_text(v) for v in value]
    return None if value is None else str(value)


# Columns whose values hold no dict that could be empty (text, numbers, chats, provenance): typed as they are.
PLAIN = frozenset(
    {"id", "messages", "user_prompt", "reasoning", "answer", "kind", "variant", "category", "source"}
    | {"sample_index", "truncated", "provenance"}
)


def typed_column(values: list[Any], plain: bool = False) -> Any:
    """One arrow column from free-form values: inferred structs (the union of keys; a missing key is null)."""
    import pyarrow as pa

    if not plain:
        values = [_cleaned(v) for v in values]
    try:
        return pa.array(values)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return pa.array([_as_text(v) for v in values])


def _row(r: Record) -> dict[str, Any]:
    return {
        "id": r.id,
        "messages": r.messages(),
        "user_prompt": r.prompt,
        "reasoning": r.reasoning or "",
        "answer": r.answer or "",
        "kind": r.kind,
        "variant": r.variant or "none",
        "category": r.category,
        "source": r.source,
        "sample_index": r.sample_index,
        "truncated": r.truncated,
        "attack": r.attack.model_dump() if r.attack else None,
        "teacher": r.teacher.model_dump() if r.teacher else None,
        # Without `cached`: whether this run paid for a reply is run history (the report's `this_run`), and
        # in the rows it would make a resumed or differently-batched build differ from a clean one.
        "usage": r.usage.model_dump(exclude={"cached"}) if r.usage else None,
        "pattern_labels": r.labels,
        "judgements": r.judgements,
        "provenance": [p.model_dump() for p in r.provenance],
        "meta": r.meta,
    }


def to_table(rows: list[dict[str, Any]]) -> Any:
    """The `default` config's table; every config is a slice of it, so they all share one schema."""
    import pyarrow as pa

    return pa.table({name: typed_column([row[name] for row in rows], name in PLAIN) for name in COLUMNS})


def record_rows(records: list[Record]) -> list[dict[str, Any]]:
    return [_row(r) for r in records]


def prompt_completion(table: Any) -> Any:
    """`messages` -> conversational `prompt` (the user turn) and `completion` (the assistant turn)."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    chats = table.column("messages").combine_chunks()
    turns = pc.list_flatten(chats)
    owner = pc.list_parent_indices(chats).to_numpy()
    assistant = pc.equal(turns.field("role"), "assistant").to_numpy(zero_copy_only=False)

    def split(keep: Any) -> Any:
        counts = np.bincount(owner[keep], minlength=len(chats))
        offsets = pa.array(np.concatenate([[0], np.cumsum(counts)]), pa.int32())
        return pa.ListArray.from_arrays(offsets, turns.filter(pa.array(keep)), type=chats.type)

    cols = {"prompt": split(~assistant), "completion": split(assistant)}
    cols |= {n: table.column(n) for n in table.column_names if n not in ("messages", "user_prompt")}
    return pa.table(cols)
