"""Progress on stderr (rich), or nothing with --quiet. Stages only call add/advance/finish."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.progress import Progress as RichProgress


class Progress:
    def __init__(self, enabled: bool = True) -> None:
        self._bar: RichProgress | None = None
        if enabled:
            self._bar = RichProgress(
                # markup=False: a stage's info text (a file name, a model id) is shown as it is.
                TextColumn("{task.description:<12}", style="bold", markup=False),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.fields[rate]}", markup=False),
                TextColumn("{task.fields[info]}", markup=False),
                TimeElapsedColumn(),
                TimeRemainingColumn(),
                console=Console(stderr=True),
                transient=False,
            )

    def __enter__(self) -> Progress:
        if self._bar:
            self._bar.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        if self._bar:
            self._bar.stop()

    def add(self, name: str, total: int | None = None) -> TaskID | None:
        if not self._bar:
            return None
        return self._bar.add_task(name, total=total, rate="", info="")

    def advance(self, task: TaskID | None, n: int = 1, **fields: Any) -> None:
        if self._bar is None or task is None:
            return
        self._bar.advance(task, n)
        t = self._bar.tasks[task]
        speed = t.finished_speed or t.speed
        self._bar.update(task, rate=f"{speed:,.0f}/s" if speed else "", **fields)

    def update(self, task: TaskID | None, **fields: Any) -> None:
        if self._bar is not None and task is not None:
            self._bar.update(task, **fields)

    def finish(self, task: TaskID | None) -> None:
        if self._bar is not None and task is not None:
            t = self._bar.tasks[task]
            self._bar.update(task, total=t.completed)

    def log(self, message: str) -> None:
        if self._bar:
            self._bar.console.log(message, markup=False)
