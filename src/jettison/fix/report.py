"""The fix report: what fix wrote (or would write), each change with its estimated saving."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from jettison.builder.options import Mount
from jettison.fix.changes import Change
from jettison.notices import Notice


class OutputFile(NamedTuple):
    """A file fix writes (or would write, on a dry run)."""

    path: Path
    text: str


@dataclass(frozen=True)
class FixReport:
    files: tuple[OutputFile, ...]
    """Every file written (or that would be written), the Dockerfile first."""
    changes: tuple[Change, ...]
    diff: str
    """Unified diff of the original Dockerfile and the new one."""
    target: str
    written: bool
    mounts: tuple[Mount, ...] = ()
    """What the optimized Dockerfile's build needs mounted read-only (a local
    ``torch_index`` folder at ``/wheels``)."""
    restructured: bool = False
    """The multi-stage restructure was applied (before the edit fixes)."""
    notices: tuple[Notice, ...] = ()
    """The fixes not made, and why (a shape the restructure refuses, a RUN in exec form...)."""
