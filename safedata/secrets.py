"""Secrets (API keys from `${ENV}`): held masked, scrubbed from everything safedata writes or prints.

A key lives in a `SecretStr` (its repr and str are masked), so a traceback that prints locals, a pydantic
repr or an f-string never shows it. Every resolved secret is also registered here, process-wide, because
what prints is process-wide too: the CLI routes stdout and stderr through `ScrubbedStream`, and its
exception handler prints one line without locals (distilabel, an optional extra, installs rich tracebacks
*with* locals on import: `quiet_tracebacks` takes that back for the CLI, and `engines.distilabel_engine.
import_distilabel` restores the hook it found for library use).

Only values of at least `MIN_CHARS` characters that are not placeholders count: scrubbing `none` or `EMPTY`
(what local servers accept) would turn every "none" in the data into `***`. An `api_key` given such a
value is refused with one line instead (see schemas/loader.py).
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from types import TracebackType
from typing import Any, TextIO

from pydantic import SecretStr

MIN_CHARS = 8
MASK = "***"
# Placeholders people pass to servers that check no key; too common in text to scrub, too weak to be keys.
PLACEHOLDERS = {"none", "null", "empty", "dummy", "token", "secret", "apikey", "api_key", "changeme",
                "password", "placeholder", "not-needed", "not_needed", "no-key", "sk-none", "sk-dummy",
                "sk-no-key-required", "xxxxxxxx", "12345678"}  # fmt: skip

_REGISTERED: set[str] = set()


def is_secret(value: str) -> bool:
    """Long enough and not a placeholder: a value worth scrubbing (and good enough to be a key)."""
    return len(value) >= MIN_CHARS and value.strip().lower() not in PLACEHOLDERS


def register(values: Iterable[str]) -> None:
    _REGISTERED.update(v for v in values if is_secret(v))


def scrub(text: str, secrets: Iterable[str] | None = None) -> str:
    """`text` with every secret (default: every registered one) replaced by `***`, longest first."""
    for secret in sorted(_REGISTERED if secrets is None else secrets, key=len, reverse=True):
        if secret in text:
            text = text.replace(secret, MASK)
    return text


def reveal(value: SecretStr | str | None) -> str | None:
    """The plain value, for the one place that sends it (an HTTP header, a client constructor)."""
    return value.get_secret_value() if isinstance(value, SecretStr) else value


class Secrets:
    """The secrets one recipe resolved; repr shows how many, never what."""

    def __init__(self, values: Iterable[str] = ()) -> None:
        self._values = frozenset(v for v in values if is_secret(v))
        register(self._values)

    def __bool__(self) -> bool:
        return bool(self._values)

    def __repr__(self) -> str:
        return f"Secrets({len(self._values)} masked)"

    def scrub(self, text: str) -> str:
        return scrub(text, self._values)


class ScrubbedStream:
    """A text stream that scrubs registered secrets from every write; everything else is the stream's."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        self._stream.write(scrub(text) if _REGISTERED else text)
        return len(text)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def scrub_output() -> None:
    """Route this process's stdout and stderr through `ScrubbedStream` (once)."""
    if not isinstance(sys.stdout, ScrubbedStream):
        sys.stdout = ScrubbedStream(sys.stdout)  # type: ignore[assignment]
    if not isinstance(sys.stderr, ScrubbedStream):
        sys.stderr = ScrubbedStream(sys.stderr)  # type: ignore[assignment]


def _one_line_hook(kind: type[BaseException], error: BaseException, tb: TracebackType | None) -> None:
    from safedata.errors import first_line

    sys.stderr.write(scrub(f"error: {kind.__name__}: {first_line(error)}\n"))


def quiet_tracebacks() -> None:
    """Uncaught exceptions print one scrubbed line, no frames and no locals (undoes rich's install)."""
    sys.excepthook = _one_line_hook
