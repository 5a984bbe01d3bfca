"""Something the user should know that is not the result itself: one type for every verb.

A lint finding is the result of ``lint``; a rule that could not run, a package index that
did not answer, a service ``plan`` left as it was, an entry of an image ``inspect`` could not
read: those are notices. What could not be done is a value in the report (as pip-audit's
"skipped" records), never an exception, and every notice has the one :class:`Severity` that
lint's findings have too.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from pathlib import Path


class Severity(enum.IntEnum):
    """How much something matters: the one scale of findings and notices (worse is larger)."""

    INFO = 1
    WARNING = 2
    ERROR = 3

    @classmethod
    def parse(cls, text: str) -> Severity:
        try:
            return cls[text.strip().upper()]
        except KeyError as exc:
            raise ValueError(f"unknown severity {text!r}: info, warning or error") from exc

    @property
    def label(self) -> str:
        """``error``, ``warning`` or ``info``: the spelling of config files, flags and JSON."""
        return self.name.lower()


SEVERITIES_WORST_FIRST = (Severity.ERROR, Severity.WARNING, Severity.INFO)


@dataclass(frozen=True, slots=True)
class Notice:
    """A note for the user, with where it applies when that is known."""

    severity: Severity
    message: str
    kind: str = "note"
    """A stable slug saying what sort of notice it is (``index-unreachable``,
    ``unsupported-dockerfile``...): for machines and for grouping."""
    subject: str | None = None
    """What it is about, when not a file: a service, a rule code, an image."""
    path: Path | None = None
    line: int | None = None
    layer: int | None = None
    """The image layer it is about (index from the bottom), when it is about an image."""

    def sort_key(self) -> tuple[int, int, str, str, int, str, str]:
        """Worst first, then by place and text."""
        return (
            -int(self.severity),
            -1 if self.layer is None else self.layer,
            self.subject or "",
            str(self.path or ""),
            self.line or 0,
            self.kind,
            self.message,
        )
