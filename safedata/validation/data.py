"""Training data: the build's parquet rows -> token ids with assistant-only labels -> packed micro-batches."""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass, field
from functools import cached_property
from itertools import accumulate
from pathlib import Path
from typing import Any

from safedata.errors import SafedataError

IGNORE = -100


def read_build(out_dir: Path, variants: list[str]) -> list[dict[str, Any]]:
    """Rows of the build's `default` config, every split (pyarrow only: GPU nodes may lack datasets).

    The shards are the ones build_report.json names, so a rebuild being written beside them is never read.
    Each row also gets `prompt` (the user turn) and `tactic`, which the held-out eval sets use.
    """
    import pyarrow.parquet as pq

    from safedata.inspect import read_report
    from safedata.publish.writer import DEFAULT

    splits = read_report(out_dir).get("files", {}).get(DEFAULT)
    if not isinstance(splits, dict):
        raise SafedataError(f"{out_dir} has no `{DEFAULT}` config: rebuild it with this safedata version")
    rows: list[dict[str, Any]] = []
    for split, shards in splits.items():
        for shard in shards:
            for r in pq.read_table(out_dir / shard).to_pylist():
                attack = r.get("attack") or {}
                rows.append(
                    {**r, "prompt": r["user_prompt"], "tactic": attack.get("tactic") or "", "split": split}
                )
    found = sorted({r["variant"] for r in rows})
    missing = [v for v in variants if v not in found]
    if missing:
        raise SafedataError(f"variant(s) {missing} not in the build; it has {found}")
    rows = [r for r in rows if not variants or r["variant"] in variants]
    if not rows:
        raise SafedataError(f"no rows in {out_dir}")
    return rows


def is_heldout(prompt: str, share: float) -> bool:
    """Stable per prompt (not per row), so every variant of a held-out prompt stays out of training."""
    h = int(hashlib.sha256(prompt.encode()).hexdigest()[:8], 16)
    return h / 0xFFFFFFFF < share


@dataclass
class Example:
    ids: list[int]
    labels: list[int]
    variant: str
    truncated: bool
    n_supervised: int = field(init=False)

    def __post_init__(self) -> None:
        self.n_supervised = sum(1 for x in self.labels if x != IGNORE)


def encode(messages: list[dict[str, str]], tokenizer: Any, max_length: int, variant: str = "") -> Example:
    """Prompt through the model's chat template; loss on the assistant text and the EOS only.

    The completion is tokenized apart from the template because R1-distill templates strip the thought
    from assistant turns. Labels come from lengths, never from comparing ids with the pad id, so the EOS
    carries loss also when pad == eos.
    """
    user = [m for m in messages if m["role"] != "assistant"]
    completion = next(m["content"] for m in messages if m["role"] == "assistant")
    prefix = tokenizer.apply_chat_template(user, add_generation_prompt=True, tokenize=False)
    if prefix.rstrip().endswith("<think>") and completion.startswith("<think>"):
        completion = completion.removeprefix("<think>").lstrip("\n")  # the template pre-fills the tag
    p_ids = tokenizer(prefix, add_special_tokens=False)["input_ids"]
    c_ids = tokenizer(completion, add_special_tokens=False)["input_ids"] + [tokenizer.eos_token_id]
    ids = (p_ids + c_ids)[:max_length]
    labels = ([IGNORE] * len(p_ids) + c_ids)[:max_length]
    return Example(ids, labels, variant, len(p_ids) + len(c_ids) > max_length)


@dataclass
class MicroBatch:
    """Token rows of one forward pass (equal length); `doc_lengths` only for a packed row (one row)."""

    input_ids: list[list[int]]
    labels: list[list[int]]
    doc_lengths: list[int] | None = None

    @cached_property
    def supervised(self) -> list[int]:
        """Flat positions whose next token carries loss (never a row's last: the shift stays in its row)."""
        width = len(self.input_ids[0])
        return [
            r * width + j - 1 for r, row in enumerate(self.labels) for j, x in enumerate(row) if x != IGNORE
        ]

    def tensors(self, device: str) -> dict[str, Any]:
        import torch

        def t(x: list[Any], dtype: Any = torch.long) -> Any:
            host = torch.tensor(x, dtype=dtype)
            if not device.startswith("cuda"):
                return host
            # Pinned + non_blocking: the copy queues behind the device's work instead of waiting for it.
            return host.pin_memory().to(device, non_blocking=True)

        out = {"input_ids": t(self.input_ids), "labels": t(self.labels), "supervised": t(self.supervised)}
        if self.doc_lengths is not None:
            # Position ids restart per document (transformers' per-document mask for sdpa/flex/eager); the
            # bounds go to the varlen attention (attention.py), which other implementations ignore.
            out["position_ids"] = t([[i for n in self.doc_lengths for i in range(n)]])
            out["cu_seqlens"] = t(list(accumulate(self.doc_lengths, initial=0)), torch.int32)
            out["max_seqlen"] = max(self.doc_lengths)
        return out

    @property
    def tokens(self) -> int:
        return sum(len(r) for r in self.input_ids)

    @property
    def n_supervised(self) -> int:
        return len(self.supervised)


def pack(examples: list[Example], pad_id: int, mode: str = "packed", multiple: int = 64) -> MicroBatch:
    """`packed`: examples concatenated into one row; position ids restart per example, which gives each
    example its own causal mask in transformers (no attention across documents) and no padding.
    `padded`: one example per row, right-padded to the longest; with no mask at all the attention is plain
    causal (a flash kernel), pads come after every real token so none is ever attended to, and they carry
    no loss. Steps sort their examples by length (schedule), so the padding stays small."""
    if mode == "padded":
        width = max(len(e.ids) for e in examples)
        width += -width % multiple
        return MicroBatch(
            [e.ids + [pad_id] * (width - len(e.ids)) for e in examples],
            [e.labels + [IGNORE] * (width - len(e.ids)) for e in examples],
        )
    ids = [x for e in examples for x in e.ids]
    labels = [x for e in examples for x in e.labels]
    # Round the row up so a compiled model sees few shapes; the tail is its own document with no loss.
    tail = -len(ids) % multiple
    return MicroBatch(
        [ids + [pad_id] * tail],
        [labels + [IGNORE] * tail],
        [len(e.ids) for e in examples] + ([tail] if tail else []),
    )


def schedule(
    examples: list[Example],
    batch_size: int,
    grad_accum: int,
    world: int,
    epochs: float,
    seed: int,
    mode: str = "packed",
) -> list[list[list[Example]]]:
    """Optimizer steps, each a list of per-rank micro-batch example groups: steps[s][m * world + r].

    `padded`: a step's examples sorted by length, similar lengths in a micro-batch (little padding).
    `packed` (no padding to save): dealt out in length order, one to each group in turn, so every group,
    and so every rank, gets about the same number of tokens; cut by length instead, the rank with the long
    examples kept the others waiting at every all-reduce (1.23x on 2 GPUs, bench/RESULTS.md).
    """
    per_step = batch_size * grad_accum * world
    order: list[Example] = []
    rng = random.Random(seed)
    full, part = int(epochs), epochs - int(epochs)
    for _ in range(full):
        shuffled = examples[:]
        rng.shuffle(shuffled)
        order += shuffled
    if part:
        shuffled = examples[:]
        rng.shuffle(shuffled)
        order += shuffled[: round(part * len(examples))]
    steps = []
    for s in range(0, len(order), per_step):
        chunk = order[s : s + per_step]
        chunk.sort(key=lambda e: len(e.ids))
        n = -(-len(chunk) // batch_size)
        if mode == "padded":
            groups = [chunk[i : i + batch_size] for i in range(0, len(chunk), batch_size)]
        else:
            groups = [chunk[g::n] for g in range(n)]
        # Every rank needs at least one micro-batch per step, or the gradient all-reduce would wait forever.
        if len(groups) >= world:
            steps.append(groups)
    return steps


def split_tokens(group: list[Example], budget: int | None, mode: str) -> list[list[Example]]:
    """A micro-batch cut into consecutive pieces of at most `budget` tokens (padded rows count their padding;
    an example longer than the budget goes alone). Each piece becomes one more accumulation pass: the
    step's loss and gradient are sums over its supervised tokens, so they do not change."""
    if budget is None:
        return [group]
    pieces: list[list[Example]] = [[]]
    tokens = width = 0
    for e in group:
        n = len(e.ids)
        cost = (len(pieces[-1]) + 1) * max(width, n) if mode == "padded" else tokens + n
        if pieces[-1] and cost > budget:
            pieces.append([])
            tokens = width = 0
        pieces[-1].append(e)
        tokens, width = tokens + n, max(width, n)
    return pieces
