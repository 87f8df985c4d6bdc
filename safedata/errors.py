"""Errors a user can fix; the CLI prints them in one line with exit code 2."""

from __future__ import annotations


class SafedataError(Exception):
    """Base for errors shown to users without a traceback."""


class RecipeError(SafedataError):
    """A problem with the recipe, located by its YAML path and line."""

    def __init__(self, message: str, path: str = "", line: int | None = None) -> None:
        self.message, self.path, self.line = message, path, line
        where = ", ".join(x for x in (f"line {line}" if line else "", path) if x)
        super().__init__(f"{where}: {message}" if where else message)


def first_line(e: BaseException) -> str:
    """An exception as one line for a user: its message's first line, or its type when it has none."""
    text = str(e).strip()
    return text.splitlines()[0] if text else type(e).__name__
