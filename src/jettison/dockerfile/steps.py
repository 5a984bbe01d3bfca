"""Each instruction of a stage with what is in effect when it runs: the working directory
and the environment (``ENV``, ``ARG`` defaults), following ``FROM <stage>`` chains.

Everything here is static: no variable is expanded except where the Dockerfile itself sets
it, and an unknown value is never guessed. Lint's rules read RUN lines through it, and the
plan reads COPY destinations, ports and health checks the same way.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from jettison.dockerfile.model import Dockerfile, Instruction, Stage
from jettison.dockerfile.paths import absolute
from jettison.dockerfile.shell import Command, commands_of

_ASSIGNMENT = re.compile(r"^([A-Za-z_]\w*)=(.*)$", re.DOTALL)
_VAR = re.compile(r"\$(?:\{(\w+)\}|(\w+))")


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
    first-built first), each with its working directory and environment.

    Computed once per stage of a parse (lint's rules ask for the same steps dozens of
    times); callers get their own list."""
    key = ("steps", id(stage), inherited)
    known = dockerfile.memo.get(key)
    if not (isinstance(known, tuple) and known[0] is stage):  # the id of this very stage
        known = dockerfile.memo[key] = (stage, _steps(dockerfile, stage, inherited=inherited))
    return list(known[1])


def _steps(dockerfile: Dockerfile, stage: Stage, *, inherited: bool) -> list[Step]:
    runtime = runtime_indexes(dockerfile)
    out: list[Step] = []
    cwd, env = "/", dict[str, str]()
    outer = _global_values(dockerfile)
    for current in chain(dockerfile, stage):
        own = current.index == stage.index
        args: dict[str, str] = {}  # an ARG is scoped to its stage; ENV is inherited
        for instruction in current.instructions:
            if instruction.keyword == "WORKDIR" and instruction.args:
                cwd = absolute(expand(instruction.args[0], {**env, **args}), cwd)
            elif instruction.keyword == "ENV":
                env = {**env, **assignments(instruction)}
            elif instruction.keyword == "ARG":
                args = {**args, **_stage_arg(dockerfile, instruction, outer)}
            if own or inherited:
                step_env = {**args, **env}
                out.append(Step(instruction, current, cwd, step_env, current.index in runtime))
    return out


def _global_values(dockerfile: Dockerfile) -> dict[str, str]:
    """The values of the ``ARG`` lines before the first ``FROM`` (build args first)."""
    out: dict[str, str] = {}
    for instruction in dockerfile.global_args:
        if instruction.keyword != "ARG":
            continue
        for name, value in assignment_items(instruction):
            if name in dockerfile.build_args:
                out[name] = dockerfile.build_args[name]
            elif value is not None:
                out[name] = expand(value, out)
    return out


def _stage_arg(
    dockerfile: Dockerfile, instruction: Instruction, outer: dict[str, str]
) -> dict[str, str]:
    """What an ``ARG`` in a stage sets: the build arg given for the name, else its default,
    else the value of the global ``ARG`` of that name (as ``docker build`` does)."""
    out: dict[str, str] = {}
    for name, value in assignment_items(instruction):
        if name in dockerfile.build_args:
            out[name] = dockerfile.build_args[name]
        elif value is not None:
            out[name] = value
        elif name in outer:
            out[name] = outer[name]
    return out


def all_steps(dockerfile: Dockerfile) -> list[Step]:
    """Every instruction of every stage, in file order."""
    return [step for stage in dockerfile.stages for step in steps(dockerfile, stage)]


def runtime_steps(dockerfile: Dockerfile) -> list[Step]:
    """The instructions that build the final image, first-built first."""
    final = dockerfile.final_stage
    return steps(dockerfile, final, inherited=True) if final is not None else []


def shipped_steps(dockerfile: Dockerfile) -> list[Step]:
    """:func:`runtime_steps`, and before them the steps of every stage the final image copies
    whole (``COPY --from=base / /``, as distroless and ``FROM scratch`` images do), all marked
    ``runtime``: what ends up in the shipped image."""
    final = dockerfile.final_stage
    if final is None:
        return []
    return _shipped(dockerfile, final, set())


def _shipped(dockerfile: Dockerfile, stage: Stage, seen: set[int]) -> list[Step]:
    seen.add(stage.index)
    own = steps(dockerfile, stage, inherited=True)
    out: list[Step] = []
    for step in own:
        source = _whole_tree_source(dockerfile, step.instruction)
        if source is not None and source.index not in seen and source.index < stage.index:
            out.extend(_shipped(dockerfile, source, seen))
        out.append(dataclasses.replace(step, runtime=True))
    return out


def _whole_tree_source(dockerfile: Dockerfile, instruction: Instruction) -> Stage | None:
    """The stage a ``COPY --from=<stage> / /`` copies whole, None for any other instruction."""
    ref = instruction.flag("from")
    if instruction.keyword != "COPY" or not ref or len(instruction.args) != 2:
        return None
    if {a.rstrip("/") for a in instruction.args} != {""}:
        return None
    return dockerfile.stage_ref(ref)


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
    """``value`` without one pair of matching outer quotes (``"a b"`` -> ``a b``)."""
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        return value[1:-1]
    return value


def expand(text: str, env: Mapping[str, str]) -> str:
    """``$X``/``${X}`` replaced where the Dockerfile sets X; unknown ones are left as written."""
    return _VAR.sub(lambda m: env.get(m.group(1) or m.group(2), m.group(0)), text)


AUTOMATIC_ARGS = frozenset(
    {
        "TARGETPLATFORM",
        "TARGETOS",
        "TARGETARCH",
        "TARGETVARIANT",
        "BUILDPLATFORM",
        "BUILDOS",
        "BUILDARCH",
        "BUILDVARIANT",
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "FTP_PROXY",
        "NO_PROXY",
        "ALL_PROXY",
    }
)
"""ARGs the builder fills in itself (the platform) or from the host (proxies)."""


def default_build_env(dockerfile: Dockerfile, step: Step) -> dict[str, str]:
    """What a plain ``docker build`` (no ``--build-arg``) gives ``step``: its environment,
    plus the ARGs declared without a default, which are empty (or take the default of the
    global ARG of the same name). The builder's automatic ARGs stay unknown."""
    global_defaults = {
        name: value
        for instruction in dockerfile.global_args
        for name, value in assignment_items(instruction)
        if value is not None
    }
    declared: dict[str, str] = {}
    for current in chain(dockerfile, step.stage):
        for instruction in current.instructions:
            if instruction is step.instruction:
                break
            if instruction.keyword != "ARG" or current.index != step.stage.index:
                continue
            for name, value in assignment_items(instruction):
                if value is None and name not in AUTOMATIC_ARGS:
                    declared[name] = global_defaults.get(name, "")
    return {**declared, **step.env}
