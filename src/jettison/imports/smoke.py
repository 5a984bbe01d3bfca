"""A smoke command that imports what the shipped code imports.

Run in an image (``sh`` and a Python needed), :func:`command` imports each module in the
first interpreter that imports them all, trying ``python``, ``python3`` and the
virtualenvs the Dockerfile creates (:func:`interpreters`), and prints one JSON line per
interpreter tried; :func:`read` turns the output into an :class:`ImportCheck`. A check of
an image before and after a rewrite says whether the rewrite still ships what the code
needs, with the error of each module it lost.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from jettison.dockerfile.commands.python import venv_dirs
from jettison.dockerfile.model import Dockerfile
from jettison.dockerfile.paths import absolute
from jettison.dockerfile.steps import steps

CODE = """\
import importlib, json, sys
failed = {}
for name in sys.argv[1:]:
    try:
        importlib.import_module(name)
    except BaseException as exc:
        failed[name] = ((type(exc).__name__ + ": " + str(exc)).splitlines() or [""])[0][:300]
print(json.dumps({"python": sys.executable, "failed": failed}))
sys.exit(1 if failed else 0)
"""
"""Imports each module named in ``argv``; one JSON line: the interpreter and what failed."""

_SHELL = (
    'code="$1"; shift; for py in $JETTISON_PYTHONS; do '
    'command -v "$py" >/dev/null 2>&1 || continue; "$py" -c "$code" "$@" && exit 0; '
    "done; exit 1"
)


def interpreters(dockerfile: Dockerfile | None) -> tuple[str, ...]:
    """The Pythons to try, in order: ``python``, ``python3``, then ``DIR/bin/python`` of each
    virtualenv a RUN creates (``python -m venv .venv`` under ``WORKDIR /usr/src``:
    ``/usr/src/.venv/bin/python``)."""
    found = ["python", "python3"]
    if dockerfile is None:
        return tuple(found)
    for stage in dockerfile.stages:
        for step in steps(dockerfile, stage):
            for command in step.commands:
                found += [f"{absolute(d, step.cwd)}/bin/python" for d in venv_dirs(command)]
    return tuple(dict.fromkeys(found))


def command(modules: Iterable[str], pythons: Iterable[str] = ("python", "python3")) -> list[str]:
    """The argv that imports ``modules`` in the first of ``pythons`` that has them all."""
    return [
        "env", f"JETTISON_PYTHONS={' '.join(pythons)}", "sh", "-c", _SHELL, "smoke", CODE,
        *modules,
    ]  # fmt: skip


@dataclass(frozen=True)
class ImportCheck:
    """What a run of :func:`command` found: the interpreter that came closest (fewest
    failures), and each module it could not import with the error's first line."""

    python: str | None
    failed: Mapping[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.python is not None and not self.failed


NO_REPORT = "(smoke)"
"""The key of :attr:`ImportCheck.failed` when no interpreter reported at all."""


def read(stdout: str, stderr: str, exit_code: int) -> ImportCheck:
    """The check :func:`command` printed; when no interpreter printed one (no Python in
    the image, a crash), a failure under :data:`NO_REPORT` with the last line of stderr."""
    reports = []
    for line in stdout.splitlines():
        try:
            found = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(found, dict) and isinstance(found.get("failed"), dict):
            reports.append(found)
    if not reports:
        last = (stderr.strip().splitlines() or ["no output"])[-1]
        return ImportCheck(None, {NO_REPORT: f"exit code {exit_code}: {last[:300]}"})
    best = min(reports, key=lambda r: len(r["failed"]))
    return ImportCheck(str(best.get("python")), dict(best["failed"]))
