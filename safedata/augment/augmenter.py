"""Choose templates for a seed prompt and wrap it: shared by the build stage and `safedata augment`."""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Iterator

from safedata.augment.tactics import TACTICS, tactic
from safedata.augment.templates import Template, TemplateError, all_templates
from safedata.schemas.augment import Augment
from safedata.schemas.record import AttackInfo, Record

STAGE = "augment"


def select(templates: list[Template], spec: Augment) -> list[Template]:
    """The templates `spec` allows: its tactics, minus excluded ids. Unknown names are errors, not no-ops."""
    ids = {t.id for t in templates}
    for j, tid in enumerate(spec.exclude_templates):
        if tid not in ids:
            raise TemplateError(f"no template has id {tid!r}", ("exclude_templates", j))
    known = sorted({t.tactic for t in templates})
    for j, name in enumerate(spec.tactics or []):
        if name not in known:
            raise TemplateError(
                f"no template has tactic {name!r} (tactics: {', '.join(known)})", ("tactics", j)
            )
    wanted = set(spec.tactics or known)
    pool = [t for t in templates if t.tactic in wanted and t.id not in spec.exclude_templates]
    if not pool:
        raise TemplateError("every template of the chosen tactics is excluded", ("exclude_templates",))
    if spec.per_seed > len(pool):
        raise TemplateError(
            f"per_seed {spec.per_seed} is more than the {len(pool)} templates chosen", ("per_seed",)
        )
    return pool


def choose(pool: list[Template], k: int, rng: random.Random) -> list[Template]:
    """k distinct templates, spread over tactics first: a seed's variants differ in tactic where they can."""
    by_tactic: dict[str, list[Template]] = defaultdict(list)
    for t in pool:
        by_tactic[t.tactic].append(t)
    order = sorted(by_tactic)
    rng.shuffle(order)
    chosen: list[Template] = []
    while len(chosen) < min(k, len(pool)):
        for name in order:
            left = by_tactic[name]
            if left and len(chosen) < k:
                chosen.append(left.pop(rng.randrange(len(left))))
    return chosen


def wrap(record: Record, template: Template) -> Record:
    r = record.model_copy(deep=True)
    r.prompt = template.render(record.prompt)
    r.attack = AttackInfo(original_request=record.prompt, template_id=template.id, tactic=template.tactic)
    if r.kind == "harmful" and r.has_trace:
        # An imported refusal answers the plain request and never names the framing; the variants rebuild it.
        r.reasoning = r.answer = None
        r.truncated = False
    return r.touched(STAGE, "wrapped", f"{template.id} ({template.tactic})")


class Augmenter:
    """Wraps harmful rows (and benign ones when asked) in `per_seed` templates each, seeded per prompt."""

    def __init__(self, spec: Augment, seed: int) -> None:
        self.spec, self.seed = spec, seed
        self.harmful_pool = select(all_templates(spec.templates), spec)
        self.benign_pool = [t for t in self.harmful_pool if tactic(t.tactic).wraps_benign]
        if spec.wrap_benign and not self.benign_pool:
            benign = ", ".join(t.name for t in TACTICS if t.wraps_benign)
            raise TemplateError(
                f"none of the chosen templates wraps benign prompts (tactics: {benign})", ("wrap_benign",)
            )

    def pool(self, record: Record) -> list[Template]:
        if record.attack is not None:  # already adversarial (e.g. imported): never wrap twice
            return []
        if record.sample_index > 0:  # another imported answer to a prompt: the prompt is wrapped once
            return []
        if record.kind == "harmful":
            return self.harmful_pool
        return self.benign_pool if record.kind == "benign" and self.spec.wrap_benign else []

    def rng(self, record: Record) -> random.Random:
        # Seeded by the prompt itself: a seed's variants do not change when other rows are added or removed.
        return random.Random(f"{self.seed}\x1f{record.prompt}")

    def augment(self, record: Record) -> Iterator[Record]:
        pool = self.pool(record)
        if self.spec.keep_plain or not pool:
            yield record
        for j, template in enumerate(choose(pool, self.spec.per_seed, self.rng(record)) if pool else ()):
            yield wrap(record, template).reordered(augment=j + 1)
