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

from collections import Counter, defaultdict
from collections.abc import Iterator

from safedata.builders.stage import variants_for
from safedata.dedup.clusters import resolve
from safedata.dedup.stage import methods
from safedata.pipeline import BuildContext
from safedata.schemas.dedup import Dedup
from safedata.schemas.record import Record

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


class PromptDedupStage:
    name = NAME

    def __init__(self, cfg: Dedup) -> None:
        self.cfg = cfg

    def plan(self, ctx: BuildContext) -> str:
        names = ", ".join(m for m, _ in methods(self.cfg, ctx.recipe.seed))
        return f"{names} on prompts before the teacher (keep first), among rows that get the same variants"

    def run(self, records: Iterator[Record], ctx: BuildContext) -> Iterator[Record]:
        recs = list(records)
        groups: dict[str, list[int]] = defaultdict(list)
        for i, r in enumerate(recs):
            variants = "imported" if r.has_trace else ",".join(v.name for v in variants_for(r, ctx))
            groups[variants].append(i)
        passes = methods(self.cfg, ctx.recipe.seed)
        removed: Counter[str] = Counter()
        seconds: Counter[str] = Counter()
        examples: list[dict[str, str]] = []
        dropped: set[int] = set()
        for members in groups.values():
            items = [recs[i] for i in members]
            for cluster in resolve(items, 0, passes, "first", seconds):
                for x, how in cluster.removed:
                    ctx.drop(NAME, items[x], f"duplicate prompt ({how})")
                    removed[how] += 1
                    dropped.add(members[x])
                    if len(examples) < EXAMPLES:
                        kept = items[cluster.keeper].prompt[:200]
                        examples.append({"removed": items[x].prompt[:200], "kept": kept, "method": how})
        notes = ctx.stage_stats(NAME).notes
        notes.update({"removed": dict(removed), "examples": examples})
        notes["seconds"] = {m: round(s, 2) for m, s in seconds.items()}
        yield from (r for i, r in enumerate(recs) if i not in dropped)
