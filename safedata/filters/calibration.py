"""Each backend's measured agreement with human labels, shipped with the package and copied into builds.

`bench/calibrate.py --write` measures a backend on the human-labelled sets runnable here (XSTest completions
for refusal, STAR-1 as a false-positive check, patterns_dev per pattern) and stores one entry per backend in
calibration.json next to this file. A build looks up the backends and judges it used: an entry whose version
differs from the code's is marked stale (the cues or heads changed since it was measured), and a judge with
no entry (a model judge needs its served model) says so rather than showing nothing.

A backend reports its version as a `version` attribute; the heuristic's is a hash of its cue files.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

PATH = Path(__file__).with_name("calibration.json")


def fingerprint(*files: Path) -> str:
    """A short hash of source or data files: changes whenever what decides the labels changes."""
    h = hashlib.sha256()
    for f in files:
        h.update(f.read_bytes())
    return h.hexdigest()[:12]


def load(path: Path = PATH) -> dict[str, dict[str, Any]]:
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}


def record_entry(name: str, entry: dict[str, Any], path: Path = PATH) -> None:
    """Store (or replace) one backend's entry, dated."""
    data = load(path)
    data[name] = {**entry, "measured": dt.date.today().isoformat()}
    path.write_text(json.dumps(dict(sorted(data.items())), indent=2) + "\n", encoding="utf-8")


def _figure(entry: dict[str, Any], measurement: str, field: str) -> Any:
    return (entry.get(measurement) or {}).get(field)


def summary(version: str | None, entry: dict[str, Any] | None, model: str | None = None) -> dict[str, Any]:
    """One flat row for the build report, the card and the HTML report. `model`: the model that served a
    judge in this build; a judge's figures belong to the model they were measured with, which the note
    names (and says when it is another one)."""
    if entry is None:
        # A model judge's agreement depends on the model serving it, which is not runnable here.
        return {"version": version, "measured": None, "note": "not measured here (no calibration shipped)"}
    notes = []
    if entry.get("version") != version:
        notes.append(f"stale: measured on version {entry.get('version')}")
    if entry.get("model"):
        other = f", not {model}" if model and model != entry["model"] else ""
        notes.append(f"measured with model {entry['model']}{other}")
    return {
        "version": version,
        "measured": entry.get("measured"),
        "xstest_refusal_acc": _figure(entry, "xstest_refusal", "accuracy"),
        "star1_flag_rate": _figure(entry, "star1_false_flags", "flag_rate"),
        "dev_macro_f1": _figure(entry, "patterns_dev", "macro_f1"),
        "note": "; ".join(notes),
    }


def _served_model(det: Any) -> str | None:
    """The model behind a judge's engine, if it has one."""
    return getattr(getattr(getattr(det, "teacher", None), "info", None), "model", None)


def for_detectors(detectors: Sequence[Any], path: Path = PATH) -> dict[str, dict[str, Any]]:
    """name -> the summary of its shipped entry (marked stale when the code's version moved on), or a
    not-measured note."""
    data = load(path)
    out: dict[str, dict[str, Any]] = {}
    for det in detectors:
        entry = data.get(det.name)
        out[det.name] = summary(getattr(det, "version", None), entry, _served_model(det))
    return out


def per_pattern_f1(detectors: Sequence[Any], path: Path = PATH) -> dict[str, dict[str, float]]:
    """name -> pattern -> F1 on the dev split, for the detectors that have it."""
    data = load(path)
    return {
        d.name: {p: v["f1"] for p, v in data[d.name]["patterns_dev"]["per_pattern"].items()}
        for d in detectors
        if "patterns_dev" in data.get(d.name, {})
    }
