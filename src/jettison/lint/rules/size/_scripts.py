"""What the RUN-reading rules share: the commands of each RUN, the stage it runs in, the
working directory and environment in effect, cache mounts, and removed paths.

Used by the size (JT1xx), hygiene (JT4xx) and runtime (JT6xx) families. Everything here is
static: no variable is expanded except where the Dockerfile itself sets it (``ENV``, ``ARG``
defaults, ``WORKDIR``), and an unknown value is never guessed.
"""

from __future__ import annotations

import dataclasses
import fnmatch
import posixpath
import re
import shlex
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

from jettison.dockerfile.model import Dockerfile, Instruction, Stage
from jettison.dockerfile.shell import Command, split_commands
from jettison.lint.model import Finding, LintContext, Rule, Saving, Severity

SHELLS = frozenset({"sh", "bash", "dash", "ash", "zsh"})
_HEREDOC_MARK = re.compile(r"<<-?\s*([\"']?)(\w+)\1")
_ASSIGNMENT = re.compile(r"^([A-Za-z_]\w*)=(.*)$", re.DOTALL)


# --- stages -------------------------------------------------------------------------------


def chain(dockerfile: Dockerfile, stage: Stage) -> list[Stage]:
    """``stage`` and the stages it is built ``FROM``, the first-built first."""
    out: list[Stage] = []
    current: Stage | None = stage
    while current is not None and current not in out:
        out.append(current)
        current = dockerfile.stage_named(current.base_expanded)
        if current is not None and current.index >= out[-1].index:
            break  # FROM a later stage's name is an image, not that stage
    return out[::-1]


def runtime_indexes(dockerfile: Dockerfile) -> frozenset[int]:
    """Indexes of the stages whose files end up in the final image."""
    return frozenset(s.index for s in dockerfile.runtime_stages())


def stage_label(stage: Stage) -> str:
    """``stage "builder"`` or ``stage 2 (python:3.11)`` for messages."""
    if stage.name:
        return f'stage "{stage.name}"'
    return f"stage {stage.index + 1} ({stage.base})"


def scoped_severity(rule: Rule, runtime: bool) -> Severity:
    """The rule's severity in a stage of the final image; ``info`` in other stages, whose
    waste does not reach the image unless copied from."""
    return rule.severity if runtime else Severity.INFO


# --- steps: each instruction with its working directory and environment ---------------------


@dataclass(frozen=True, slots=True)
class Step:
    """An instruction of a stage, with what is in effect when it runs."""

    instruction: Instruction
    stage: Stage
    cwd: str
    """The working directory (``WORKDIR`` so far, ``/`` when none is set)."""
    env: dict[str, str] = field(hash=False, compare=False)
    """``ENV`` values set so far (in this stage and the ones it is built on) and this stage's
    ``ARG`` defaults."""
    runtime: bool = False
    """The stage is part of the final image."""

    @property
    def commands(self) -> list[Command]:
        return commands_of(self.instruction)


def steps(dockerfile: Dockerfile, stage: Stage, *, inherited: bool = False) -> list[Step]:
    """The instructions of ``stage`` (and, with ``inherited``, of the stages it is built on,
    first-built first), each with its working directory and environment."""
    runtime = runtime_indexes(dockerfile)
    out: list[Step] = []
    cwd, env = "/", dict[str, str]()
    for current in chain(dockerfile, stage):
        own = current.index == stage.index
        args: dict[str, str] = {}  # an ARG is scoped to its stage; ENV is inherited
        for instruction in current.instructions:
            if instruction.keyword == "WORKDIR" and instruction.args:
                cwd = absolute(expand(instruction.args[0], {**env, **args}), cwd)
            elif instruction.keyword == "ENV":
                env = {**env, **assignments(instruction)}
            elif instruction.keyword == "ARG":
                args = {**args, **assignments(instruction)}
            if own or inherited:
                step_env = {**args, **env}
                out.append(Step(instruction, current, cwd, step_env, current.index in runtime))
    return out


def all_steps(dockerfile: Dockerfile) -> list[Step]:
    """Every instruction of every stage, in file order."""
    return [step for stage in dockerfile.stages for step in steps(dockerfile, stage)]


def runtime_steps(dockerfile: Dockerfile) -> list[Step]:
    """The instructions that build the final image, first-built first."""
    final = dockerfile.final_stage
    return steps(dockerfile, final, inherited=True) if final is not None else []


def assignments(instruction: Instruction) -> dict[str, str]:
    """``NAME -> value`` set by an ``ENV`` or an ``ARG`` with a default (quotes removed)."""
    out: dict[str, str] = {}
    if instruction.keyword == "ENV":
        args = instruction.args
        for index in range(0, len(args) - 1, 2):
            out[args[index]] = unquote(args[index + 1])
    elif instruction.keyword == "ARG":
        for word in instruction.args:
            match = _ASSIGNMENT.match(word)
            if match:
                out[match.group(1)] = unquote(match.group(2))
    return out


def assignment_items(instruction: Instruction) -> list[tuple[str, str | None]]:
    """Every name an ``ENV``/``ARG`` declares, with its literal value (None: no default)."""
    if instruction.keyword == "ENV":
        args = instruction.args
        return [(args[i], unquote(args[i + 1])) for i in range(0, len(args) - 1, 2)]
    out: list[tuple[str, str | None]] = []
    for word in instruction.args:
        match = _ASSIGNMENT.match(word)
        out.append((match.group(1), unquote(match.group(2))) if match else (word, None))
    return out


def unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        return value[1:-1]
    return value


_VAR = re.compile(r"\$(?:\{(\w+)\}|(\w+))")


def expand(text: str, env: Mapping[str, str]) -> str:
    """``$X``/``${X}`` replaced where the Dockerfile sets X; unknown ones are left as written."""
    return _VAR.sub(lambda m: env.get(m.group(1) or m.group(2), m.group(0)), text)


# --- scripts and commands -------------------------------------------------------------------


def commands_of(instruction: Instruction) -> list[Command]:
    """The simple commands a ``RUN`` (or shell-form ``CMD``/``ENTRYPOINT``) executes.

    Exec form is one command (``["sh", "-c", "..."]`` expanded); a heredoc counts as script
    only when it is what the shell runs (``RUN <<EOT``, ``RUN <<EOT bash``), not when it is
    data fed to another program (``RUN python3 <<EOT``, ``RUN cat <<EOT > file``).
    """
    if instruction.json:
        return split_commands(shlex.join(instruction.args))
    line = " ".join(instruction.args)
    if not instruction.heredocs:
        return split_commands(line)
    head = split_commands(_HEREDOC_MARK.sub(" ", line))
    if head and not (len(head) == 1 and head[0].name in SHELLS and not head[0].words()):
        return head
    out: list[Command] = []
    for doc in instruction.heredocs:
        first = doc.content.lstrip().split("\n", 1)[0]
        if first.startswith("#!") and not any(s in first for s in SHELLS):
            continue  # a python (or other) script run by its shebang
        out.extend(split_commands(doc.content))
    return out


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


def absolute(path: str, cwd: str) -> str:
    """``path`` made absolute against ``cwd`` and normalised (no trailing slash)."""
    joined = posixpath.normpath(posixpath.join(cwd or "/", path))
    return "/" + joined.lstrip("/") if joined != "/" else "/"


def covers(outer: str, inner: str) -> bool:
    """``inner`` is ``outer`` or lies under it (both absolute and normalised)."""
    return inner == outer or outer == "/" or inner.startswith(outer + "/")


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
