"""`learned` backend: segment the trace, classify each segment with trained heads, derive patterns by rules,
and combine them with the heuristic's cues (cascade.py: the cues first, the heads where they add).

Stage 1 (always): hashed n-gram features and linear heads conditioned on the request (features.py, heads.py),
numpy only, with the refusal cues of filters/refusal.py as a second opinion on answer passages. Stage 2
(embed=True): sentence embeddings for the segments stage 1 is unsure about (embedded.py). A judge folder
written by `safedata judge distill` adds per-pattern heads trained on a judge's labels (pattern_heads.py);
patterns without a head keep their rule.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from safedata.errors import SafedataError
from safedata.filters import heuristic, refusal
from safedata.filters import thought as thought_cues
from safedata.filters.base import Sample, Verdict
from safedata.filters.calibration import fingerprint
from safedata.filters.learned import heads as H
from safedata.filters.learned.cascade import combine, refuses
from safedata.filters.learned.features import content_words, featurise
from safedata.filters.learned.pattern_heads import row_vector
from safedata.filters.learned.rules import Derived, Segment, derive
from safedata.filters.learned.segment import passages, sentences
from safedata.filters.patterns import PATTERNS

DEFAULT_HEADS = Path(__file__).parent / "data" / "heads.npz"
# A prompt labelled harmful whose request head reads it as borderline (a myth to correct, a feeling to
# support) needs no refusal: answering it well is not a weak refusal.
REQUEST_HARMFUL = 0.4
CUE_PROB = 0.9
CUE_FILES = tuple(Path(m.__file__) for m in (heuristic, refusal, thought_cues))


class LearnedDetector:
    name = "learned"
    patterns = PATTERNS

    def __init__(self, judge_path: Path | str | None = None, embed: bool = False) -> None:
        path = Path(judge_path) if judge_path else DEFAULT_HEADS
        self.pattern_heads: dict[str, tuple[np.ndarray, float]] = {}
        # The heads, this package's rules and the heuristic cues it starts from all decide the labels.
        self.version = "builtin:" + fingerprint(
            DEFAULT_HEADS, *sorted(Path(__file__).parent.glob("*.py")), *CUE_FILES
        )
        if path.is_dir():
            meta_file = path / "judge.json"
            if not meta_file.is_file():
                raise SafedataError(
                    f"{path}: not a judge folder (no judge.json); write one with `safedata judge distill`"
                )
            self.version = (
                f"distilled:{json.loads(meta_file.read_text(encoding='utf-8')).get('judge', {}).get('model')}"
            )
            z = np.load(path / "patterns.npz")
            self.pattern_heads = {
                k[:-2]: (z[k], float(z[k[:-2] + ".b"])) for k in z.files if k.endswith(".w")
            }
            path = path / "heads.npz"
        if not path.is_file():
            raise SafedataError(f"learned heads not found: {path}")
        self.heads, self.meta = H.load(path)
        self.classes = {part: self.heads[part].classes for part in ("thought", "answer")}
        # Stage 2 is opt-in: on patterns_dev it did not beat stage 1 and costs an encoder call per unsure
        # segment (bench/RESULTS.md). It needs heads trained with --embed-model.
        if embed and "thought_emb" not in self.heads:
            raise SafedataError(f"{path}: no embedding heads; retrain with --embed-model")
        self.embed_model = self.meta.get("embed_model") if embed else None

    def segments(self, sample: Sample) -> tuple[list[Segment], list[Segment]]:
        return self.segment_batch([sample])[0]

    def segment_batch(self, samples: Sequence[Sample]) -> list[tuple[list[Segment], list[Segment]]]:
        """Classify every segment of every sample: stage 1 for all, stage 2 (one batched encoder call) for
        the segments stage 1 is unsure about, averaged with stage 1."""
        parts: list[tuple[str, list[str], np.ndarray]] = []  # (part, texts, stage-1 probs) per sample x part
        for sample in samples:
            req = content_words(sample.prompt)
            for part, texts in (
                ("thought", sentences(sample.reasoning)),
                ("answer", passages(sample.answer)),
            ):
                parts.append((part, texts, self.heads[part].hashed([featurise(t, req) for t in texts])))
        if self.embed_model:
            self._refine(samples, parts)
        for part, texts, probs in parts:
            if part == "answer" and texts:
                # The hand-tuned refusal cues (filters/refusal.py) are a second, cheap opinion on each
                # passage: a passage either calls a refusal is one.
                j = self.heads["answer"].classes.index("refusal")
                cued = np.array([refusal.refusal_cue(t) is not None for t in texts])
                probs[cued, j] = np.maximum(probs[cued, j], CUE_PROB)
        out = []
        for k in range(len(samples)):
            segs = []
            for part, texts, probs in parts[2 * k : 2 * k + 2]:
                classes = self.heads[part].classes
                segs.append(
                    [
                        Segment(part, i, t, dict(zip(classes, map(float, p), strict=True)))
                        for i, (t, p) in enumerate(zip(texts, probs, strict=True))
                    ]
                )
            out.append((segs[0], segs[1]))
        return out

    def _refine(self, samples: Sequence[Sample], parts: list[tuple[str, list[str], np.ndarray]]) -> None:
        from safedata.filters.learned.embedded import encode, pair_features, unsure

        todo = [(j, i) for j, (_, _, probs) in enumerate(parts) for i in np.flatnonzero(unsure(probs))]
        if not todo:
            return
        req_of = sorted({j // 2 for j, _ in todo})
        req_emb = dict(
            zip(req_of, encode([samples[k].prompt for k in req_of], self.embed_model), strict=True)
        )
        emb = encode([parts[j][1][i] for j, i in todo], self.embed_model)
        x = pair_features(emb, np.stack([req_emb[j // 2] for j, _ in todo]))
        for part in ("thought", "answer"):
            rows = [n for n, (j, _) in enumerate(todo) if parts[j][0] == part]
            if rows:
                probs = self.heads[f"{part}_emb"].dense(x[rows])
                for n, p in zip(rows, probs, strict=True):
                    j, i = todo[n]
                    parts[j][2][i] = (parts[j][2][i] + p) / 2

    def request(self, sample: Sample) -> dict[str, float]:
        head = self.heads["request"]
        probs = head.hashed([featurise(sample.prompt)])[0]
        return {c: round(float(p), 3) for c, p in zip(head.classes, probs, strict=True)}

    def derive(self, sample: Sample, thought: list[Segment], answer: list[Segment]) -> tuple[Derived, dict]:
        """The rules' verdict, given what the request head says about the prompt."""
        request = self.request(sample)
        return derive(sample.kind, thought, answer, request["harmful"] >= REQUEST_HARMFUL), request

    def row_vector(self, sample: Sample) -> np.ndarray:
        thought, answer = self.segments(sample)
        return row_vector(self.derive(sample, thought, answer)[0], thought, answer, self.classes)

    def judge(self, samples: Sequence[Sample]) -> list[Verdict]:
        out = []
        for s, (thought, answer) in zip(samples, self.segment_batch(samples), strict=True):
            d, request = self.derive(s, thought, answer)
            labels, evidence = combine(s, d, thought, answer, request["harmful"])
            detail: dict[str, Any] = {"evidence": evidence, "request": request, "refusal": refuses(s)}
            if d.last_decision:
                detail["last_decision"] = d.last_decision
            if self.pattern_heads:
                vec = row_vector(d, thought, answer, self.classes)
                labels = dict(labels)
                for p, (w, b) in self.pattern_heads.items():
                    score = float(vec @ w + b)
                    labels[p] = score > 0
                    if labels[p] and p not in evidence:  # the head fired where the rule did not
                        detail["evidence"][p] = [
                            {"part": "row", "text": f"distilled head, logit {score:.2f}"}
                        ]
            for p in [p for p in detail["evidence"] if not labels.get(p)]:
                del detail["evidence"][p]
            detail["version"] = self.version
            out.append(Verdict(labels, detail))
        return out
