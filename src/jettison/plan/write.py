"""Writing a plan's files: atomically, and never over what a plan did not write.

A folder a plan wrote holds the :data:`MARKER` file listing its files; ``--force`` replaces
only those.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Iterable
from pathlib import Path, PurePosixPath

from jettison.errors import ConfigError
from jettison.plan.discover import PLAN_MARKER, normal
from jettison.plan.model import (
    Generated,
)

MARKER = PLAN_MARKER
"""The file in ``out_dir`` that lists what :func:`write` wrote (``--force`` replaces only
those files); discovery skips any folder holding it."""


def write(generated: Generated, *, force: bool) -> None:
    """Write ``generated`` into its ``out_dir``, each file atomically.

    Refuses (:class:`ConfigError`, nothing written) when ``out_dir`` is outside the build
    context of the images it generates, or exists and is not empty, unless ``force`` and a
    previous plan wrote it (the ``.jettison-plan`` marker). With ``force``, only the files the
    previous plan wrote are replaced or removed; anything else there is left alone, and a file
    of the user's at a path the plan generates is a refusal. A fresh ``out_dir`` appears at
    once, complete (staged next to it, then renamed).
    """
    out_dir = generated.out_dir
    _check_inside_context(generated)
    files = dict(zip((p.as_posix() for p in generated.files), generated.contents, strict=True))
    for relative in files:
        _check_relative(relative)
    if out_dir.is_symlink() or (out_dir.exists() and not out_dir.is_dir()):
        raise ConfigError(
            f"{out_dir}: exists and is not a directory",
            hint="give --out a new folder inside the repository",
        )
    if not out_dir.exists() or not any(out_dir.iterdir()):
        _write_fresh(out_dir, files)
        return
    previous = _read_marker(out_dir)
    if previous is None:
        raise ConfigError(
            f"{out_dir}: exists, is not empty and was not written by jettison plan",
            hint="give --out a new or empty folder; --force only replaces a previous plan",
        )
    if not force:
        raise ConfigError(
            f"{out_dir}: a previous plan is there",
            hint="add --force to replace the files it wrote (other files are kept)",
        )
    _write_over(out_dir, files, previous)


# -- writing --------------------------------------------------------------------------------


def _check_inside_context(generated: Generated) -> None:
    """The generated images copy from ``out_dir`` with their context: it must be inside."""
    out_dir = generated.out_dir
    for step in generated.build_order:
        if step.service in generated.kept_original:
            continue  # built from its own Dockerfile and context, as before
        context = normal(step.context)
        if not normal(out_dir).is_relative_to(context) or normal(out_dir) == context:
            raise ConfigError(
                f"{out_dir}: not a folder inside the build context {step.context}",
                hint="give --out a folder inside the repository (default: jettison-plan/)",
            )


def _check_relative(relative: str) -> None:
    path = PurePosixPath(relative)
    if path.is_absolute() or ".." in path.parts or not path.parts or relative == MARKER:
        raise ConfigError(f"{relative}: not a file path plan may write under its folder")


def _read_marker(out_dir: Path) -> frozenset[str] | None:
    """The files a previous plan wrote in ``out_dir``, None when it did not write it."""
    marker = out_dir / MARKER
    if marker.is_symlink() or not marker.is_file():
        return None
    try:
        data = json.loads(marker.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("generator") != "jettison plan":
        return None
    files = data.get("files")
    if not isinstance(files, list):
        return None
    out = set()
    for item in files:
        if isinstance(item, str):
            path = PurePosixPath(item)
            if item and not path.is_absolute() and ".." not in path.parts:
                out.add(item)
    return frozenset(out)


def _marker_text(files: Iterable[str]) -> str:
    return json.dumps({"generator": "jettison plan", "files": sorted(files)}, indent=2) + "\n"


def _put(directory: Path, relative: str, text: str) -> None:
    target = directory / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    if relative.endswith(".sh"):
        target.chmod(0o755)


def _write_fresh(out_dir: Path, files: dict[str, str]) -> None:
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.tmp-", dir=out_dir.parent))
    try:
        for relative, text in files.items():
            _put(stage, relative, text)
        _put(stage, MARKER, _marker_text(files))
        stage.chmod(0o755)
        if out_dir.exists():
            out_dir.rmdir()  # empty (checked): the rename needs the name free
        stage.rename(out_dir)
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise


def _inside(out_dir: Path, relative: str) -> Path:
    """``out_dir/relative``, refusing paths that leave ``out_dir`` through a symlink."""
    target = out_dir / relative
    real = out_dir.resolve()
    parent = target.parent.resolve()
    if not parent.is_relative_to(real) or target.is_symlink():
        raise ConfigError(
            f"{target}: leads outside {out_dir} (a symbolic link)",
            hint="remove the link or give --out a new folder",
        )
    return target


def _write_over(out_dir: Path, files: dict[str, str], previous: frozenset[str]) -> None:
    """Replace a previous plan's files; a user's file at a generated path is a refusal."""
    for relative in files:
        target = _inside(out_dir, relative)
        if target.exists() and relative not in previous:
            raise ConfigError(
                f"{target}: not written by jettison plan; --force would overwrite it",
                hint="move the file away, or give --out a new folder",
            )
        if target.exists() and not target.is_file():
            raise ConfigError(f"{target}: not a regular file", hint="move it away first")
    stale = [r for r in sorted(previous - set(files)) if (out_dir / r).is_file()]
    for relative in stale:
        _inside(out_dir, relative)
    stage = Path(tempfile.mkdtemp(prefix=".jettison-plan.tmp-", dir=out_dir))
    try:
        for relative, text in files.items():
            _put(stage, relative, text)
        for relative in files:
            target = out_dir / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            (stage / relative).replace(target)
        for relative in stale:
            (out_dir / relative).unlink()
            _remove_empty_parents(out_dir, out_dir / relative)
        _put(stage, MARKER, _marker_text(files))
        (stage / MARKER).replace(out_dir / MARKER)
    finally:
        shutil.rmtree(stage, ignore_errors=True)


def _remove_empty_parents(out_dir: Path, path: Path) -> None:
    parent = path.parent
    while parent != out_dir and parent.is_relative_to(out_dir):
        try:
            parent.rmdir()
        except OSError:
            return
        parent = parent.parent
