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


def for_detectors(detectors: list[Any], path: Path = PATH) -> dict[str, dict[str, Any]]:
    """name -> its shipped entry (with `stale` when the code's version moved on), or a not-measured note."""
    data = load(path)
    out: dict[str, dict[str, Any]] = {}
    for det in detectors:
        entry = data.get(det.name)
        version = getattr(det, "version", None)
        if entry is None:
            out[det.name] = {"version": version, "measured": None, "note": "no calibration shipped for it"}
        else:
            out[det.name] = {**entry, "stale": entry.get("version") != version}
    return out
