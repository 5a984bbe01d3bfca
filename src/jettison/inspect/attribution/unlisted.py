"""Owners for files no package database lists, derived from the files around them.

Installers write files their records never mention: byte code compiled on first import or
by a postinst (``py3compile``), caches, files patched in later. Once the catalogers' claims
are settled (precedence applied), two rules attribute such a file, whatever the kind of owner:

1. byte code follows its source: ``pkg/__pycache__/mod.cpython-311.pyc`` (and a legacy
   ``pkg/mod.pyc``) belongs to the owner of ``pkg/mod.py``; Debian-packaged modules
   (``python3-pip``) get the byte code their postinst compiled;
2. below a ``site-packages``/``dist-packages`` directory, a file belongs to the owner of
   the deepest directory holding it whose claimed files all have one owner: anything new in
   ``torch/lib/`` is torch's. A directory shared by several owners (the ``nvidia/``
   namespace of NVIDIA's wheels) and the site directory itself give nothing.

Files left over stay unowned.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

SITE_DIRS = ("site-packages", "dist-packages")


def derive(paths: Iterable[str], owner_by_path: Mapping[str, str]) -> dict[str, str]:
    """Owner keys for the unclaimed files among ``paths``, from the claimed
    ``owner_by_path``."""
    dirs = _OwnedDirs(owner_by_path)
    derived: dict[str, str] = {}
    for path in paths:
        if path in owner_by_path:
            continue
        head, _, name = path.rpartition("/")
        owner = _source_owner(head, name, owner_by_path) if name.endswith(".pyc") else None
        if owner is None:
            owner = dirs.owner_of(head)
        if owner is not None:
            derived[path] = owner
    return derived


def _source_owner(head: str, name: str, owner_by_path: Mapping[str, str]) -> str | None:
    if head == "__pycache__" or head.endswith("/__pycache__"):
        package = head[: -len("__pycache__")]  # keeps the trailing "/", or "" at the root
        return owner_by_path.get(f"{package}{name.partition('.')[0]}.py")
    return owner_by_path.get(f"{head}/{name[:-1]}" if head else name[:-1])


def _site_directory(path: str) -> str | None:
    """The innermost site directory above ``path`` (``.../site-packages``), if any."""
    best = -1
    for site in SITE_DIRS:
        index = path.rfind(f"/{site}/")
        if index >= 0:
            best = max(best, index + 1 + len(site))
        elif path.startswith(f"{site}/"):
            best = max(best, len(site))
    return path[:best] if best >= 0 else None


class _OwnedDirs:
    """Directories below site directories, each with the one owner of the files it holds.

    A directory holding files of two owners maps to None, and so do all its ancestors. Built
    once from the claims (a walk up from each claimed file, stopping early where nothing
    changes), so it is linear in the number of claimed files times their depth.
    """

    def __init__(self, owner_by_path: Mapping[str, str]) -> None:
        self._owner: dict[str, str | None] = {}
        self._memo: dict[str, str | None] = {}
        sites: dict[str, str | None] = {}  # a file's site directory is its directory's
        for path, owner in owner_by_path.items():
            if "-packages/" in path:
                directory = path.rpartition("/")[0]
                if directory in sites:
                    site = sites[directory]
                else:
                    site = sites[directory] = _site_directory(path)
                if site is not None:
                    self._add(directory, site, owner)

    def _add(self, directory: str, site: str, owner: str) -> None:
        prefix = site + "/"
        while directory.startswith(prefix):
            if directory not in self._owner:
                self._owner[directory] = owner
            else:
                current = self._owner[directory]
                if current is None or current == owner:
                    return  # its ancestors already hold this owner (or are shared)
                self._owner[directory] = None
            directory = directory.rpartition("/")[0]

    def owner_of(self, directory: str) -> str | None:
        """The owner of the deepest registered directory at or above ``directory``."""
        walked: list[str] = []
        owner: str | None = None
        while True:
            if directory in self._owner:
                owner = self._owner[directory]
                break
            if directory in self._memo:
                owner = self._memo[directory]
                break
            if not directory:
                break
            walked.append(directory)
            directory = directory.rpartition("/")[0]
        for path in walked:
            self._memo[path] = owner
        return owner
