"""JT402: ``COPY . .`` (the whole build context) with no ``.dockerignore``, or with one that
lets Git history, virtualenvs, bytecode caches, notebooks, data directories or the test
suite through.

Why it matters: ``COPY .`` ships everything the context holds. ``.git`` alone is often
larger than the application; a local ``.venv`` duplicates (and can shadow) the image's own
packages; ``.env`` files leak credentials; notebooks and data directories are not code.
What the context actually contains is reported, matched with BuildKit's own
``.dockerignore`` rules (``**``, ``!`` exceptions, parent directories). A ``.dockerignore``
that lets through what the context will hold at build time, though this copy of it does
not show it, is reported as ``info``: ``.git`` when the context is the root of a checkout
(no parent folder holds one), ``.env`` when the project reads one (python-dotenv).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from jettison.dockerfile.context import Junk, find_junk
from jettison.dockerfile.copies import whole_context
from jettison.dockerfile.ignore import DockerIgnore
from jettison.dockerfile.steps import Step, all_steps
from jettison.lint.helpers import human, scoped_severity, stage_label
from jettison.lint.model import Finding, LintContext, Rule, Saving, Severity

SHOWN = 6
DEFAULT_PATTERNS = (".git", ".venv", "**/__pycache__", "**/*.ipynb", ".env")


def _listing(junk: list[Junk]) -> str:
    """The largest items first, at most ``SHOWN`` of them."""
    largest = sorted(junk, key=lambda j: (-j.size_bytes, j.path))
    shown = [f"{j.path} ({j.what}, {human(j.size_bytes)})" for j in largest[:SHOWN]]
    if len(junk) > SHOWN:
        shown.append(f"{len(junk) - SHOWN} more")
    return ", ".join(shown)


def check(ctx: LintContext) -> Iterator[Finding]:
    if ctx.dockerfile is None:
        return
    copies = [s for s in all_steps(ctx.dockerfile) if whole_context(s.instruction)]
    if not copies:
        return
    ignore = DockerIgnore(ctx.dockerignore) if ctx.dockerignore is not None else None
    scan = find_junk(ctx.context_dir, ignore)
    if ignore is not None and not scan.junk:
        yield from _probable(ctx, ignore, copies)
        return
    patterns = sorted({j.pattern for j in scan.junk}) or list(DEFAULT_PATTERNS)
    total = sum(j.size_bytes for j in scan.junk)
    saving = Saving(total, "bytes in the build context") if total and scan.complete else None
    for step in copies:
        written = f"`{step.instruction.keyword} {' '.join(step.instruction.args)}`"
        where = stage_label(step.stage)
        if ignore is None:
            message = f"{written} in {where} sends the whole build context and there is no "
            message += ".dockerignore" + (f": it ships {_listing(scan.junk)}" if scan.junk else "")
        else:
            message = (
                f"{written} in {where} ships {_listing(scan.junk)}: .dockerignore does not "
                "exclude them"
            )
        yield RULE.finding(
            ctx.dockerfile.path,
            step.instruction,
            message,
            fix=(
                f"List {', '.join(patterns[:SHOWN])} in .dockerignore, or COPY only what the "
                "service runs (`COPY app/ ./app/`)."
            ),
            saving=saving if step.runtime else None,
            severity=scoped_severity(RULE, step.runtime),
        )
        if step.runtime:
            saving = None  # counted once


def _probable(ctx: LintContext, ignore: DockerIgnore, copies: list[Step]) -> Iterator[Finding]:
    """What a build from a working copy sends that this context does not show."""
    assert ctx.dockerfile is not None
    missed = []
    if not ignore.excludes(".git") and not _inside_checkout(ctx.context_dir):
        missed.append((".git", "the Git history of a checkout"))
    if not ignore.excludes(".env") and _reads_dotenv(ctx):
        missed.append((".env", "the local .env this project reads with python-dotenv (secrets)"))
    if not missed:
        return
    for step in copies:
        written = f"`{step.instruction.keyword} {' '.join(step.instruction.args)}`"
        yield RULE.finding(
            ctx.dockerfile.path,
            step.instruction,
            f"{written} in {stage_label(step.stage)}: .dockerignore does not exclude "
            f"{', '.join(name for name, _ in missed)}, so a build from a working copy ships "
            f"{' and '.join(what for _, what in missed)}",
            fix=f"List {', '.join(name for name, _ in missed)} in .dockerignore.",
            severity=Severity.INFO,
        )


def _inside_checkout(context_dir: Path) -> bool:
    """A parent folder of the context holds ``.git``: the context is a subfolder, without one."""
    try:
        return any((parent / ".git").exists() for parent in context_dir.resolve().parents)
    except OSError:
        return False


def _reads_dotenv(ctx: LintContext) -> bool:
    if any(r.name == "python-dotenv" for r in ctx.requirements.requirements):
        return True
    return any(i.module == "dotenv" for i in ctx.imports)


RULE = Rule(
    code="JT402",
    name="copy-whole-context",
    severity=Severity.WARNING,
    summary="`COPY . .` without a .dockerignore that keeps .git, venvs, caches and data out.",
    check=check,
    example="COPY . .    # no .dockerignore; the context has .git/, .venv/ and data/",
    fix_example=(
        "# .dockerignore\n.git\n.venv\n**/__pycache__\n**/*.ipynb\ndata/\n\n# Dockerfile\nCOPY . ."
    ),
)
