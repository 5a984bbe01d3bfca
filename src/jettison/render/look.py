"""How a report should look where it is shown: the one argument every renderer takes."""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_WIDTH = 100


@dataclass(frozen=True, slots=True)
class Look:
    width: int = DEFAULT_WIDTH
    """Columns of the terminal report (other formats ignore it)."""
    color: bool = False
    """ANSI colours in the terminal report."""
    docs_url: str | None = None
    """Where the rules' documentation is published (lint's SARIF help links)."""
