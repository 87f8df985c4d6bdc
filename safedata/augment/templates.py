"""Attack templates: the bundled library (templates.yaml) and user templates from a file or an HF dataset."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from safedata.errors import SafedataError
from safedata.schemas.augment import TemplateFile, TemplateHF
from safedata.schemas.sources import FileSource, HFSource
from safedata.sources import READERS

PLACEHOLDER = "{request}"
BUNDLED = Path(__file__).parent / "templates.yaml"

Loc = tuple[str | int, ...]


class TemplateError(SafedataError):
    """A template or `augment:` setting that cannot be used; `loc` is relative to the `augment:` section."""

    def __init__(self, message: str, loc: Loc = ()) -> None:
        self.message, self.loc = message, loc
        super().__init__(message)


@dataclass(frozen=True)
class Template:
    id: str
    tactic: str
    text: str

    def render(self, request: str) -> str:
        # str.replace, not str.format: templates may contain braces of their own (JSON, code).
        return self.text.replace(PLACEHOLDER, request)


@lru_cache(maxsize=1)
def bundled_templates() -> tuple[Template, ...]:
    entries = yaml.safe_load(BUNDLED.read_text(encoding="utf-8"))
    return tuple(Template(e["id"], e["tactic"], e["text"]) for e in entries)


def _reader_spec(spec: TemplateFile | TemplateHF) -> FileSource | HFSource:
    # The prompt-source readers only use where and how to read; `kind` is required by the prompt-source
    # model and means nothing for templates.
    if isinstance(spec, TemplateFile):
        return FileSource(type="file", path=spec.path, format=spec.format, kind="harmful")
    return HFSource(
        type="hf",
        path=spec.path,
        name=spec.name,
        split=spec.split,
        revision=spec.revision,
        data_files=spec.data_files,
        kind="harmful",
    )


def _text(row: dict[str, Any], column: str) -> str:
    value = row.get(column)
    return value.strip() if isinstance(value, str) else ""


def user_templates(i: int, spec: TemplateFile | TemplateHF) -> list[Template]:
    """Read and check one `augment.templates[i]` source; any bad row is an error naming the template."""
    reader_spec = _reader_spec(spec)
    reader, default_id = READERS[reader_spec.type]
    prefix = Path(spec.path).stem if isinstance(spec, TemplateFile) else default_id(reader_spec)
    loc: Loc = ("templates", i)
    out = []
    for n, row in reader(reader_spec):
        if isinstance(row, str):
            raise TemplateError(f"row {n}: {row}", loc)
        tid = _text(row, spec.columns.id) or f"{prefix}-{n}"
        text = row.get(spec.columns.text)
        if not isinstance(text, str) or not text.strip():
            raise TemplateError(
                f"template {tid!r} (row {n}) has no text in column {spec.columns.text!r}", loc
            )
        if PLACEHOLDER not in text:
            raise TemplateError(f"template {tid!r} (row {n}) has no {PLACEHOLDER} placeholder", loc)
        out.append(Template(tid, _text(row, spec.columns.tactic) or spec.tactic, text.strip()))
    if not out:
        raise TemplateError("no templates in this source", loc)
    return out


def all_templates(sources: list[TemplateFile | TemplateHF]) -> list[Template]:
    """The bundled library plus every user source, with ids checked to be unique."""
    templates = list(bundled_templates())
    seen = {t.id for t in templates}
    for i, spec in enumerate(sources):
        for t in user_templates(i, spec):
            if t.id in seen:
                raise TemplateError(f"template id {t.id!r} is used twice", ("templates", i))
            seen.add(t.id)
            templates.append(t)
    return templates
