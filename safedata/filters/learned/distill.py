"""`safedata judge distill`: label a sample of the user's traces with the `llm` judge, train the learned
pattern heads on those labels, and write a judge folder that `filter.backend: learned` (`judge_path:`) and
`safedata audit --backend learned --judge-path DIR` load.

The folder: `judge.json` (what was trained, on how many labels, agreement with the judge on them),
`heads.npz` (the segment heads it builds on), `patterns.npz` (one head per pattern with enough labels; the
others keep their rule) and `labels.jsonl` (the judge's labels, so the run can be audited or retrained).
"""

from __future__ import annotations

import json
import random
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from safedata.engines.base import Teacher
from safedata.errors import SafedataError
from safedata.filters.audit import read_input, to_sample
from safedata.filters.base import Sample
from safedata.filters.learned.detector import DEFAULT_HEADS, LearnedDetector
from safedata.filters.learned.pattern_heads import fit_patterns
from safedata.filters.llm import LLMJudge
from safedata.filters.patterns import applies

JUDGE_FILE = "judge.json"
FORMAT = "safedata-learned-judge/1"


@dataclass
class DistillResult:
    out: Path
    labelled: int
    failed: int
    trained: list[str]  # patterns with a trained head
    agreement: dict[str, float]  # pattern -> share of labelled rows where the folder agrees with the judge


def sample_rows(input_spec: str, n: int, seed: int, columns: dict[str, str] | None) -> list[Sample]:
    """A uniform sample of n usable rows (reservoir sampling: one pass, n rows in memory)."""
    rng = random.Random(seed)
    keep: list[Sample] = []
    seen = 0
    for _, row in read_input(input_spec):
        if isinstance(row, str):
            continue
        try:
            s = to_sample(row, columns)
        except ValueError:
            continue
        seen += 1
        if len(keep) < n:
            keep.append(s)
        elif (j := rng.randrange(seen)) < n:
            keep[j] = s
    if not keep:
        raise SafedataError(f"{input_spec}: no usable rows to label (rows need `prompt` and a response)")
    return keep


def distill(
    input_spec: str,
    out: str | Path,
    teacher: Teacher,
    n: int = 500,
    seed: int = 0,
    columns: dict[str, str] | None = None,
    base: Path = DEFAULT_HEADS,
    progress: Callable[[str], None] | None = None,
) -> DistillResult:
    out = Path(out)
    samples = sample_rows(input_spec, n, seed, columns)
    if progress:
        progress(f"labelling {len(samples)} rows with the llm judge")
    verdicts = LLMJudge(teacher).judge(samples)
    labelled = [(s, v.labels) for s, v in zip(samples, verdicts, strict=True) if "error" not in v.detail]
    if not labelled:
        raise SafedataError(
            "the judge gave no usable verdict on any row; check --judge-model and the endpoint"
        )
    det = LearnedDetector(base)
    x = np.stack([det.row_vector(s) for s, _ in labelled])
    labels = [{p: v for p, v in lab.items() if applies(p, s.kind)} for s, lab in labelled]
    patterns = sorted({p for lab in labels for p in lab})
    heads = fit_patterns(x, labels, patterns)
    out.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(base, out / "heads.npz")
    np.savez(
        out / "patterns.npz",
        **{f"{p}.w": w for p, (w, _) in heads.items()},
        **{f"{p}.b": np.array(b) for p, (_, b) in heads.items()},
    )
    with (out / "labels.jsonl").open("w", encoding="utf-8") as f:
        for (s, _), lab in zip(labelled, labels, strict=True):
            f.write(
                json.dumps({"prompt": s.prompt, "kind": s.kind, "labels": lab}, ensure_ascii=False) + "\n"
            )
    meta: dict[str, Any] = {
        "format": FORMAT,
        "judge": {"backend": "llm", "model": getattr(teacher, "model", None) or type(teacher).__name__},
        "input": input_spec,
        "labelled": len(labelled),
        "failed": len(samples) - len(labelled),
        "patterns": {p: ("head" if p in heads else "rule") for p in patterns},
        "seed": seed,
    }
    (out / JUDGE_FILE).write_text(json.dumps(meta, indent=2), encoding="utf-8")
    again = LearnedDetector(out).judge([s for s, _ in labelled])
    agreement = {}
    for p in patterns:
        pairs = [(lab[p], v.labels[p]) for lab, v in zip(labels, again, strict=True) if p in lab]
        agreement[p] = round(sum(a == b for a, b in pairs) / len(pairs), 4)
    meta["agreement_on_labelled"] = agreement
    (out / JUDGE_FILE).write_text(json.dumps(meta, indent=2), encoding="utf-8")
    return DistillResult(out, len(labelled), len(samples) - len(labelled), sorted(heads), agreement)
