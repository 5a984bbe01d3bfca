"""What attribution knows about the software installed in an image.

Produced by ``jettison.inspect.attribution.attribute`` and read by the removable-cause
analyzers (dev tools need Python requirements, toolchains need Debian package files).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class PythonDist:
    """An installed Python distribution (from its ``*.dist-info``)."""

    name: str
    """Canonical name (PEP 503 normalised: lower case, runs of ``-_.`` as ``-``)."""
    version: str | None
    dist_info: str
    """Root-relative path of the ``.dist-info`` directory."""
    requires: tuple[str, ...] = ()
    """``Requires-Dist`` lines from METADATA, verbatim (markers included)."""
    files: tuple[str, ...] = ()
    """Root-relative paths of the files it owns in the final filesystem."""


@dataclass(frozen=True, slots=True)
class DebianPackage:
    name: str
    version: str | None
    section: str | None = None
    installed_size_kib: int | None = None
    """``Installed-Size`` from dpkg status (KiB, as dpkg declares it)."""
    files: tuple[str, ...] = ()
    """Root-relative paths (symlinks resolved) of the regular files it owns."""


@dataclass(frozen=True)
class Ownership:
    """Who owns each file of the final filesystem."""

    owner_by_path: Mapping[str, str]
    """Root-relative path -> owner key ``python:NAME`` / ``debian:NAME``; files absent here
    are unowned."""
    python: Mapping[str, PythonDist] = field(default_factory=dict)
    debian: Mapping[str, DebianPackage] = field(default_factory=dict)

    def owner_of(self, path: str) -> str | None:
        return self.owner_by_path.get(path)
