"""What a whole-context ``COPY .`` would ship that an image never needs, found by looking
at the build context itself (bounded: a linter must stay fast on a large repository).

Lint's JT402 reports it; ``fix`` writes the ``.dockerignore`` lines and counts their saving
from the same scan.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from jettison.dockerfile.ignore import DockerIgnore

MAX_ENTRIES = 100_000
"""Directory entries looked at, in all; beyond that the scan stops (and sizes are partial)."""

TOP_LEVEL: dict[str, str] = {
    ".git": "Git history",
    ".hg": "Mercurial history",
    ".svn": "Subversion metadata",
    ".venv": "virtualenv",
    "venv": "virtualenv",
    "data": "data directory",
    "datasets": "data directory",
    "dataset": "data directory",
    "mlruns": "MLflow runs",
    "wandb": "Weights & Biases runs",
    "lightning_logs": "Lightning logs",
    ".pytest_cache": "tool cache",
    ".mypy_cache": "tool cache",
    ".ruff_cache": "tool cache",
    ".tox": "tool cache",
    ".nox": "tool cache",
    "node_modules": "node_modules",
    "tests": "test suite",
}
"""Entries at the context root that should not ship (name -> what it is)."""
ANYWHERE_DIRS: dict[str, str] = {
    "__pycache__": "Python bytecode cache",
    ".ipynb_checkpoints": "notebook checkpoints",
}
NOTEBOOK_SUFFIX = ".ipynb"
_PRUNE = frozenset({".git", ".hg", ".svn", "node_modules", ".venv", "venv", ".tox", ".nox"})


@dataclass(frozen=True, slots=True)
class Junk:
    path: str
    """Relative to the context, slash-separated."""
    what: str
    size_bytes: int
    pattern: str
    """The .dockerignore line that would exclude it."""


@dataclass(frozen=True, slots=True)
class Scan:
    junk: list[Junk]
    complete: bool
    """False when the entry budget ran out (sizes and the list may be short)."""


def find_junk(context: Path, ignore: DockerIgnore | None) -> Scan:
    """Junk in ``context`` that is not excluded by ``ignore`` (everything when None)."""
    budget = [MAX_ENTRIES]
    found: list[Junk] = []

    def sent(relative: str) -> bool:
        return ignore is None or not ignore.excludes(relative)

    try:
        top = sorted(os.scandir(context), key=lambda e: e.name)
    except OSError:
        return Scan([], True)
    for entry in top:
        what = _top_level(entry)
        if what is not None and sent(entry.name):
            found.append(Junk(entry.name, what, _size(Path(entry.path), budget), entry.name))
    for root, dirs, files in os.walk(context):
        relative_root = os.path.relpath(root, context).replace(os.sep, "/")
        relative_root = "" if relative_root == "." else relative_root + "/"
        budget[0] -= len(dirs) + len(files)
        if budget[0] < 0:
            break
        keep = []
        for name in sorted(dirs):
            relative = relative_root + name
            if name in _PRUNE or (not relative_root and name in TOP_LEVEL):
                continue
            if (Path(root) / name / "pyvenv.cfg").is_file():
                continue  # a virtualenv: reported at the root, not walked
            if not sent(relative):
                continue
            if name in ANYWHERE_DIRS:
                size = _size(Path(root) / name, budget)
                found.append(Junk(relative, ANYWHERE_DIRS[name], size, f"**/{name}"))
                continue
            keep.append(name)
        dirs[:] = keep
        for name in sorted(files):
            relative = relative_root + name
            if name.endswith(NOTEBOOK_SUFFIX) and sent(relative):
                size = _size(Path(root) / name, budget)
                found.append(Junk(relative, "notebook", size, f"**/*{NOTEBOOK_SUFFIX}"))
    return Scan(sorted(found, key=lambda j: j.path), budget[0] >= 0)


def _top_level(entry: os.DirEntry[str]) -> str | None:
    """What a root entry is, when it is junk."""
    if _is_dir(entry):
        if (Path(entry.path) / "pyvenv.cfg").is_file():
            return "virtualenv"
        return TOP_LEVEL.get(entry.name)
    if entry.name == ".env":
        return "environment file (often secrets)"
    return TOP_LEVEL.get(entry.name) if entry.name == ".git" else None


def _is_dir(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_dir(follow_symlinks=False)
    except OSError:
        return False


def tree_bytes(path: Path) -> int | None:
    """Bytes of a file or directory tree (symlinks not followed); None when the tree is too
    large to walk quickly or cannot be read."""
    budget = [MAX_ENTRIES]
    try:
        if not path.exists():
            return None
    except OSError:
        return None
    size = _size(path, budget)
    return size if budget[0] >= 0 else None


def _size(path: Path, budget: list[int]) -> int:
    """Bytes under ``path`` (symlinks not followed), within the shared entry budget."""
    try:
        if not path.is_dir() or path.is_symlink():
            return path.lstat().st_size
    except OSError:
        return 0
    total = 0
    for root, dirs, files in os.walk(path):
        budget[0] -= len(dirs) + len(files)
        if budget[0] < 0:
            break
        for name in files:
            try:
                total += (Path(root) / name).lstat().st_size
            except OSError:
                continue
    return total
