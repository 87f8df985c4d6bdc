"""The decontaminate stage: drop training rows whose prompt overlaps an evaluation set.

Two checks, on normalised text (case, whitespace, punctuation ignored):
- word n-gram overlap (default 8, as open-r1 does for math): a row goes when it shares any n-gram with an
  eval prompt. An eval prompt shorter than n words matches only a training prompt equal to it, since its
  few words inside a longer prompt ("what is suicide") are not evidence of a copy;
- MinHash on character 5-grams at a Jaccard threshold (default 0.7), for copies with typos or small
  edits spread through the text, which break every word n-gram but keep most character shingles.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

from safedata.dedup.minhash import lsh_params, signatures, similar_pairs
from safedata.dedup.normalize import normalize
from safedata.pipeline import BuildContext
from safedata.runners.contract import RowStage
from safedata.schemas.decontaminate import DecontaminateBase as Decontaminate
from safedata.schemas.record import Record
from safedata.sources import READERS
from safedata.sources.stage import source_id, to_record

NAME = "decontaminate"


def load_eval_sets(cfg: Decontaminate, ctx: BuildContext) -> list[tuple[str, list[str]]]:
    """(eval set name, its prompts) per configured eval set."""
    out = []
    for i, spec in enumerate(cfg.eval_sets):
        sid = source_id(spec)
        reader = READERS[spec.type][0]  # type: ignore[attr-defined]
        prompts = []
        for _, row in reader(spec):
            rec = to_record(row, spec, sid) if isinstance(row, dict) else None
            if isinstance(rec, Record):
                prompts.append(rec.prompt)
        if not prompts:
            raise ctx.recipe_error(
                ("decontaminate", "eval_sets", i, "fields", "prompt"),
                f"no prompts read from eval set {sid!r} (is `fields.prompt` the right column?)",
            )
        out.append((sid, prompts))
    return out


def _ngrams(words: list[str], n: int) -> Iterator[str]:
    for k in range(len(words) - n + 1):
        yield " ".join(words[k : k + n])


class NgramIndex:
    """Every eval n-gram (and every whole eval prompt shorter than n) -> (eval set, eval prompt)."""

    def __init__(self, evals: list[tuple[str, list[str]]], n: int) -> None:
        self.n = n
        self.grams: dict[str, tuple[str, str]] = {}
        self.short: dict[str, tuple[str, str]] = {}
        for name, prompts in evals:
            for p in prompts:
                words = normalize(p).split()
                if len(words) < n:
                    self.short.setdefault(" ".join(words), (name, p))
                for g in _ngrams(words, n):
                    self.grams.setdefault(g, (name, p))

    def match(self, prompt: str) -> tuple[str, str] | None:
        words = normalize(prompt).split()
        hit = self.short.get(" ".join(words))
        if hit:
            return hit
        return next((self.grams[g] for g in _ngrams(words, self.n) if g in self.grams), None)


def minhash_matches(
    evals: list[tuple[str, list[str]]], prompts: list[str], cfg: Decontaminate
) -> dict[int, tuple[str, str, float]]:
    """Training row -> (eval set, eval prompt, estimated Jaccard) for rows near an eval prompt."""
    flat = [(name, p) for name, ps in evals for p in ps]
    texts = [normalize(p) for _, p in flat] + [normalize(p) for p in prompts]
    sig, has = signatures(texts, "char", cfg.minhash_ngram)
    bands, rows = lsh_params(sig.shape[1], cfg.minhash_threshold, None, None)
    later, earlier, est = similar_pairs(sig, has, bands, rows, cfg.minhash_threshold)
    # Eval prompts come first, so in any bucket holding one, training rows are linked to an eval prompt;
    # a row's link never depends on the other training rows, so any block of rows gets the same hits.
    hits: dict[int, tuple[str, str, float]] = {}
    for a, b, e in zip(later.tolist(), earlier.tolist(), est.tolist(), strict=True):
        if b < len(flat) <= a and a - len(flat) not in hits:
            hits[a - len(flat)] = (*flat[b], e)
    return hits


class DecontaminateStage(RowStage):
    name = NAME

    def plan(self, ctx: BuildContext) -> str:
        cfg: Decontaminate = ctx.recipe.decontaminate  # type: ignore[attr-defined]
        names = ", ".join(source_id(s) for s in cfg.eval_sets)
        mh = f" + MinHash >= {cfg.minhash_threshold}" if cfg.minhash_threshold else ""
        return f"drop prompts sharing a {cfg.ngram}-gram{mh} with: {names}"

    def open(self, ctx: BuildContext) -> None:
        cfg: Decontaminate = ctx.recipe.decontaminate  # type: ignore[attr-defined]
        self.evals = load_eval_sets(cfg, ctx)
        self.index = NgramIndex(self.evals, cfg.ngram)

    def map_block(self, block: list[Record], ctx: BuildContext) -> list[Record]:
        cfg: Decontaminate = ctx.recipe.decontaminate  # type: ignore[attr-defined]
        near = minhash_matches(self.evals, [r.prompt for r in block], cfg) if cfg.minhash_threshold else {}
        report: dict[str, dict[str, Any]] = {}
        kept = []
        for i, rec in enumerate(block):
            hit = self.index.match(rec.prompt)
            method = f"{cfg.ngram}-gram" if hit else None
            if hit is None and i in near:
                name, p, est = near[i]
                hit, method = (name, p), f"minhash {est:.2f}"
            if hit is None:
                kept.append(rec)
                continue
            entry = report.setdefault(hit[0], {"removed": 0, "by_method": Counter(), "examples": []})
            entry["removed"] += 1
            entry["by_method"][method.split()[0]] += 1  # type: ignore[union-attr]
            if len(entry["examples"]) < cfg.examples:
                entry["examples"].append({"row": rec.prompt[:300], "eval": hit[1][:300], "method": method})
            ctx.drop(NAME, rec, f"overlaps {hit[0]}")
        ctx.stage_stats(NAME).notes["eval_sets"] = {
            name: {**e, "by_method": dict(e["by_method"])} for name, e in report.items()
        }
        return kept

    def finish(self, ctx: BuildContext) -> None:
        cfg: Decontaminate = ctx.recipe.decontaminate  # type: ignore[attr-defined]
        merged = ctx.stage_stats(NAME).notes.get("eval_sets", {})
        empty = {"removed": 0, "by_method": {}, "examples": []}
        ctx.stage_stats(NAME).notes["eval_sets"] = {
            name: {
                "prompts": len(prompts),
                **{**empty, **merged.get(name, {})},
                "examples": merged.get(name, empty)["examples"][: cfg.examples],
            }
            for name, prompts in self.evals
        }
