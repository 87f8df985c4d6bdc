"""Engines: the models safedata asks (teachers, students, LLM judges), behind one interface (`Teacher`).

Each engine (`safedata.registry.ENGINES`) subclasses `engine.Engine`: it looks the request cache up before
sending, records replies as they arrive, and is closed with `close()` or a `with` block. A build shares one
engine per spec through `pool.EnginePool`; `generation` is the service
the generate stage and repair both call.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from safedata.engines.base import Teacher, TeacherReply, TeacherRequest
from safedata.engines.cache import RequestCache
from safedata.registry import ENGINES


def make_teacher(spec: Any, cache: Path | RequestCache | None) -> Teacher:
    """The engine for a `teacher:` spec. `cache`: a shared request cache, a folder to keep one in (the
    engine closes it), or None (no cache). Close it (or use `with`) when done."""
    return ENGINES[spec.engine].load()(spec, cache)


def build_teacher(spec: Any, ctx: Any) -> Teacher:
    """The build's engine for `spec` (one per distinct spec, shared by every block and stage): replies cached
    in the output folder unless caching is off."""
    from safedata.engines.cache import cache_path

    return ctx.engines.get(spec, cache_path(ctx.out_dir).parent if ctx.use_cache else None)  # type: ignore[no-any-return]


__all__ = ["ENGINES", "Teacher", "TeacherReply", "TeacherRequest", "build_teacher", "make_teacher"]
