"""`safedata augment`: wrap a prompt file into an eval file for `validate` (attack success per tactic).

Each output line is {prompt, tactic, template_id, original_request, category, kind}; plain prompts (kept with
`keep_plain`) have an empty tactic, as in the built dataset's columns. To keep the eval held out, build the
training set with `augment.exclude_templates` and draw the eval from exactly those templates (`only`).
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any, Literal

from pydantic import ValidationError

from safedata.augment.augmenter import Augmenter
from safedata.augment.templates import Template, TemplateError, all_templates
from safedata.errors import SafedataError
from safedata.schemas.augment import Augment
from safedata.schemas.record import Record
from safedata.schemas.sources import FileSource
from safedata.sources.file import read_file


def _option(loc: tuple[Any, ...]) -> str:
    """The command-line option behind an `augment:` setting."""
    name = str(loc[0]) if loc else "augment"
    renamed = {"templates": "--user-templates", "wrap_benign": "--kind"}
    return renamed.get(name, "--" + name.replace("_", "-"))


def eval_spec(only: list[str] | None = None, **options: Any) -> Augment:
    """The `augment:` settings for an eval file; errors name the command-line option."""
    try:
        spec = Augment.model_validate(options)
    except ValidationError as e:
        err = e.errors()[0]
        raise SafedataError(f"{_option(err['loc'])}: {err['msg'].removeprefix('Value error, ')}") from None
    if only:
        known = {t.id for t in _templates(spec)}
        for tid in only:
            if tid not in known:
                raise SafedataError(f"--templates: no template has id {tid!r}")
        spec.exclude_templates = sorted((known - set(only)) | set(spec.exclude_templates))
    return spec


def _templates(spec: Augment) -> list[Template]:
    try:
        return all_templates(spec.templates)
    except TemplateError as e:
        raise SafedataError(f"{_option(e.loc)}: {e.message}") from None


def read_prompts(
    path: Path, prompt_field: str, kind: Literal["harmful", "benign"]
) -> tuple[list[Record], int]:
    """Records for the rows of a jsonl/json/csv/parquet file, and how many rows had no text prompt."""
    try:
        spec = FileSource(type="file", path=str(path), kind=kind)
    except ValidationError as e:
        raise SafedataError(f"{path}: {e.errors()[0]['msg'].removeprefix('Value error, ')}") from None
    records, skipped = [], 0
    for _, row in read_file(spec):
        prompt = row.get(prompt_field) if isinstance(row, dict) else None
        if not isinstance(prompt, str) or not prompt.strip():
            skipped += 1
            continue
        category = row.get("category")  # type: ignore[union-attr]
        records.append(
            Record(
                prompt=prompt.strip(),
                kind=kind,
                category=category if isinstance(category, str) else None,
                source=path.stem,
            )
        )
    if not records:
        raise SafedataError(f"{path}: no rows with a text {prompt_field!r} column")
    return records, skipped


def write_eval(records: list[Record], spec: Augment, seed: int, out: Path) -> Counter[str]:
    """Wrap every record and write the eval file; returns rows per tactic ("" = plain)."""
    try:
        aug = Augmenter(spec, seed)
    except TemplateError as e:
        raise SafedataError(f"{_option(e.loc)}: {e.message}") from None
    counts: Counter[str] = Counter()
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8") as f:
        for rec in records:
            for r in aug.augment(rec):
                attack = r.attack
                row = {
                    "prompt": r.prompt,
                    "tactic": attack.tactic if attack else "",
                    "template_id": attack.template_id if attack else "",
                    "original_request": attack.original_request if attack else r.prompt,
                    "category": r.category or "",
                    "kind": r.kind,
                }
                counts[row["tactic"]] += 1
                f.write(json.dumps(row, ensure_ascii=False) + "\n")
    return counts
