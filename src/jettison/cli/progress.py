"""A rich progress bar on stderr, implementing the library's Progress sink."""

from __future__ import annotations

from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)


class RichProgress:
    def __init__(self) -> None:
        self._progress = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            DownloadColumn(),
            TransferSpeedColumn(),
            TimeRemainingColumn(),
            console=Console(stderr=True),
            transient=True,
        )
        self._progress.start()
        self._task: TaskID | None = None

    def begin(self, label: str, total_bytes: int | None) -> None:
        self._task = self._progress.add_task(label, total=total_bytes)

    def advance(self, n_bytes: int) -> None:
        if self._task is not None:
            self._progress.advance(self._task, n_bytes)

    def end(self) -> None:
        if self._task is not None:
            self._progress.remove_task(self._task)
            self._task = None

    def close(self) -> None:
        self._progress.stop()
