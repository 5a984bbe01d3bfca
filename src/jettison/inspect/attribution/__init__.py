"""Who owns every byte of the final filesystem: Debian packages, Python distributions, or nobody.

Each source of ownership is a cataloger module (:mod:`.debian`, :mod:`.python`) declaring the
files it needs captured during the scan (``GLOBS``) and returning a :class:`Catalog`: its
packages and the files each claims. This module joins the claims to the file list:

- a file claimed by several catalogers goes to the first in :data:`CATALOGERS`;
- a file nobody claims may still follow its neighbours (byte code follows its source,
  see :mod:`.unlisted`);
- a file still without an owner is ``unowned``, grouped by its top-level directory (``/app``);
- so every file has exactly one owner, and the owners' bytes add up to the total.

CUDA library families (:mod:`.cuda`) are a second, independent view over the same files.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from jettison.image.scan import FileResolver
from jettison.inspect.attribution import cuda, debian, python, unlisted
from jettison.inspect.attribution._catalog import Catalog
from jettison.inspect.attribution.model import DebianPackage, Ownership, PythonDist
from jettison.inspect.report import Attribution, OwnerBytes

__all__ = ["CAPTURE_GLOBS", "CATALOGERS", "attribute"]

# Precedence, first wins: Debian packages, then Python distributions. Where both name one
# file it is a Debian-packaged Python module whose dist-info keeps its RECORD (bookworm's
# python3-pip: 499 files are in both lists), or a wheel whose scripts and data climb
# out of site-packages into system paths. dpkg's lists are exact (dpkg writes one entry per
# path it unpacked, and moves a path to the package that takes it over), while a RECORD only
# says what an installer once wrote. And the advice stays safe: the file goes away with the
# package (apt-get purge), and a Python cleanup never removes what the OS relies on.
CATALOGERS: tuple[Callable[[FileResolver], Catalog[Any]], ...] = (debian.catalog, python.catalog)

CAPTURE_GLOBS: tuple[str, ...] = (*debian.GLOBS, *python.GLOBS)
"""Files whose contents attribution reads: pass ``glob_filter(CAPTURE_GLOBS)`` to the scan."""

UNOWNED = "unowned"

PackageT = TypeVar("PackageT", PythonDist, DebianPackage)


@dataclass
class _Tally:
    size_bytes: int = 0
    file_count: int = 0
    layer_bytes: dict[int, int] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)


def attribute(resolver: FileResolver) -> tuple[Attribution, Ownership]:
    """Attribute every file of the final filesystem to exactly one owner.

    Metadata that cannot be parsed (a bad RECORD line, a dpkg status that is not UTF-8)
    does not stop the analysis: the catalogers skip the bad part, and files nobody could
    claim are counted as unowned.
    """
    catalogs = [catalog(resolver) for catalog in CATALOGERS]
    owner_by_path: dict[str, str] = {}
    for found in catalogs:
        keys: dict[str, str] = {}  # one key string per owner, not one per file
        for path, name in found.claims.items():
            if path not in owner_by_path:
                key = keys.get(name)
                if key is None:
                    key = keys[name] = f"{found.kind}:{name}"
                owner_by_path[path] = key
    owner_by_path.update(unlisted.derive(resolver.paths(), owner_by_path))

    tallies: dict[str, _Tally] = {}
    total = 0
    families = cuda.FamilyTally()
    count_family = families.add
    owner_get = owner_by_path.get
    unowned: dict[str, str] = {}  # top-level directory -> its owner key
    # Once per file of the final filesystem (the synthetic image: 416,891), so inlined.
    for path, size, layer in resolver.sized_files():
        owner = owner_get(path)
        if owner is None:
            top = _top_level(path)
            owner = unowned.get(top)
            if owner is None:
                owner = unowned[top] = f"{UNOWNED}:{top}"
        tally = tallies.get(owner)
        if tally is None:
            tally = tallies[owner] = _Tally()
        tally.size_bytes += size
        tally.file_count += 1
        tally.layer_bytes[layer] = tally.layer_bytes.get(layer, 0) + size
        tally.files.append(path)
        total += size
        count_family(path, size, owner)

    packages = {found.kind: found.packages for found in catalogs}
    python_dists = _with_files(packages[python.KIND], python.KIND, tallies)
    debian_packages = _with_files(packages[debian.KIND], debian.KIND, tallies)
    owners = [
        _owner_bytes(key, tally, python_dists, debian_packages) for key, tally in tallies.items()
    ]
    owners.sort(key=lambda o: (-o.size_bytes, o.kind, o.name))
    attribution = Attribution(owners=tuple(owners), cuda=families.result(), total_bytes=total)
    ownership = Ownership(owner_by_path=owner_by_path, python=python_dists, debian=debian_packages)
    return attribution, ownership


def owner_key(ownership: Ownership, path: str) -> str:
    """The owner key (``kind:name``) :func:`attribute` gave the file at ``path``."""
    return ownership.owner_of(path) or f"{UNOWNED}:{_top_level(path)}"


def _top_level(path: str) -> str:
    """``/app`` for ``app/main.py``; ``/`` for a file in the root directory."""
    head, sep, _ = path.partition("/")
    return f"/{head}" if sep else "/"


def _with_files(
    packages: Mapping[str, PackageT], kind: str, tallies: Mapping[str, _Tally]
) -> dict[str, PackageT]:
    """The packages with ``files`` set to what they own after precedence, sorted."""
    result: dict[str, PackageT] = {}
    for name, package in sorted(packages.items()):
        tally = tallies.get(f"{kind}:{name}")
        files = tuple(sorted(tally.files)) if tally is not None else ()
        result[name] = dataclasses.replace(package, files=files)
    return result


def _owner_bytes(
    key: str,
    tally: _Tally,
    python_dists: Mapping[str, PythonDist],
    debian_packages: Mapping[str, DebianPackage],
) -> OwnerBytes:
    kind, _, name = key.partition(":")
    version: str | None = None
    if kind == python.KIND:
        version = python_dists[name].version
    elif kind == debian.KIND:
        version = debian_packages[name].version
    return OwnerBytes(
        kind=kind,
        name=name,
        size_bytes=tally.size_bytes,
        file_count=tally.file_count,
        version=version,
        layer_bytes=tuple(sorted(tally.layer_bytes.items())),
    )
