"""Builders turn prompts into samples of each reasoning variant. Registry: variant name -> builder."""

from __future__ import annotations

from collections.abc import Callable

from safedata.builders.nocot import build_nocot
from safedata.builders.template_cot import build_template
from safedata.schemas.record import Record

# Teacher-free builders: one record in, one sample out.
OFFLINE_BUILDERS: dict[str, Callable[[Record, int], Record]] = {
    "template": build_template,
    "nocot": build_nocot,
}
