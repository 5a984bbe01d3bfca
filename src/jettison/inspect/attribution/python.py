"""Python distributions: ``*.dist-info`` (pip, uv, conda, wheels) and legacy ``*.egg-info``.

Wherever one lies (system ``dist-packages``, ``/usr/local``, a venv, conda, a ``--target``
directory), a distribution's metadata directory names it and lists its files:

- ``NAME-VERSION.dist-info/METADATA``: ``Name``, ``Version`` and ``Requires-Dist`` headers;
- ``NAME-VERSION.dist-info/RECORD``: CSV ``path,hash,size``; paths are relative to the
  *site directory* (the one holding the dist-info) and climb out of it for scripts and
  data files (``../../../bin/x``); a few installers write absolute paths;
- ``NAME-VERSION-pyX.Y.egg-info/installed-files.txt``: a path a line, relative to the
  egg-info directory.

A metadata directory without any of these still names a distribution (from the directory
name), owning the files inside it.

RECORD sizes are ignored: only files present in the final filesystem are claimed, and the
combiner counts the bytes actually there (a later layer may have rewritten or deleted them).
Every file inside a distribution's metadata directory is its own, listed or not. Other files
written after installation (``__pycache__``, caches) are attributed later, once precedence
is settled, by :mod:`jettison.inspect.attribution.unlisted`.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field

from packaging.utils import canonicalize_name

from jettison.image.scan import FileResolver
from jettison.inspect.attribution._catalog import Catalog, FileFinder, decode, root_relative
from jettison.inspect.attribution.model import PythonDist

KIND = "python"
GLOBS = ("*.dist-info/METADATA", "*.dist-info/RECORD", "*.egg-info/installed-files.txt")

_DIST_INFO = ".dist-info"
_EGG_INFO = ".egg-info"
_READ = {_DIST_INFO: ("METADATA", "RECORD"), _EGG_INFO: ("installed-files.txt",)}
"""The metadata files read, by kind of metadata directory."""


@dataclass
class _Found:
    """A metadata directory found in the final filesystem."""

    directory: str
    name: str
    version: str | None
    record: str | None
    """Root-relative path of its RECORD (or installed-files.txt), when present."""
    layer_index: int
    requires: tuple[str, ...] = ()
    listed: list[str] = field(default_factory=list)
    """Regular files of the final filesystem that its record lists."""


def catalog(resolver: FileResolver) -> Catalog[PythonDist]:
    found, inside = _find(resolver)
    finder = FileFinder(resolver)
    for dist in found:
        if dist.record is not None:
            dist.listed = _listed(resolver, finder, dist.record)
    found = _drop_vendored(found)
    # Two records can list one file: an old dist-info left behind by ``--ignore-installed``
    # or ``--target`` upgrades. The record written in the latest layer wrote the file last,
    # so it is applied last and wins; the directory path breaks ties deterministically.
    found.sort(key=lambda d: (d.layer_index, d.directory))
    claims: dict[str, str] = {}
    for dist in found:
        # Its own metadata directory is the distribution's even where the record is missing
        # or incomplete (Debian-packaged dist-infos and egg-infos often have none).
        for path in (*dist.listed, *inside.get(dist.directory, ())):
            claims[path] = dist.name
    # One entry per canonical name: copies in several environments (system, venv) are one
    # owner, described by the latest-installed copy.
    packages = {d.name: PythonDist(d.name, d.version, d.directory, d.requires) for d in found}
    return Catalog(KIND, packages, claims)


def _find(resolver: FileResolver) -> tuple[list[_Found], dict[str, list[str]]]:
    """Every metadata directory holding a file, and the files found inside each."""
    found: dict[str, _Found] = {}
    inside: dict[str, list[str]] = {}
    for path in [p for p in resolver.paths() if "-info/" in p]:
        directory = _metadata_directory(path)
        if directory is None:
            continue
        inside.setdefault(directory, []).append(path)
        base = path[len(directory) + 1 :]
        suffix = _DIST_INFO if directory.endswith(_DIST_INFO) else _EGG_INFO
        if base not in _READ[suffix]:
            continue
        dist = found.get(directory)
        if dist is None:
            name, version = _name_version(directory.rpartition("/")[2], suffix)
            layer = resolver.layer_of(path)
            dist = found[directory] = _Found(directory, name, version, None, layer)
        if base == "METADATA":
            _read_metadata(resolver.read_bytes(path), dist)
        else:
            dist.record = path
            dist.layer_index = resolver.layer_of(path)
    # A metadata directory with nothing to read still names an installed distribution
    # (Debian's python3-setuptools ships ``setuptools-66.1.1.egg-info`` without a file list).
    for directory, paths in inside.items():
        if directory not in found:
            suffix = _DIST_INFO if directory.endswith(_DIST_INFO) else _EGG_INFO
            name, version = _name_version(directory.rpartition("/")[2], suffix)
            layer_index = max((resolver.layer_of(p) for p in paths), default=0)
            found[directory] = _Found(directory, name, version, None, layer_index)
    return [d for d in found.values() if d.name], inside


def _metadata_directory(path: str) -> str | None:
    """``site/foo-1.0.dist-info`` for ``site/foo-1.0.dist-info/licenses/LICENSE``."""
    for suffix in (_DIST_INFO, _EGG_INFO):
        index = path.find(suffix + "/")
        if index > 0:
            return path[: index + len(suffix)]
    return None


def _name_version(dirname: str, suffix: str) -> tuple[str, str | None]:
    """``foo_bar-1.0.dist-info`` -> (foo-bar, 1.0); ``foo-1.0-py3.11.egg-info`` likewise."""
    stem = dirname[: -len(suffix)]
    if suffix == _EGG_INFO:
        name, _, rest = stem.partition("-")
        version = rest.partition("-")[0] or None
    else:
        head, sep, tail = stem.rpartition("-")
        name, version = (head, tail) if sep and head else (stem, None)
    return canonicalize_name(name) if name else "", version or None


def _read_metadata(data: bytes | None, dist: _Found) -> None:
    """Take Name, Version and Requires-Dist from the headers (they end at the first blank line)."""
    if data is None:
        return
    requires: list[str] = []
    for line in decode(data).splitlines():
        if not line.strip():
            break
        key, sep, value = line.partition(":")
        if not sep or line[0] in " \t":
            continue  # a continuation line (a long header value): nothing we read
        key, value = key.strip().lower(), value.strip()
        if key == "name" and value:
            dist.name = canonicalize_name(value)
        elif key == "version" and value:
            dist.version = value
        elif key == "requires-dist" and value:
            requires.append(value)
    dist.requires = tuple(requires)


def _listed(resolver: FileResolver, finder: FileFinder, record: str) -> list[str]:
    """Regular files present in the final filesystem that a RECORD/installed-files.txt lists."""
    data = resolver.read_bytes(record)
    if data is None:
        return []
    directory = _parent(record)
    base = directory if record.endswith("installed-files.txt") else _parent(directory)
    paths: list[str] = []
    for line in decode(data).splitlines():
        relative = _record_path(line)
        if not relative:
            continue
        # Absolute paths are root-relative; ``..`` climbing above the root is not a file.
        path = root_relative(relative if relative.startswith("/") else f"{base}/{relative}")
        if path:
            found = finder.regular_file(path)
            if found is not None:
                paths.append(found)
    return paths


def _record_path(line: str) -> str | None:
    """The path of one record line; None for a line that cannot be parsed (it is skipped)."""
    if '"' not in line:
        # No quoting: the path cannot contain a comma. installed-files.txt has no commas.
        return line.partition(",")[0]
    try:
        row = next(csv.reader([line]))
    except (csv.Error, StopIteration):
        return None  # a malformed line: skip it, keep the rest of the record
    return row[0] if row else None


def _drop_vendored(found: list[_Found]) -> list[_Found]:
    """Forget metadata directories that another distribution's record lists as its own files.

    setuptools and others vendor dependencies with their dist-info (``setuptools/_vendor/
    jaraco.text-3.12.1.dist-info``); those files belong to the distribution that ships them.
    """
    by_directory = {d.directory: d for d in found}
    vendored: set[str] = set()
    for dist in found:
        for path in dist.listed:
            other = by_directory.get(_parent(path))
            if other is not None and other is not dist:
                vendored.add(other.directory)
    return [d for d in found if d.directory not in vendored]


def _parent(path: str) -> str:
    """``posixpath.dirname`` for normalised paths."""
    return path.rpartition("/")[0]
