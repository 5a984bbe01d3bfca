"""Python requirements from requirements*.txt, pyproject.toml and conda environment.yml.

:func:`load_requirements` is the entry point: it reads the files given (or finds them in the
build context) into one :class:`~jettison.requirements.model.RequirementSet`. What cannot be
understood becomes a ``problem`` of the set; only a named file that cannot be read at all
raises :class:`~jettison.errors.RequirementsError`.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Sequence
from pathlib import Path

from jettison.requirements._collect import Collector
from jettison.requirements.conda import parse_environment_yml, read_environment_yml
from jettison.requirements.model import Requirement, RequirementSet
from jettison.requirements.pyproject import parse_pyproject, read_pyproject
from jettison.requirements.requirements_txt import parse_requirements_txt, read_requirements_txt
from jettison.requirements.setup_py import parse_setup_py, read_setup_py

__all__ = [
    "Requirement",
    "RequirementSet",
    "discover_requirement_files",
    "load_requirements",
    "parse_environment_yml",
    "parse_pyproject",
    "parse_requirements_txt",
    "parse_setup_py",
]

_SKIPPED_DIRS = frozenset({"node_modules", "venv", "site-packages", "__pycache__"})
_TOP_LEVEL_PATTERNS = ("requirements*.txt", "pyproject.toml", "environment.yml", "environment.yaml")


def discover_requirement_files(context_dir: Path) -> tuple[Path, ...]:
    """Requirement files in ``context_dir`` and its immediate subdirectories.

    ``requirements*.txt``, ``pyproject.toml``, ``environment.yml``/``.yaml``, and every
    ``*.txt`` of a directory named ``requirements`` (the ``requirements/base.txt`` layout).
    Hidden directories (``.git``, ``.venv``...), ``venv``, ``node_modules``,
    ``site-packages``, ``__pycache__`` and virtualenvs (a ``pyvenv.cfg``) are not entered.
    Order: the context's own files first, then by path.
    """
    found: list[Path] = []
    found.extend(_matching(context_dir, _TOP_LEVEL_PATTERNS))
    for child in sorted(context_dir.iterdir()) if context_dir.is_dir() else []:
        if not child.is_dir() or child.is_symlink() or _skipped(child):
            continue
        patterns = ("*.txt", *_TOP_LEVEL_PATTERNS) if child.name == "requirements" else None
        found.extend(_matching(child, patterns or _TOP_LEVEL_PATTERNS))
    return tuple(found)


def _matching(directory: Path, patterns: Sequence[str]) -> list[Path]:
    try:
        entries = sorted(directory.iterdir())
    except OSError:
        return []
    return [
        entry
        for entry in entries
        if entry.is_file() and any(fnmatch.fnmatchcase(entry.name.lower(), p) for p in patterns)
    ]


def _skipped(directory: Path) -> bool:
    return (
        directory.name.startswith(".")
        or directory.name in _SKIPPED_DIRS
        or (directory / "pyvenv.cfg").exists()
    )


def load_requirements(context_dir: Path, files: Sequence[Path] | None = None) -> RequirementSet:
    """Every requirement declared in ``files`` (default: :func:`discover_requirement_files`).

    Relative ``files`` are taken from ``context_dir`` (or as given, when only that exists).
    The file kind follows the name: ``*.toml`` is a pyproject, ``setup.py`` a setuptools
    script (its literal ``install_requires``/``extras_require``), ``*.yml``/``*.yaml`` a conda
    environment, anything else a requirements file. Includes may not leave ``context_dir``.
    A file already read (as an include of an earlier one) is not read twice.
    """
    out = Collector(root=context_dir)
    paths = discover_requirement_files(context_dir) if files is None else files
    for path in paths:
        read_requirement_file(_locate(context_dir, path), out)
    return out.build()


def read_requirement_file(path: Path, out: Collector) -> None:
    """Add one file to ``out``, by its kind."""
    suffix = path.suffix.lower()
    if suffix == ".toml":
        read_pyproject(path, out)
    elif path.name == "setup.py":
        read_setup_py(path, out)
    elif suffix in (".yml", ".yaml"):
        read_environment_yml(path, out)
    else:
        read_requirements_txt(path, out)


def _locate(context_dir: Path, path: Path) -> Path:
    if path.is_absolute():
        return path
    candidate = context_dir / path
    if not candidate.exists() and path.exists():
        return path
    return candidate
