"""One engine per distinct teacher spec for a build, all sharing one request cache, all closed at the end.

A build opens the pool (`BuildContext.engines`) and closes it when it ends, also on an error or Ctrl-C
(`api.build`): generate, repair, the judges and the probe that name the same spec get the same engine, and
no connection, writer thread or event loop outlives the build.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from safedata.engines.cache import RequestCache, open_cache


class EnginePool:
    def __init__(self) -> None:
        self._engines: dict[str, Any] = {}
        self._cache: RequestCache | None = None
        self._paces: dict[Any, Any] = {}  # endpoint -> the pacers its engines share (one rate limit each)

    def get(self, spec: Any, cache_dir: Path | None) -> Any:
        """The engine for `spec` (made on first use), its replies cached in `cache_dir` (None: no cache)."""
        from safedata.engines import make_teacher

        key = spec.model_dump_json()
        if key not in self._engines:
            if cache_dir is not None and self._cache is None:
                self._cache = open_cache(cache_dir)
            engine = make_teacher(spec, self._cache if cache_dir is not None else None)
            engine.share_limits(self._paces)
            self._engines[key] = engine
        return self._engines[key]

    def values(self) -> list[Any]:
        return list(self._engines.values())

    def __len__(self) -> int:
        return len(self._engines)

    def close(self) -> None:
        """Close every engine, then the shared cache; the first error is raised once all are closed."""
        engines, self._engines = list(self._engines.values()), {}
        cache, self._cache = self._cache, None
        errors: list[BaseException] = []
        for closable in [*engines, *([cache] if cache is not None else [])]:
            try:
                closable.close()
            except Exception as e:  # noqa: BLE001 - close the rest, then raise the first
                errors.append(e)
        if errors:
            raise errors[0]

    def __enter__(self) -> EnginePool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
