"""Each change's estimated saving: what lint measured for the finding(s) it resolves.

``fix`` runs lint's rules on the context it rewrites (with a wheel-size provider, as
``jettison lint`` does) and gives each change the saving of the findings it resolves:

- a requirement moved to the development file or renamed (the codes of
  :data:`PER_REQUIREMENT`): the finding of that code at that requirement's line;
- any other change: the findings of its lint codes, each code claimed by the first change
  that names it, so no finding is counted twice (the CPU-torch change carries JT302's; the
  re-pins that follow it carry none);
- the ``.dockerignore`` fix writes (JT402): the part of lint's figure that file excludes,
  since it leaves out fewer kinds of files than lint lists;
- no saving: changes with no lint code (``cuda``, ``removable:...``), the summary line of
  the moved requirements (each moved one carries its own), and JT501 (the weights stay).

A saving is None when lint measured none: a change without a number beats a number
without a source.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from pathlib import Path

from jettison.dockerfile.context import find_junk
from jettison.dockerfile.ignore import DockerIgnore
from jettison.fix.changes import Change
from jettison.lint.model import Finding

PER_REQUIREMENT = frozenset({"JT301", "JT303", "JT304", "JT305", "JT306", "JT307", "JT309"})
"""Codes whose findings sit on one requirement each: a change claims them by line only."""
KEPT = frozenset({"JT501"})
"""Codes whose change keeps the bytes (baked weights stay, with a warning)."""


def _same_file(a: Path, b: Path) -> bool:
    # lint shows paths relative to the current directory; both resolve against it
    return a.resolve() == b.resolve()


def _total(findings: Iterable[Finding]) -> int | None:
    sizes = [f.saving.size_bytes for f in findings if f.saving is not None]
    return sum(sizes) if sizes else None


def requirement_saving(findings: Sequence[Finding], code: str, file: Path, line: int) -> int | None:
    """The saving of the ``code`` finding at ``file``:``line`` (a requirement), if any."""
    return _total(
        f for f in findings if f.code == code and f.line == line and _same_file(f.file, file)
    )


def assign_savings(changes: Sequence[Change], findings: Sequence[Finding]) -> tuple[Change, ...]:
    """``changes`` with the savings of the findings of their codes (see the module
    docstring): each code goes to the first change naming it."""
    claimed: set[str] = set()
    out: list[Change] = []
    for change in changes:
        codes = [
            c
            for c in change.codes
            if c.startswith("JT") and c not in PER_REQUIREMENT | KEPT and c not in claimed
        ]
        claimed.update(codes)
        saving = _total(f for f in findings if f.code in codes)
        out.append(dataclasses.replace(change, saving_bytes=saving))
    return tuple(out)


def dockerignore_saving(
    findings: Sequence[Finding], context_dir: Path, patterns: Iterable[str]
) -> int | None:
    """What a new ``.dockerignore`` with ``patterns`` keeps out of ``COPY . .``: lint's
    JT402 figure (the junk the context holds) less the junk those patterns let through."""
    measured = _total(f for f in findings if f.code == "JT402")
    if measured is None:
        return None
    left = find_junk(context_dir, DockerIgnore(patterns))
    if not left.complete:
        return None
    saved = measured - sum(j.size_bytes for j in left.junk)
    return saved if saved > 0 else None
