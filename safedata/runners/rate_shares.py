"""Request and token rate limits kept global on a Ray cluster: one endpoint's limit shared by every engine
that sends to it, in every actor of every chain.

A limit in the recipe belongs to the endpoint (an account's requests and tokens per minute), but each engine
paces only itself. Under Ray many engines send to one endpoint at once: a chain's `actors`, in every chain
whose stages use it (generation in one chain, repair's regeneration or an LLM judge in the next when their
pool settings differ). Within one actor every engine on the endpoint shares one pacer (the build's
`EnginePool`: a judge whose sampling differs from the teacher's still paces with it), so each actor gets an
equal share: the endpoint's tightest limit in the recipe, divided by the actors that may send to it. An
endpoint is (engine, model, base_url).
"""

from __future__ import annotations

import copy
from collections import Counter
from collections.abc import Iterable
from typing import Any

LIMITS = ("requests_per_minute", "tokens_per_minute")
Endpoint = tuple[Any, Any, Any]


def stage_specs(raw: dict[str, Any], stage: str) -> list[dict[str, Any]]:
    """The engine specs (as written in the recipe) a row stage may send through, found by its name: generation
    asks the teacher and the student, the probe the student, the filters their judges' engines and, for
    repair, the teacher."""
    filt = raw.get("filter") if isinstance(raw.get("filter"), dict) else {}
    judges = [j.get("teacher") for j in filt.get("judges") or [] if isinstance(j, dict)]
    uses = {
        "generate": [raw.get("teacher"), raw.get("student")],
        "probe": [raw.get("student")],
        "filters": [filt.get("teacher"), *judges, raw.get("teacher")],
    }.get(stage, [])
    return [s for s in uses if isinstance(s, dict)]


def _every_spec(raw: dict[str, Any]) -> list[dict[str, Any]]:
    seen: dict[int, dict[str, Any]] = {}
    for stage in ("generate", "probe", "filters"):
        seen.update((id(s), s) for s in stage_specs(raw, stage))
    return list(seen.values())


def endpoint(spec: dict[str, Any]) -> Endpoint:
    return spec.get("engine"), spec.get("model"), spec.get("base_url")


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


class RateShares:
    """Each endpoint's limits and how many actors share them, from the recipe as written and the build's
    chains (their stage names and actor counts)."""

    def __init__(self, raw: dict[str, Any], chains: Iterable[tuple[Iterable[str], int]]) -> None:
        self.limits: dict[Endpoint, dict[str, float]] = {}
        for spec in _every_spec(raw):
            tightest = self.limits.setdefault(endpoint(spec), {})
            for key in LIMITS:
                if _number(spec.get(key)):
                    tightest[key] = min(spec[key], tightest.get(key, spec[key]))
        self.actors: Counter[Endpoint] = Counter()
        for stages, actors in chains:
            # An actor's engines on one endpoint share one pacer (`EnginePool`), whatever their specs: each
            # actor of a chain that may send to an endpoint takes one share of it.
            for point in {endpoint(s) for st in stages for s in stage_specs(raw, st)}:
                self.actors[point] += actors

    def shared(self, raw: dict[str, Any]) -> dict[str, Any]:
        """A copy of the recipe as written, every engine spec carrying its endpoint's limits at one actor's
        share (at least 1 per minute: a limit below the number of actors is exceeded by that rounding)."""
        raw = copy.deepcopy(raw)
        for spec in _every_spec(raw):
            point = endpoint(spec)
            for key, limit in self.limits.get(point, {}).items():
                spec[key] = max(1, int(limit // max(1, self.actors[point])))
        return raw
