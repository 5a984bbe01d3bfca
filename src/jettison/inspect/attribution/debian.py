"""Debian packages, from dpkg's database as apt leaves it or as distroless images ship it.

- ``var/lib/dpkg/status``: a paragraph per package (``Package``, ``Version``, ``Section``,
  ``Installed-Size`` in KiB, ``Status`` whose last word must be ``installed``: packages
  removed but not purged keep a paragraph and their conffiles, and are not installed);
- ``var/lib/dpkg/info/NAME.list``, or ``NAME:ARCH.list`` for ``Multi-Arch: same``
  packages: every path the package unpacked, absolute, directories and symlinks included;
- distroless: ``var/lib/dpkg/status.d/NAME`` (paragraphs without ``Status``: installed by
  construction) and ``status.d/NAME.md5sums`` (``md5  path`` lines, root-relative, regular
  files only).

Listed paths are spelled as the package ships them, so on a merged-/usr system
``/lib/x86_64-linux-gnu/libc.so.6`` is really ``usr/lib/x86_64-linux-gnu/libc.so.6``: the
directories are resolved through symlinks (see :class:`FileFinder`).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from jettison.image.scan import FileResolver
from jettison.inspect.attribution._catalog import Catalog, FileFinder, decode, root_relative
from jettison.inspect.attribution.model import DebianPackage

KIND = "debian"
STATUS = "var/lib/dpkg/status"
STATUS_D = "var/lib/dpkg/status.d"
INFO = "var/lib/dpkg/info"
GLOBS = (STATUS, f"{STATUS_D}/*", f"{INFO}/*.list")

_MD5SUMS = ".md5sums"


@dataclass(frozen=True)
class _Installed:
    package: DebianPackage
    lists: tuple[str, ...]
    """Candidate paths of the files listing its files (absent ones are ignored)."""
    md5sums: bool
    """Whether ``lists`` are md5sums files (``md5  path``) rather than ``.list`` files."""


def catalog(resolver: FileResolver) -> Catalog[DebianPackage]:
    packages: dict[str, DebianPackage] = {}
    lists: dict[str, list[tuple[str, bool]]] = {}
    for found in _installed(resolver):
        name = found.package.name
        # Multi-Arch packages (libc6:amd64 and libc6:i386) are one owner; the first
        # paragraph describes it.
        packages.setdefault(name, found.package)
        lists.setdefault(name, []).extend((path, found.md5sums) for path in found.lists)
    finder = FileFinder(resolver)
    claims: dict[str, str] = {}
    # dpkg refuses to let two packages own one file unless one Replaces the other, and then
    # takes the path off the loser's list; the leftovers (merged-/usr aliases of one file)
    # go to the first package by name, so the result does not depend on file order.
    for name in sorted(lists):
        seen: set[str] = set()
        for list_path, md5sums in lists[name]:
            if list_path in seen:
                continue
            seen.add(list_path)
            for path in _listed_paths(resolver.read_bytes(list_path), md5sums):
                real = finder.regular_file(path)
                if real is not None:
                    claims.setdefault(real, name)
    return Catalog(KIND, packages, claims)


def _installed(resolver: FileResolver) -> Iterator[_Installed]:
    status = resolver.read_bytes(STATUS)
    if status is not None:
        for fields in _paragraphs(decode(status)):
            package = _package(fields, require_status=True)
            if package is not None:
                arch = fields.get("architecture")
                names = [f"{package.name}:{arch}", package.name] if arch else [package.name]
                lists = tuple(f"{INFO}/{n}.list" for n in names)
                yield _Installed(package, lists, md5sums=False)
    for entry in resolver.glob(f"{STATUS_D}/*"):
        if entry.path.endswith(_MD5SUMS):
            continue
        data = resolver.read_bytes(entry.path)
        if data is None:
            continue
        for fields in _paragraphs(decode(data)):
            package = _package(fields, require_status=False)
            if package is not None:
                arch = fields.get("architecture")
                names = [entry.path, f"{STATUS_D}/{package.name}"]
                if arch:
                    names.append(f"{STATUS_D}/{package.name}:{arch}")
                lists = tuple(dict.fromkeys(f"{n}{_MD5SUMS}" for n in names))
                yield _Installed(package, lists, md5sums=True)


def _paragraphs(text: str) -> Iterator[dict[str, str]]:
    """deb822 paragraphs as {lower-case field: value}; multi-line values are not needed."""
    fields: dict[str, str] = {}
    for line in text.splitlines():
        if not line.strip():
            if fields:
                yield fields
                fields = {}
            continue
        if line[0] in " \t":
            continue  # continuation of Description, Conffiles...
        key, sep, value = line.partition(":")
        if sep:
            fields[key.strip().lower()] = value.strip()
    if fields:
        yield fields


def _package(fields: dict[str, str], *, require_status: bool) -> DebianPackage | None:
    name = fields.get("package")
    if not name:
        return None
    status = fields.get("status")
    if status is None:
        if require_status:
            return None
    elif status.rpartition(" ")[2] != "installed":
        return None
    try:
        installed_size_kib: int | None = int(fields.get("installed-size", ""))
    except ValueError:
        installed_size_kib = None  # absent or not a number: the package still owns its files
    return DebianPackage(
        name=name,
        version=fields.get("version") or None,
        section=fields.get("section") or None,
        installed_size_kib=installed_size_kib,
    )


def _listed_paths(data: bytes | None, md5sums: bool) -> Iterator[str]:
    """Root-relative paths from a ``.list`` or md5sums file (absent file: nothing)."""
    if data is None:
        return
    for line in decode(data).splitlines():
        if md5sums:
            parts = line.split(None, 1)
            if len(parts) != 2:
                continue  # not ``md5  path``: skip the line
            line = parts[1]
        path = root_relative(line)
        if path:
            yield path
