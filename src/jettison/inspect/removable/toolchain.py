"""``toolchain``: compilers, build tools, headers and static libraries.

Two sources, in this order:

* every file of a Debian package that is part of a build toolchain
  (:func:`jettison.facts.system.is_toolchain_package`): compilers, binutils, make/cmake,
  ``build-essential``, ``dpkg-dev``, any ``*-dev`` package (NVIDIA's ``libcublas-dev-12-1``
  style included) and the private libraries only compilers and binutils use.
  ``gcc-12-base`` is not one (``libgcc-s1`` depends on it), nor is ``git``;
* files that only a build reads, whoever owns them: ``usr/include``, ``usr/local/include``,
  static libraries (``*.a``, read only at link time) anywhere, and C/C++/CUDA headers in an
  ``include`` directory inside ``site-packages`` (``torch/include``, ``nvidia/*/include``).

Rolls up: a package is one row (path: its dpkg ``.list`` file, owner ``debian:NAME``); other
files roll up by include directory, or by the directory of a static library, with their owner.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator

from jettison.facts.system import is_toolchain_package
from jettison.inspect.removable._cause import Cause, Claim, PathPatterns, Unclaimed, common_dir

HEADER_DIRS = PathPatterns(
    r"(usr/include)/.+",
    r"(usr/local/include)/.+",
    r"(.+?/(?:site|dist)-packages/(?:[^/]+/)*?include)/.+\.(?:h|hh|hpp|hxx|cuh|inl|inc|tcc)",
    needles=("include/",),
)
"""Files only a build reads; group 1 is the include directory reported in ``top``."""


def find(unclaimed: Unclaimed) -> Iterator[Claim]:
    lists = _dpkg_lists(unclaimed)
    for _, package in sorted(unclaimed.ownership.debian.items()):
        if is_toolchain_package(package.name):
            paths = [p for p in package.files if p in unclaimed]
            row = lists.get(package.name) or common_dir(paths)
            yield Claim(paths, row, f"debian:{package.name}")
    owner_of = unclaimed.ownership.owner_of
    groups: dict[str, str] = {}  # one string per rolled-up directory, not one per file
    for path in [p for p in unclaimed if "include/" in p or p.endswith(".a")]:
        group = _build_only_dir(path)
        if group is not None:
            yield Claim((path,), groups.setdefault(group, group), owner_of(path))


def _build_only_dir(path: str) -> str | None:
    if (include := HEADER_DIRS.rollup(path)) is not None:
        return include
    if path.endswith(".a"):
        return posixpath.dirname(path)
    return None


def _dpkg_lists(unclaimed: Unclaimed) -> dict[str, str]:
    """Package name -> its dpkg file list (``var/lib/dpkg/info/NAME[:ARCH].list``)."""
    lists: dict[str, str] = {}
    for entry in unclaimed.resolver.glob("var/lib/dpkg/info/*.list"):
        name = posixpath.basename(entry.path).removesuffix(".list").partition(":")[0]
        lists.setdefault(name, entry.path)
    return lists


CAUSE = Cause(
    code="toolchain",
    title="Compilers, build tools and headers",
    advice=(
        "Compilers, `-dev` packages, headers and static libraries are needed to build "
        "extensions, not to run them. Build in one stage (e.g. a CUDA `-devel` image with "
        "build-essential) and copy only the installed environment into a slim or `-runtime` "
        "final stage (multi-stage build); or `apt-get purge --auto-remove build-essential "
        "...-dev` in the same RUN that used them. Keep them if the service compiles at run "
        "time: torch.compile (Inductor, Triton) and other JIT compilers need gcc, Python.h "
        "and the torch/triton headers."
    ),
    find=find,
)
