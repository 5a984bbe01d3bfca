"""What the import scan finds in the code an image ships."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class ImportedName:
    """A top-level module imported by the shipped code."""

    module: str
    file: Path
    line: int
