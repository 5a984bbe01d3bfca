"""What the RUN-reading rules share beyond :mod:`jettison.dockerfile.steps`: stage labels
and severities, options and arguments of commands, cache mounts, removed paths, and the
savings measured in an image.

Used by the size (JT1xx), hygiene (JT4xx) and runtime (JT6xx) families. Everything here is
static: no variable is expanded except where the Dockerfile itself sets it (``ENV``, ``ARG``
defaults, ``WORKDIR``), and an unknown value is never guessed.
"""

from __future__ import annotations

import dataclasses
import fnmatch
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass

from jettison.dockerfile.model import Instruction, Stage
from jettison.dockerfile.paths import absolute, covers
from jettison.dockerfile.shell import Command
from jettison.dockerfile.steps import Step, expand
from jettison.lint.model import Finding, LintContext, Rule, Saving, Severity

# --- stages -------------------------------------------------------------------------------


def stage_label(stage: Stage) -> str:
    """``stage "builder"`` or ``stage 2 (python:3.11)`` for messages."""
    if stage.name:
        return f'stage "{stage.name}"'
    return f"stage {stage.index + 1} ({stage.base})"


def scoped_severity(rule: Rule, runtime: bool) -> Severity:
    """The rule's severity in a stage of the final image; ``info`` in other stages, whose
    waste does not reach the image unless copied from."""
    return rule.severity if runtime else Severity.INFO


# --- scripts and commands -------------------------------------------------------------------


def positionals(command: Command, takes_value: Iterable[str] = ()) -> list[str]:
    """The command's arguments that are not options nor option values.

    ``takes_value`` names the options that consume the next argument (``-o``, ``--option``);
    ``--name=value`` and attached short values (``-oFoo=1``) consume nothing more.
    """
    valued = frozenset(takes_value)
    out: list[str] = []
    skip = False
    for arg in command.args:
        if skip:
            skip = False
        elif arg == "--":
            continue
        elif arg.startswith("-") and len(arg) > 1:
            skip = arg in valued
        else:
            out.append(arg)
    return out


def short_flags(command: Command) -> set[str]:
    """Single-letter flags, clusters split (``-rf`` -> ``r``, ``f``), values not included."""
    out: set[str] = set()
    for arg in command.args:
        if arg.startswith("-") and not arg.startswith("--") and len(arg) > 1:
            out.update(arg[1:])
    return out


def has_option(command: Command, long: str, short: str | None = None) -> bool:
    """``--long`` (or ``--long=...``) or the short letter, alone or in a cluster."""
    return command.has(long) or (short is not None and short in short_flags(command))


def index_of(commands: Sequence[Command], test: Callable[[Command], bool]) -> int | None:
    return next((i for i, c in enumerate(commands) if test(c)), None)


# --- paths ----------------------------------------------------------------------------------


def removed_paths(command: Command, cwd: str, env: Mapping[str, str] | None = None) -> list[str]:
    """What an ``rm`` removes, absolute; ``dir/*`` counts as ``dir`` (emptied); ``~`` and
    variables the Dockerfile sets are expanded."""
    if command.name != "rm":
        return []
    values = {"HOME": "/root", **(env or {})}  # root's home unless the Dockerfile says
    out = []
    for word in positionals(command):
        path = expand(word, values)
        if path == "~" or path.startswith("~/"):
            path = values["HOME"] + path[1:]
        while path.endswith(("/*", "/.*")) or (path.endswith("/") and len(path) > 1):
            path = path.rsplit("/", 1)[0] or "/"
        out.append(absolute(path, cwd))
    return out


def removes(
    commands: Iterable[Command], target: str, cwd: str, env: Mapping[str, str] | None = None
) -> bool:
    """An ``rm`` among ``commands`` removes ``target`` (or a directory holding it)."""
    for command in commands:
        for path in removed_paths(command, cwd, env):
            if covers(path, target) or (has_glob(path) and fnmatch.fnmatchcase(target, path)):
                return True
    return False


def has_glob(path: str) -> bool:
    return any(c in path for c in "*?[")


# --- mounts ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Mount:
    type: str
    target: str | None


def mounts(instruction: Instruction) -> list[Mount]:
    """The ``RUN --mount=...`` specs (type defaults to ``bind`` as in BuildKit)."""
    out = []
    for spec in instruction.flag_values("mount"):
        options: dict[str, str] = {}
        for part in spec.split(","):
            key, _, value = part.partition("=")
            options[key.strip().lower()] = value.strip()
        target = options.get("target") or options.get("dst") or options.get("destination")
        out.append(Mount(options.get("type", "bind") or "bind", target or None))
    return out


def volatile_targets(instruction: Instruction, cwd: str = "/") -> list[str]:
    """Targets of ``cache`` and ``tmpfs`` mounts: what is written there stays out of the layer."""
    return [
        absolute(m.target, cwd)
        for m in mounts(instruction)
        if m.type in ("cache", "tmpfs") and m.target
    ]


def mounted_over(instruction: Instruction, path: str, cwd: str = "/") -> bool:
    """A cache or tmpfs mount holds ``path`` (the mount is the path or one of its parents)."""
    return any(covers(target, path) for target in volatile_targets(instruction, cwd))


# --- findings -------------------------------------------------------------------------------


def with_saving(findings: list[Finding], saving: Saving | None) -> list[Finding]:
    """Attach a measured saving to the last finding only, so a total never counts it twice."""
    if saving is None or not findings:
        return findings
    return [*findings[:-1], dataclasses.replace(findings[-1], saving=saving)]


def cache_saving(ctx: LintContext, wanted: Callable[[str], bool]) -> Saving | None:
    """Bytes of the package caches ``wanted`` selects (by directory, e.g.
    ``var/lib/apt/lists``), measured in the image given with ``--image``."""
    if ctx.image is None:
        return None
    rows = [
        row
        for cause in ctx.image.removable
        if cause.cause == "package-cache"
        for row in cause.top
        if wanted(row.path.strip("/"))
    ]
    total = sum(row.size_bytes for row in rows)
    if not total:
        return None
    paths = ", ".join(sorted({"/" + row.path.strip("/") for row in rows}))
    return Saving(total, f"measured in image {ctx.image.reference} ({paths})")


def hidden_saving(ctx: LintContext, targets: Iterable[str]) -> Saving | None:
    """Bytes under ``targets`` that later layers hide (shipped, yet invisible), measured in
    the image given with ``--image``; only its largest hidden paths are listed there, so
    this is a lower bound, and says so."""
    if ctx.image is None:
        return None
    wanted = list(targets)
    rows = [
        row
        for row in ctx.image.shadowed.top
        if any(covers(t, "/" + row.path.strip("/")) for t in wanted)
    ]
    total = sum(row.size_bytes for row in rows)
    if not total:
        return None
    return Saving(total, f"measured in image {ctx.image.reference} (largest hidden files under it)")


def runs(step_list: Iterable[Step]) -> Iterator[Step]:
    """The ``RUN`` steps."""
    return (s for s in step_list if s.instruction.keyword == "RUN")
