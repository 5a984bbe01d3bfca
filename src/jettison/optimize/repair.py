"""When the optimized image fails the check the original passes: find the fix that breaks it
and build without it, or with the remedy that keeps it.

Only unsafe fixes can break a service (safe ones cannot change what it sees), so they are the
suspects. A non-root user that cannot write where the service writes is first given those
directories, learnt from the failure (``PermissionError: ... '/app/app/vocab.txt'``): the
service keeps running unprivileged. Otherwise the suspects are bisected: build without one
half; if that passes, the culprit is in that half, else in the other. Each step is one build
and one check; the last passing build is the result.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from jettison.fix.autofix import BY_CODE
from jettison.fix.changes import Change
from jettison.fix.core import RESTRUCTURE

NON_ROOT = "JT601"
_DENIED = re.compile(r"Permission denied:?\s*['\"]?(/[^'\"\s:]+)")


@dataclass(frozen=True)
class Attempt:
    """What the optimized image is built with: the fixes left out, the directories a
    non-root user owns."""

    skipped: tuple[str, ...] = ()
    writable: tuple[str, ...] = ()


@dataclass(frozen=True)
class Outcome:
    attempt: Attempt
    passed: bool
    failure: str
    """Why the check failed (verify's reason), empty when it passed."""


Try = Callable[[Attempt], Outcome]


def suspects(changes: Sequence[Change], restructured: bool) -> list[str]:
    """The unsafe fixes among ``changes``, the restructure first (it changes the most)."""
    out = [RESTRUCTURE] if restructured else []
    for change in changes:
        for code in change.codes:
            autofix = BY_CODE.get(code)
            if autofix is not None and not autofix.safe and code not in out:
                out.append(code)
    return out


def written_dirs(output: str) -> tuple[str, ...]:
    """The directories a failed run tried to write without permission: the folder of each
    file a ``Permission denied`` names (the path itself when it has no file suffix)."""
    out: list[str] = []
    for path in _DENIED.findall(output):
        folder = posixpath.dirname(path) if posixpath.splitext(path)[1] else path
        if folder not in ("", "/") and folder not in out:
            out.append(folder)
    return tuple(out)


def repair(first: Outcome, output: str, unsafe: Sequence[str], attempt: Try) -> list[Outcome]:
    """The attempts made after ``first`` failed (its run said ``output``), the last one the
    result: the non-root remedy when the failure is a write the user may not do, else the
    bisection of the ``unsafe`` fixes; at worst every unsafe fix left out."""
    tried: list[Outcome] = []
    dirs = written_dirs(output)
    if NON_ROOT in unsafe and dirs:
        kept = attempt(Attempt(writable=dirs))
        tried.append(kept)
        if kept.passed:
            return tried
    candidates = list(unsafe)
    while len(candidates) > 1:
        half = candidates[: len(candidates) // 2]
        outcome = attempt(Attempt(skipped=tuple(half)))
        tried.append(outcome)
        candidates = half if outcome.passed else candidates[len(half) :]
    if candidates:
        alone = attempt(Attempt(skipped=tuple(candidates)))
        tried.append(alone)
        if alone.passed:
            return tried
    if len(unsafe) > 1 and not (tried and tried[-1].passed):
        tried.append(attempt(Attempt(skipped=tuple(unsafe))))
    return tried
