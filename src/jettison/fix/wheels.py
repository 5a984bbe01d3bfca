"""A local folder of wheels as ``--torch-index``: find it, pick the torch wheels in it.

``--torch-index`` may name a folder instead of an index URL: an absolute path or a
``file://`` URL. The optimized Dockerfile then installs the torch family with
``pip install --find-links /wheels torch==X+cpu``, where ``/wheels`` is a build-time mount
of that folder (``buildah bud -v FOLDER:/wheels:ro``): it is mounted read-only during the
build and never copied into the image. The pin is exact, local version included, and
PyPI accepts no local versions, so only the folder's wheel can match; torch's own
dependencies (filelock, sympy, ...) still come from the default index, which is why
``--no-index`` is not used. Only wheel file names are read here.

A pin the folder cannot satisfy falls back to the newest CPU build (local version
``+cpu``) of the same major version in the folder, and says so; with none, fix refuses.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlparse

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import InvalidWheelFilename, canonicalize_name, parse_wheel_filename
from packaging.version import InvalidVersion, Version

from jettison.fix.errors import FixError
from jettison.hostpaths import is_dir

WHEELS_MOUNT = "/wheels"
"""Where the builder stage sees the local wheel folder (a read-only build mount)."""


@dataclass(frozen=True, slots=True)
class Pick:
    """The wheel version chosen for one requirement; ``reason`` is set when it differs
    from what the requirement asks for."""

    name: str
    version: Version
    reason: str | None = None

    @property
    def pin(self) -> str:
        return f"{self.name}=={self.version}"


def local_folder(torch_index: str) -> Path | None:
    """The folder ``torch_index`` names (absolute path or ``file://`` URL); None for a
    remote index URL. Raises :class:`FixError` for anything else."""
    if torch_index.startswith("file:"):
        parsed = urlparse(torch_index)
        if parsed.netloc not in ("", "localhost"):
            raise FixError(
                f"--torch-index {torch_index}: a file:// URL on another host",
                hint="give a local folder as file:///ABSOLUTE/PATH or as an absolute path",
            )
        path = Path(unquote(parsed.path))
    elif "://" in torch_index:
        return None
    else:
        path = Path(torch_index)
    if not path.is_absolute():
        raise FixError(
            f"--torch-index {torch_index}: neither an index URL nor an absolute folder",
            hint="give an index URL (https://...) or the absolute path of a folder of wheels",
        )
    if not is_dir(path):
        raise FixError(
            f"--torch-index {torch_index}: no such folder",
            hint="give an existing folder of wheels, or an index URL",
        )
    return path


def _versions(folder: Path, name: str) -> list[Version]:
    found: set[Version] = set()
    for wheel in folder.glob("*.whl"):
        try:
            wheel_name, version, _build, _tags = parse_wheel_filename(wheel.name)
        except InvalidWheelFilename:
            continue
        if wheel_name == canonicalize_name(name):
            found.add(version)
    return sorted(found)


def _major(version: str) -> int | None:
    try:
        return Version(version.split("*")[0].rstrip(".")).major
    except InvalidVersion:
        return None


def pick_wheel(folder: Path, name: str, specifier: str) -> Pick:
    """The version of ``name`` to install from ``folder`` for ``name{specifier}``."""
    try:
        spec = SpecifierSet(specifier)
    except InvalidSpecifier as exc:
        raise FixError(f"{name}{specifier}: {exc}") from exc
    versions = _versions(folder, name)
    matching = [v for v in versions if spec.contains(v, prereleases=True)]
    if matching:
        cpu = [v for v in matching if v.local == "cpu"]
        return Pick(name, (cpu or matching)[-1])
    majors = {m for m in (_major(s.version) for s in spec) if m is not None}
    cpu_builds = [v for v in versions if v.local == "cpu" and v.major in majors]
    have = ", ".join(str(v) for v in versions) or "none"
    if len(majors) != 1 or not cpu_builds:
        wanted = " or ".join(f"{m}.x" for m in sorted(majors)) or "any"
        raise FixError(
            f"{folder}: no {name} wheel for {name}{specifier} and no CPU build of "
            f"{name} {wanted} (it has: {have})",
            hint=f"put a CPU wheel of {name} (+cpu) in {folder}, or give an index URL "
            "with --torch-index",
        )
    chosen = cpu_builds[-1]
    which = "the only" if len(cpu_builds) == 1 else "the newest"
    return Pick(name, chosen, f"{which} CPU build in {folder}")


def pick_wheels(folder: Path, requirements: Sequence[tuple[str, str]]) -> tuple[Pick, ...]:
    """:func:`pick_wheel` for each ``(name, specifier)``."""
    return tuple(pick_wheel(folder, name, spec) for name, spec in requirements)
