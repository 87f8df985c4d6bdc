"""`safedata audit`: run the detectors over an existing dataset and report pattern rates.

Input rows need `prompt` and either `response` (full text, thought in <think>…</think>; a missing opening tag
is handled) or `reasoning` + `answer`; `kind` is optional (default harmful). Output rows keep their fields and
add `patterns`, `refusal`, `safe` and `judgements` (each detector's fired patterns and evidence); the summary
goes to OUT.summary.json. Bad rows are reported with their line and skipped.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from safedata.errors import SafedataError
from safedata.filters import calibration
from safedata.filters.base import Sample
from safedata.filters.judging import run_detectors
from safedata.filters.patterns import PATTERNS, applies
from safedata.filters.refusal import is_refusal
from safedata.filters.registry import JudgeConfig, make_detector
from safedata.schemas.record import KINDS
from safedata.text import split_think

BATCH = 256


@dataclass
class AuditResult:
    rows: int
    skipped: list[tuple[int, str]]  # (line, why)
    summary: dict[str, Any]
    out: Path
    summary_path: Path


def read_input(spec: str) -> Iterator[tuple[int, dict[str, Any] | str]]:
    """(line or row number, row or error) from a local file, or an HF dataset spec `path[:config][@split]`."""
    from safedata.schemas.sources import FILE_FORMATS, FileSource, HFSource
    from safedata.sources.file import read_file
    from safedata.sources.hf import read_hf

    path = Path(spec)
    if path.is_file():
        ext = path.suffix.lstrip(".").lower()
        if ext not in FILE_FORMATS:
            raise SafedataError(f"cannot audit '.{ext}' files; use one of {', '.join(FILE_FORMATS)}")
        yield from read_file(FileSource(type="file", path=str(path), kind="harmful"))
        return
    name, _, split = spec.partition("@")
    hub_id, _, config = name.partition(":")
    yield from read_hf(
        HFSource(type="hf", path=hub_id, name=config or None, split=split or "train", kind="harmful")
    )


FIELDS = ("prompt", "response", "reasoning", "answer", "kind")


def to_sample(row: dict[str, Any], columns: dict[str, str] | None = None) -> Sample:
    """The row as a Sample (`columns` maps field -> column); raises ValueError naming what is wrong."""
    row = {f: row.get((columns or {}).get(f, f)) for f in FIELDS}
    prompt = row.get("prompt")
    if not isinstance(prompt, str) or not prompt.strip():
        raise ValueError("missing or empty `prompt`")
    kind = row.get("kind") or "harmful"
    if kind not in KINDS:
        raise ValueError(f"`kind` must be one of {', '.join(KINDS)} (got {kind!r})")
    if isinstance(row.get("response"), str):
        trace = split_think(row["response"])
        return Sample(prompt, trace.reasoning, trace.answer, kind, truncated=not trace.closed)
    reasoning, answer = row.get("reasoning"), row.get("answer")
    if isinstance(reasoning, str) and isinstance(answer, str):
        return Sample(prompt, reasoning, answer, kind)
    raise ValueError("needs `response`, or `reasoning` and `answer` (text)")


def summarise(
    labels: Sequence[dict[str, bool]], kinds: Sequence[str], safe: Sequence[bool]
) -> dict[str, Any]:
    """Rate of each pattern over the rows it applies to, and the share of safe rows."""
    fired: Counter[str] = Counter()
    judged: Counter[str] = Counter()
    for lab, kind in zip(labels, kinds, strict=True):
        for p in PATTERNS:
            if applies(p, kind):
                judged[p] += 1
                fired[p] += bool(lab.get(p))
    return {
        "rows": len(labels),
        "kinds": dict(Counter(kinds)),
        "safe_rate": round(sum(safe) / len(safe), 4) if safe else None,
        "patterns": {
            p: {"rows": judged[p], "fired": fired[p], "rate": round(fired[p] / judged[p], 4)}
            for p in PATTERNS
            if judged[p]
        },
    }


def _refusal(judgements: dict[str, Any], answer: str) -> bool:
    """The backend's own refusal call when it makes one (learned), else the refusal cues."""
    said = [d["refusal"] for d in judgements.values() if isinstance(d.get("refusal"), bool)]
    return said[0] if said else is_refusal(answer)


def audit(
    input_spec: str,
    out: str | Path,
    backend: str = "heuristic",
    judges: Sequence[str] = (),
    teacher: Any = None,
    options: dict[str, Any] | None = None,
    columns: dict[str, str] | None = None,
    on_skip: Callable[[int, str], None] | None = None,
) -> AuditResult:
    unknown = set(columns or {}) - set(FIELDS)
    if unknown:
        raise SafedataError(f"--map: unknown field {sorted(unknown)[0]!r}; fields are {', '.join(FIELDS)}")
    config = JudgeConfig(teacher=teacher, options=options or {})
    detectors = [make_detector(name, config) for name in (backend, *judges)]
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    skipped: list[tuple[int, str]] = []
    all_labels: list[dict[str, bool]] = []
    kinds: list[str] = []
    safe: list[bool] = []
    batch: list[tuple[dict[str, Any], Sample]] = []

    def flush(f: Any) -> None:
        for (row, sample), judged in zip(batch, run_detectors([s for _, s in batch], detectors), strict=True):
            row_safe = judged.safe
            # The segments that justify each positive label, per detector that gives them (learned).
            evidence = {n: d["evidence"] for n, d in judged.judgements.items() if d.get("evidence")}
            f.write(
                json.dumps(
                    {
                        **row,
                        "patterns": judged.labels,
                        "refusal": _refusal(judged.judgements, sample.answer),
                        "safe": row_safe,
                        # What each detector said: fired patterns, and a judge's evidence and request harm.
                        "judgements": judged.judgements,
                        **({"evidence": evidence} if evidence else {}),
                    },
                    ensure_ascii=False,
                    default=str,
                )
                + "\n"
            )
            all_labels.append(judged.labels)
            kinds.append(sample.kind)
            safe.append(row_safe)
        batch.clear()

    with out.open("w", encoding="utf-8") as f:
        for line, row in read_input(input_spec):
            try:
                if isinstance(row, str):
                    raise ValueError(row)
                batch.append((row, to_sample(row, columns)))
            except ValueError as e:
                skipped.append((line, str(e)))
                if on_skip:
                    on_skip(line, str(e))
                continue
            if len(batch) >= BATCH:
                flush(f)
        flush(f)
    summary = summarise(all_labels, kinds, safe)
    summary.update({"input": input_spec, "backend": backend, "judges": list(judges), "skipped": len(skipped)})
    summary["calibration"] = calibration.for_detectors(detectors)  # how far to trust these rates
    summary_path = out.with_name(out.name.removesuffix(".jsonl") + ".summary.json")
    summary_path.write_text(json.dumps(summary, indent=2), encoding="utf-8")
    return AuditResult(len(all_labels), skipped, summary, out, summary_path)
