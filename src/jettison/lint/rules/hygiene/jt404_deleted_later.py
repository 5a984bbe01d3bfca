"""JT404: files deleted, purged, cleaned or overwritten by a later layer than the one that
added them.

Why it matters: layers only add. ``COPY big.tar.gz`` followed by ``RUN rm big.tar.gz``, a
``wget`` in one RUN and its ``rm`` in the next, ``apt-get purge gcc`` after the RUN that
installed it, ``conda clean`` or ``rm -rf /var/lib/apt/lists/*`` in a RUN of their own: the
bytes ship anyway, the later layer only hides them (a whiteout). An overwrite stores the
data twice: the same ``wget -O`` target downloaded again, or ``COPY --from=builder
/usr/local /usr/local`` over the ``python`` image's own interpreter. Delete in the same RUN
that creates the file, mount it for the one RUN that needs it (``RUN --mount=type=bind``),
or build in a stage whose results are copied.

Only the stages of the final image are checked; a path counts when the Dockerfile (or the
build context, for ``COPY .``) shows that an earlier instruction added it. Deletes measured
in the build context at under 1 MB in all, and a rewritten Python standard library (tens of
MB), are reported as ``info``.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from jettison.dockerfile.commands.caches import CACHES, Cache, left_by
from jettison.dockerfile.commands.cleanup import removed_paths, removes
from jettison.dockerfile.commands.downloads import fetches
from jettison.dockerfile.commands.system import (
    INSTALL,
    LISTS,
    REMOVE,
    is_apt,
    package_name,
    packages_if,
)
from jettison.dockerfile.model import Dockerfile, Instruction
from jettison.dockerfile.paths import absolute
from jettison.dockerfile.shell import Command
from jettison.dockerfile.steps import Step, chain, expand, runtime_steps
from jettison.imageref import parse_image
from jettison.lint.helpers import commands_run, human, runs
from jettison.lint.model import Finding, LintContext, Rule, Severity
from jettison.lint.rules.hygiene._created import Created, reached_later
from jettison.lint.savings import hidden_saving

SHOWN = 4
SMALL_BYTES = 1_000_000
"""Below this (known from the build context), a later delete is reported as ``info``."""
FIX_DELETE = (
    "Delete files in the RUN that creates them, use `RUN --mount=type=bind` for files only one "
    "RUN needs, or keep them out of the build (.dockerignore, a narrower COPY)."
)
FIX_OVERWRITE = "Download each file once (drop the repeated download)."
FIX_PURGE = (
    "Purge build packages in the RUN that installs them, or build in a builder stage whose "
    "results the final stage copies."
)
FIX_CLEAN = "Clean the cache in the same RUN that fills it."
FIX_PYTHON = (
    "Copy only what the builder added (its site-packages and bin), or install with "
    "`pip install --prefix=/install` and `COPY --from=builder /install /usr/local`."
)
_PYTHON_LIB = re.compile(r"^/usr/local(?:/lib(?:/python3(?:\.\d+)?)?)?$")
"""``/usr/local`` and the folders of it that hold the ``python`` image's standard library."""


@dataclass
class _Hits:
    """What one instruction deletes or rewrites of earlier layers."""

    instruction: Instruction
    described: list[str] = field(default_factory=list)
    targets: list[str] = field(default_factory=list)
    """Paths whose hidden bytes ``--image`` can measure."""
    sizes: list[int | None] = field(default_factory=list)
    """Bytes known from the build context, per deleted path (None: not known)."""
    small: bool = False
    """Known to be small whatever ``sizes`` say (a standard library)."""
    fixes: dict[str, None] = field(default_factory=dict)
    """What to do, per kind of hit, in order."""


def _deleted(command: Command, step: Step) -> list[str]:
    return [t for t in removed_paths(command, step.cwd, step.env) if t != "/"]


def _written(command: Command, step: Step) -> list[str]:
    return [
        absolute(expand(f.path, step.env), step.cwd) for f in fetches(command) if f.path is not None
    ]


def _origin(origin: Created) -> str:
    return f"{origin.how} on line {origin.instruction.position.line}"


def _deletes(ctx: LintContext, out: dict[int, _Hits]) -> None:
    for step, reached in reached_later(ctx, _deleted):
        hits = out.setdefault(step.instruction.position.line, _Hits(step.instruction))
        for _, target, origin in reached:
            size = origin.context_bytes(target)
            hits.described.append(
                f"deletes {target} ({_origin(origin)}"
                + (f", {human(size)}" if size is not None else "")
                + ")"
            )
            hits.targets.append(target)
            hits.sizes.append(size)
            hits.fixes[FIX_DELETE] = None


def _overwrites(ctx: LintContext, out: dict[int, _Hits]) -> None:
    """Downloads into a file an earlier layer already holds (the same path, not a new file
    in a folder an earlier layer made)."""
    for step, reached in reached_later(ctx, _written):
        for _, target, origin in reached:
            if origin.path != target or origin.owns_below:
                continue
            hits = out.setdefault(step.instruction.position.line, _Hits(step.instruction))
            hits.described.append(
                f"downloads {target} again, over the one of line {origin.instruction.position.line}"
            )
            hits.targets.append(target)
            hits.sizes.append(None)
            hits.fixes[FIX_OVERWRITE] = None


def _purges(ctx: LintContext, out: dict[int, _Hits]) -> None:
    """Packages removed by a later RUN than the one that installed them."""
    assert ctx.dockerfile is not None
    installed: dict[str, int] = {}
    for step in runs(runtime_steps(ctx.dockerfile)):
        removed: dict[str, int] = {}
        for command in commands_run(ctx, step):
            for word in packages_if(command, REMOVE) or []:
                name = package_name(expand(word, step.env))
                if name in installed:
                    removed[name] = installed.pop(name)
            for word in packages_if(command, INSTALL) or []:
                installed.pop(package_name(expand(word, step.env)), None)
        for command in commands_run(ctx, step):
            for word in packages_if(command, INSTALL) or []:
                installed[package_name(expand(word, step.env))] = step.instruction.position.line
        for line in sorted(set(removed.values())):
            names = sorted(n for n, at in removed.items() if at == line)
            hits = out.setdefault(step.instruction.position.line, _Hits(step.instruction))
            hits.described.append(f"removes {', '.join(names)} (installed on line {line})")
            hits.sizes.append(None)
            hits.fixes[FIX_PURGE] = None


def _cleans_cache(cache: Cache, commands: list[Command], step: Step) -> bool:
    if any(cache.cleans(c) for c in commands):
        return True
    dirs = [absolute(d, step.cwd) for d in cache.dirs(step.env)]
    return any(removes(commands, d, step.cwd, step.env) for d in dirs)


def _cleans(ctx: LintContext, out: dict[int, _Hits]) -> None:
    """A RUN of its own that cleans a package cache (or apt's lists) earlier RUNs left."""
    assert ctx.dockerfile is not None
    left: dict[str, list[int]] = {}
    for step in runs(runtime_steps(ctx.dockerfile)):
        commands = commands_run(ctx, step)
        line = step.instruction.position.line
        cleaned: list[tuple[str, list[int]]] = []
        for name, cache in CACHES.items():
            fills = any(cache.installs(c) for c in commands)
            if name in left and not fills and _cleans_cache(cache, commands, step):
                cleaned.append((cache.what, left.pop(name)))
            if left_by(cache, step.instruction, commands, step.cwd, step.env) is not None:
                left.setdefault(name, []).append(line)
        updates = any(is_apt(c, "update") for c in commands)
        lists_removed = removes(commands, LISTS, step.cwd, step.env)
        if "apt" in left and not updates and lists_removed:
            cleaned.append((f"apt's package lists ({LISTS})", left.pop("apt")))
        if updates and not lists_removed:
            left.setdefault("apt", []).append(line)
        for what, lines in cleaned:
            hits = out.setdefault(line, _Hits(step.instruction))
            where = ", ".join(str(n) for n in lines)
            hits.described.append(f"cleans {what}, filled on line{'s' * (len(lines) > 1)} {where}")
            hits.sizes.append(None)
            hits.fixes[FIX_CLEAN] = None


def _python_rewrites(ctx: LintContext, out: dict[int, _Hits]) -> None:
    """``COPY --from=<stage> /usr/local /usr/local`` onto a ``python`` image: the base's own
    interpreter and standard library are written again."""
    assert ctx.dockerfile is not None
    for step in runtime_steps(ctx.dockerfile):
        instruction = step.instruction
        if instruction.keyword != "COPY" or not instruction.flag("from"):
            continue
        if not _on_python_image(ctx.dockerfile, step) or len(instruction.args) != 2:
            continue
        source, dest = (posixpath.normpath(expand(a, step.env)) for a in instruction.args)
        dest = absolute(dest, step.cwd)
        if source != dest or not _PYTHON_LIB.match(dest):
            continue
        hits = out.setdefault(instruction.position.line, _Hits(instruction))
        hits.described.append(
            f"rewrites {dest} over the base image's own Python (interpreter and standard "
            "library, tens of MB)"
        )
        hits.small = True
        hits.fixes[FIX_PYTHON] = None


def _on_python_image(dockerfile: Dockerfile, step: Step) -> bool:
    ref = parse_image(chain(dockerfile, step.stage)[0].base_expanded)
    return ref is not None and ref.name == "python"


def _severity(hits: _Hits) -> Severity | None:
    if hits.small and len(hits.described) == 1:
        return Severity.INFO
    known = [s for s in hits.sizes if s is not None]
    if hits.sizes and len(known) == len(hits.sizes) and sum(known) < SMALL_BYTES:
        return Severity.INFO
    return None


def check(ctx: LintContext) -> Iterator[Finding]:
    if ctx.dockerfile is None:
        return
    found: dict[int, _Hits] = {}
    for collect in (_deletes, _overwrites, _purges, _cleans, _python_rewrites):
        collect(ctx, found)
    for line in sorted(found):
        hits = found[line]
        described = hits.described[:SHOWN]
        if len(hits.described) > SHOWN:
            described.append(f"{len(hits.described) - SHOWN} more")
        yield RULE.finding(
            ctx.dockerfile.path,
            hits.instruction,
            f"this {hits.instruction.keyword} {'; '.join(described)}: the earlier layers still "
            "ship what it deletes or rewrites",
            fix=" ".join(hits.fixes),
            saving=hidden_saving(ctx, hits.targets) if hits.targets else None,
            severity=_severity(hits),
        )


RULE = Rule(
    code="JT404",
    name="deleted-in-later-layer",
    severity=Severity.WARNING,
    summary="Files are deleted, purged or overwritten in a later layer: they still ship.",
    check=check,
    example=(
        "COPY model.tar.gz /tmp/\n"
        "RUN tar -xzf /tmp/model.tar.gz -C /opt/model\n"
        "RUN rm /tmp/model.tar.gz"
    ),
    fix_example=(
        "RUN --mount=type=bind,source=model.tar.gz,target=/tmp/model.tar.gz \\\n"
        "    mkdir -p /opt/model && tar -xzf /tmp/model.tar.gz -C /opt/model"
    ),
)
