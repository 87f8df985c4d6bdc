"""Prompt-level dedup, before the teacher: the duplicates a `dedup:` section would remove anyway, removed
while they are still prompts, so none of them is sent to the teacher, paid for, judged or repaired.

Only what needs nothing the teacher writes moves here: methods comparing prompt fields (`prompt`,
`request_tactic`) under `keep: first`, without `against` (earlier outputs are matched per variant, and
prompts have none yet). Rows are grouped by the variants they will get (`imported` for rows with a trace),
the prompt-level twin of dedup's "within each variant". The dedup stage after generation still runs the
whole section: it collapses the K samples of one prompt (`samples: merge`), compares the teacher's text,
and catches duplicates across kinds that get different variants; on the rows this stage left it finds
nothing else to remove, except through near-duplicate chains that ran via a prompt removed here.
"""

from __future__ import annotations

from collections import Counter

from safedata.builders.stage import variants_for
from safedata.dedup.clusters import resolve
from safedata.dedup.stage import groups, methods
from safedata.dedup.view import DedupBlock, Group, dedup_block
from safedata.pipeline import BuildContext
from safedata.runners.contract import Decision, Fetch, GlobalStage
from safedata.schemas.dedup import Dedup
from safedata.schemas.record import Order, Record

NAME = "dedup_prompts"
PROMPT_FIELDS = frozenset({"prompt", "request_tactic"})
EXAMPLES = 3


def prompt_level(cfg: Dedup) -> Dedup | None:
    """The part of `cfg` that can run on prompts, or None when no method qualifies."""
    if cfg.keep != "first" or cfg.against:
        return None
    moved = {
        name: m if m is not None and set(m.fields) <= PROMPT_FIELDS else None
        for name, m in (("exact", cfg.exact), ("minhash", cfg.minhash), ("semantic", cfg.semantic))
    }
    return cfg.model_copy(update=moved) if any(moved.values()) else None


class PromptDedupStage(GlobalStage):
    name = NAME

    def __init__(self, cfg: Dedup) -> None:
        self.cfg = cfg

    def plan(self, ctx: BuildContext) -> str:
        names = ", ".join(m for m, _ in methods(self.cfg, ctx.recipe.seed))
        return f"{names} on prompts before the teacher (keep first), among rows that get the same variants"

    def view(self, block: list[Record], ctx: BuildContext) -> list[DedupBlock]:
        """The block's prompt keys, each row labelled with its group (the variants it will get)."""
        return [dedup_block(block, self.cfg, lambda r: variant_group(r, ctx))] if block else []

    def decide(self, view: list[DedupBlock], ctx: BuildContext) -> Decision:
        # The view is in canonical order, so `first` keeps the earliest row by order key, however the
        # build was cut into blocks. The drops' saved teacher requests are counted when they are applied.
        passes = methods(self.cfg, ctx.recipe.seed, ctx.embeddings)
        decision = Decision()
        removed: Counter[str] = Counter()
        seconds: Counter[str] = Counter()
        shown: list[tuple[Order, Order, str]] = []  # (removed, kept, method) of the examples
        for parts in groups(view, lambda label, sample: label).values():
            items = Group(parts)
            for cluster in resolve(items, 0, passes, "first", seconds):
                for x, how in cluster.removed:
                    decision.drop[items.order(x)] = f"duplicate prompt ({how})"
                    removed[how] += 1
                    if len(shown) < EXAMPLES:
                        shown.append((items.order(x), items.order(cluster.keeper), how))
        notes = ctx.stage_stats(NAME).notes
        examples: list[dict[str, str]] = []  # filled once the runner has passed the rows they show
        notes.update({"removed": dict(removed), "examples": examples})
        notes["seconds"] = {m: round(s, 2) for m, s in seconds.items()}

        def take(rows: dict[Order, Record]) -> None:
            examples.extend(
                {"removed": rows[gone].prompt[:200], "kept": rows[kept].prompt[:200], "method": how}
                for gone, kept, how in shown
            )

        decision.fetch.append(Fetch({o for gone, kept, _ in shown for o in (gone, kept)}, take))
        return decision


def variant_group(rec: Record, ctx: BuildContext) -> str:
    """The variants a row will get (`imported` for a row with a trace): rows dedup only within one."""
    return "imported" if rec.has_trace else ",".join(v.name for v in variants_for(rec, ctx))
