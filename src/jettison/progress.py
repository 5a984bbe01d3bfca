"""Progress is a sink that the caller provides; the library never imports a terminal UI."""

from __future__ import annotations

from typing import Protocol


class Progress(Protocol):
    def begin(self, label: str, total_bytes: int | None) -> None:
        """A new unit of long work starts (e.g. reading one layer of ``total_bytes``)."""

    def advance(self, n_bytes: int) -> None:
        """``n_bytes`` more of the current unit are done."""

    def end(self) -> None:
        """The current unit is finished."""


class NullProgress:
    """The default sink: reports nothing."""

    def begin(self, label: str, total_bytes: int | None) -> None:
        pass

    def advance(self, n_bytes: int) -> None:
        pass

    def end(self) -> None:
        pass
