"""How many rows of each kind the mix asks for, given how many there are, and why it falls short."""

from __future__ import annotations

import math

from safedata.schemas.mix import Mix


def largest_remainder(weights: dict[str, float], total: int) -> dict[str, int]:
    """Integers proportional to weights that sum exactly to total (Hamilton's method, ties by name)."""
    s = sum(weights.values())
    if s <= 0 or total <= 0:
        return {k: 0 for k in weights}
    exact = {k: total * w / s for k, w in weights.items()}
    out = {k: math.floor(v) for k, v in exact.items()}
    short = total - sum(out.values())
    for k in sorted(exact, key=lambda k: (-(exact[k] - out[k]), k))[:short]:
        out[k] += 1
    return out


def equal_split(sizes: dict[str, int], total: int) -> dict[str, int]:
    """As equal as possible, never more than a group has (water-filling); the sum is min(total, all)."""
    alloc = {k: 0 for k in sizes}
    left = min(total, sum(sizes.values()))
    open_ = sorted((k for k in sizes if sizes[k] > 0), key=lambda k: (sizes[k], k))
    while left > 0 and open_:
        share = max(1, left // len(open_))
        still = []
        for k in open_:
            take = min(share, sizes[k] - alloc[k], left)
            alloc[k] += take
            left -= take
            if alloc[k] < sizes[k]:
                still.append(k)
        open_ = still
    return alloc


def plan_targets(cfg: Mix, available: dict[str, int]) -> tuple[dict[str, int], list[str]]:
    """Rows to keep per kind, and a warning for every kind that cannot get what was asked."""
    warnings: list[str] = []
    if cfg.counts is not None:
        targets = {}
        for kind, want in cfg.counts.items():
            have = available.get(kind, 0)
            targets[kind] = min(want, have)
            if have < want:
                warnings.append(f"mix: asked for {want} {kind} rows, only {have} available; kept {have}")
        return targets, warnings
    ratio = {k: v for k, v in (cfg.ratio or {}).items() if v > 0}
    missing = sorted(k for k in ratio if not available.get(k))
    if missing:
        # A ratio scales to its scarcest kind: with none of one kind, it keeps nothing at all.
        warnings.append(
            f"mix: ratio {ratio_text(ratio)} asks for {', '.join(missing)} rows but none reached the mix"
            " (no source provides them, or every one was dropped): nothing can be kept at that ratio"
        )
        return {k: 0 for k in ratio}, warnings
    # The largest scale at which every kind still has enough rows.
    scale = min(available.get(k, 0) / r for k, r in ratio.items())
    limiting = min(ratio, key=lambda k: (available.get(k, 0) / ratio[k], k))
    if cfg.total is not None:
        targets = largest_remainder(ratio, cfg.total)
        if all(targets[k] <= available.get(k, 0) for k in ratio):
            return targets, warnings
        warnings.append(
            f"mix: total {cfg.total} at ratio {ratio_text(ratio)} needs {targets[limiting]} {limiting} rows, "
            f"only {available.get(limiting, 0)} available; built the largest mix at that ratio instead"
        )
    targets = {k: math.floor(scale * r + 1e-9) for k, r in ratio.items()}
    exact = {k: scale * r for k, r in ratio.items()}
    if any(abs(exact[k] - targets[k]) > 1e-9 for k in ratio):
        warnings.append(
            f"mix: ratio {ratio_text(ratio)} cannot be hit exactly with {available.get(limiting, 0)} "
            f"{limiting} rows (the limiting kind); rounded down to {targets}"
        )
    return targets, warnings


def ratio_text(ratio: dict[str, float]) -> str:
    return " : ".join(f"{k} {v:g}" for k, v in ratio.items())
