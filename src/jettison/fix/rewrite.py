"""Render an optimized multi-stage Dockerfile from a naive single-stage one (pure).

Accepted input: one stage on a base :mod:`jettison.fix.bases` understands (``python:X`` on
Debian, ``nvidia/cuda`` on Ubuntu, ``pytorch/pytorch``), ``apt-get`` lines, ``COPY`` of one
requirements file on its own, ``pip install -r`` of it, the application ``COPY`` lines and
``CMD``/``ENTRYPOINT``/``EXPOSE``/``ENV``/``WORKDIR``/other ``RUN`` lines that use neither
apt nor pip. The output has a builder stage on the original base (its compilers build any
source distribution) that installs the runtime requirements into ``/opt/venv``, and a
runtime stage on the slimmer image the base plan chose that copies the venv, installs the
runtime apt packages in one layer, and keeps the original instructions in order under a
non-root user. Every change is written as a ``# jettison: CODE ...`` comment above it and
returned as a :class:`Change`.

What cannot be rewritten safely raises :class:`FixError`: several stages, no ``pip install
-r``, a requirements file that only arrives with the application (``COPY . .``), a ``RUN``
mixing apt or pip with other commands, a ``RUN`` that adds an apt source (the runtime
stage installs its apt packages first), a base :mod:`~jettison.fix.bases` refuses.
"""

from __future__ import annotations

import posixpath
import shlex
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from jettison.dockerfile import writer
from jettison.dockerfile.commands.layers import layer_of
from jettison.dockerfile.commands.python import parse_install, pip_argv, without_cache
from jettison.dockerfile.commands.system import apt_installs, package_name
from jettison.dockerfile.copies import whole_context
from jettison.dockerfile.discover import is_requirements_input
from jettison.dockerfile.launch import exposed_tcp_port
from jettison.dockerfile.model import Dockerfile, Instruction, Stage
from jettison.dockerfile.paths import absolute, covers
from jettison.dockerfile.shell import Command, split_commands
from jettison.dockerfile.steps import steps
from jettison.dockerfile.writer import APP_USER, NONINTERACTIVE, VENV
from jettison.facts.system import DEV_RUNTIME_LIBRARIES, PYTHON_TOOLING, is_build_tool
from jettison.facts.weights import named_like_weights
from jettison.fix.bases import TORCH_FAMILY, BasePlan, plan_base, single_stage
from jettison.fix.changes import Change
from jettison.fix.errors import FixError, refuse
from jettison.fix.split import refuse_variable_apt
from jettison.fix.tooling import KEEP, Tooling, change_lines

REQUIREMENTS_IN_BUILDER = "/tmp/requirements.txt"


@dataclass(frozen=True)
class Rewrite:
    text: str
    changes: tuple[Change, ...]


@dataclass(frozen=True, slots=True)
class TorchPlan:
    """On a CPU target: the torch lines of the runtime requirements and the wheel index."""

    lines: tuple[str, ...]
    index_url: str
    wheel_mount: str | None = None
    """With a local wheel folder (``index_url`` is then that folder on the host): where the
    build mounts it. torch is installed from it (an exact ``+cpu`` pin only it can satisfy;
    its dependencies from the default index), and the rest of the requirements from the
    default index under a constraint that keeps this torch."""


TORCH_CONSTRAINTS = "/tmp/torch-constraints.txt"


def _refuse(dockerfile: Dockerfile, message: str, hint: str) -> FixError:
    return refuse(dockerfile.path, message, hint)


def requirements_copy(dockerfile: Dockerfile) -> Instruction:
    """The ``COPY`` that brings the requirements file ``pip install -r`` reads: the file on
    its own, or the whole build context (``COPY . /app``)."""
    return requirements_input(dockerfile)[0]


def requirements_input(dockerfile: Dockerfile) -> tuple[Instruction, str]:
    """(the ``COPY`` of the requirements file ``pip install -r`` reads, its path in the
    build context), or a refusal."""
    stage = single_stage(dockerfile)
    copies = [
        i
        for i in stage.of("COPY", "ADD")
        if i.flag("from") is None
        and len(i.args) == 2
        and not i.heredocs
        and is_requirements_input(Path(i.args[0]))
    ]
    installs = [
        (run, c) for run in stage.of("RUN") for c in _pip_commands(run) if _requirement_arg(run, c)
    ]
    if not installs:
        raise _refuse(
            dockerfile,
            "no `pip install -r <requirements file>`: cannot find the Python environment",
            "fix rewrites images whose dependencies come from one requirements file",
        )
    if len(installs) == 1 and not copies:
        found = _with_context(dockerfile, stage, *installs[0])
        if found is not None:
            return found
    if len(installs) > 1 or len(copies) != 1:
        raise _refuse(
            dockerfile,
            "the requirements file is not copied on its own before `pip install -r` "
            f"({len(copies)} requirement COPY lines, {len(installs)} pip -r commands)",
            "copy exactly one requirements file with its own COPY line (COPY requirements.txt"
            " .) before `RUN pip install -r requirements.txt`, then run fix again",
        )
    return copies[0], copies[0].args[0].lstrip("/")


def _with_context(
    dockerfile: Dockerfile, stage: Stage, run: Instruction, command: Command
) -> tuple[Instruction, str] | None:
    """The whole-context ``COPY`` the requirements file of ``command`` arrives with, and
    the file's path in the context (``COPY . /app`` + ``pip install -r requirements.txt``
    under ``WORKDIR /app``: ``requirements.txt``); None when there is none."""
    arg = _requirement_arg(run, command)
    placed: list[tuple[Instruction, str]] = []
    cwd: str | None = None
    for step in steps(dockerfile, stage):
        if step.instruction is run:
            cwd = step.cwd
            break
        if whole_context(step.instruction) and len(step.instruction.args) == 2:
            placed.append((step.instruction, absolute(step.instruction.args[-1], step.cwd)))
    if cwd is None or arg is None or "$" in arg or not placed:
        return None
    wanted = absolute(arg, cwd)
    copy, dest = placed[-1]
    if not covers(dest, wanted) or wanted == dest:
        return None
    return copy, posixpath.relpath(wanted, dest)


def _pip_commands(run: Instruction) -> list[Command]:
    return [c for c in split_commands(run.shell_text) if pip_argv(c) is not None]


def _requirement_arg(run: Instruction, command: Command) -> str | None:
    """The requirements file a ``pip install -r`` reads (the first one)."""
    install = parse_install(run, command)
    return install.requirement_files[0] if install and install.requirement_files else None


def _classify(dockerfile: Dockerfile, run: Instruction) -> str:
    """``apt``, ``pip`` or ``other`` for a RUN; mixed ones are refused."""
    kinds = set()
    for command in split_commands(run.shell_text):
        layer = layer_of(command)
        if layer == "unmovable-apt":
            raise _refuse(
                dockerfile,
                f"line {run.position.line}: `{' '.join(command.argv[:3])}` is not an "
                "apt step fix can move",
                "keep apt-get to update/install/clean lines, then run fix again",
            )
        if layer == "apt-source":
            raise _refuse(
                dockerfile,
                f"line {run.position.line}: `{command.name}` sets up an apt source; the "
                "rewrite installs the apt packages before the other steps, so it would fail",
                "install from the base's own archive, or rewrite this Dockerfile by hand",
            )
        kinds.add(layer)
    if len(kinds) > 1:
        raise _refuse(
            dockerfile,
            f"line {run.position.line}: one RUN mixes {' and '.join(sorted(kinds))} commands",
            "give apt, pip and other commands their own RUN lines, then run fix again",
        )
    return kinds.pop() if kinds else "other"


def _apt_packages(run: Instruction) -> list[str]:
    return [p for command in split_commands(run.shell_text) for p in apt_installs(command)]


def apt_packages(dockerfile: Dockerfile) -> list[str]:
    """What the Dockerfile's ``apt-get install`` lines install, in order."""
    return [p for run in single_stage(dockerfile).of("RUN") for p in _apt_packages(run)]


@dataclass(frozen=True)
class _Stage:
    """The single stage, sorted: apt packages (gathered), pip RUNs (rewritten), the rest."""

    apt: tuple[str, ...]
    pip_runs: tuple[Instruction, ...]
    kept: tuple[Instruction, ...]
    """Every other instruction, in order (the requirements COPY left out)."""
    build_env: tuple[Instruction, ...]
    """ENV/ARG before the first pip install: proxies, index URLs... the install may need."""

    @property
    def build_tools(self) -> list[str]:
        return list(dict.fromkeys(p for p in self.apt if is_build_tool(package_name(p))))


def _sort_stage(dockerfile: Dockerfile, req_copy: Instruction) -> _Stage:
    stage = single_stage(dockerfile)
    apt: list[str] = []
    pip_runs: list[Instruction] = []
    kept: list[Instruction] = []
    for instruction in stage.instructions:
        kind = _classify(dockerfile, instruction) if instruction.keyword == "RUN" else None
        if kind == "apt":
            apt.extend(_apt_packages(instruction))
        elif kind == "pip":
            pip_runs.append(instruction)
        elif instruction is not req_copy or whole_context(instruction):
            kept.append(instruction)
    first_pip = min(i.position.line for i in pip_runs)
    build_env = tuple(i for i in stage.of("ENV", "ARG") if i.position.line < first_pip)
    return _Stage(tuple(apt), tuple(pip_runs), tuple(kept), build_env)


class _Text:
    """The lines of the new Dockerfile and the changes, in the order they are written."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.changes: list[Change] = []

    def change(self, code: str, description: str) -> None:
        self.changes.append(Change(code, description))
        self.lines.append(writer.change(code, description))

    def note(self, item: Change | None) -> None:
        if item is not None:
            self.change(item.code, item.description)


def rewrite_dockerfile(
    dockerfile: Dockerfile,
    *,
    runtime_requirements_source: str,
    torch: TorchPlan | None = None,
    base: BasePlan | None = None,
    moved_codes: Sequence[str] = (),
    keep_headers: bool = False,
    writable: Sequence[str] = (),
    tooling: Tooling = KEEP,
) -> Rewrite:
    """The optimized Dockerfile for ``dockerfile``.

    ``runtime_requirements_source`` is the build-context path of the runtime requirements
    file (copied into the builder in place of the original); ``torch`` installs the torch
    family from a CPU index or a local wheel folder; ``base`` says which images both stages
    run on and which interpreter creates the virtualenv (default: :func:`plan_base` for the
    base's own target); ``moved_codes`` are the codes of the requirements moved to the
    development file; ``keep_headers`` keeps C headers in the virtualenv (the code compiles
    at run time: torch.compile, C++ extensions); ``writable``: directories the service
    writes at run time, which the unprivileged user gets as its own; ``tooling``: the
    installer tools the virtualenv leaves out (:mod:`jettison.fix.tooling`).
    """
    if base is None:
        base = plan_base(
            dockerfile, apt_packages=apt_packages(dockerfile), keep_compiler=keep_headers
        )
    stage = _sort_stage(dockerfile, requirements_copy(dockerfile))
    refuse_variable_apt(dockerfile, stage.apt)
    text = _Text()
    text.lines.extend(i.original for i in dockerfile.global_args)
    if dockerfile.global_args:
        text.lines.append("")
    _builder_stage(text, dockerfile, stage, base, runtime_requirements_source, moved_codes)
    _install_step(text, stage, base, torch)
    _strip_step(text, keep_headers)
    description, commands = change_lines(tooling, VENV)
    if commands:
        text.change("restructure", description)
        text.lines.append(writer.run(commands))
    text.lines.append("")
    _runtime_stage(text, stage, base, writable)
    return Rewrite(text="\n".join(text.lines) + "\n", changes=tuple(text.changes))


def _builder_stage(
    text: _Text,
    dockerfile: Dockerfile,
    stage: _Stage,
    base: BasePlan,
    requirements_source: str,
    moved_codes: Sequence[str],
) -> None:
    """The builder's FROM, its apt layer (interpreter and build tools) and the virtualenv."""
    if base.kind == "python" or "devel" in base.image.tag_parts:
        text.lines.append(
            "# Build stage: the full image's compilers build any source distribution."
        )
    else:
        text.lines.append(
            "# Build stage on the original base: the requirements go into a virtualenv."
        )
    text.lines.append(f"FROM {single_stage(dockerfile).base} AS builder")
    if base.builder_apt:
        text.lines.append(writer.NONINTERACTIVE)
    text.lines.extend(i.original for i in stage.build_env)
    builder_apt = list(dict.fromkeys([*base.builder_apt, *stage.build_tools]))
    if builder_apt:
        text.lines.append(writer.apt_layer(builder_apt))
    if base.python_comment:
        text.lines.append(f"# {base.python_comment}")
    venv = writer.venv_command(base.python, system_site_packages=base.system_site_packages)
    text.lines.append(writer.run([venv]))
    text.lines.append(writer.venv_on_path())
    if moved_codes:
        codes = " ".join(sorted(set(moved_codes)))
        text.change(codes, "only runtime requirements; dev/unused ones are in requirements-dev.txt")
    text.lines.append(f"COPY {requirements_source} {REQUIREMENTS_IN_BUILDER}")


def _install_step(text: _Text, stage: _Stage, base: BasePlan, torch: TorchPlan | None) -> None:
    """The builder's pip layer: torch from its index or folder first, then the runtime
    requirements and the Dockerfile's other pip commands, without a download cache."""
    steps: list[str] = []
    extra_index = ""
    if torch is not None and torch.lines and torch.wheel_mount is not None:
        text.change(
            "JT302",
            f"CPU target: torch from the local folder {torch.index_url}, not PyPI's CUDA "
            f"build (mounted read-only at {torch.wheel_mount} during the build, never copied "
            "into the image)",
        )
        text.lines.append(
            f"# build with: buildah bud -v {torch.index_url}:{torch.wheel_mount}:ro ..."
        )
        pins = " ".join(shlex.quote(t) for t in torch.lines)
        steps.append(f"pip install --no-cache-dir --find-links {torch.wheel_mount} {pins}")
        steps.append(f"printf '%s\\n' {pins} > {TORCH_CONSTRAINTS}")
        extra_index = f" -c {TORCH_CONSTRAINTS}"
    elif torch is not None and torch.lines:
        text.change("JT302", f"CPU target: torch from {torch.index_url}, not PyPI's CUDA build")
        steps.append(
            "pip install --no-cache-dir --index-url "
            f"{shlex.quote(torch.index_url)} {' '.join(shlex.quote(t) for t in torch.lines)}"
        )
        extra_index = f" --extra-index-url {shlex.quote(torch.index_url)}"
    elif base.base_torch:
        # the base's torch, as pip sees it through --system-site-packages, pins the install
        steps.append(f"pip list --format=freeze | grep -i '^torch==' > {TORCH_CONSTRAINTS}")
        extra_index = f" -c {TORCH_CONSTRAINTS}"
    text.note(base.torch_note)
    for run in stage.pip_runs:
        for command in _pip_commands(run):
            if _requirement_arg(run, command) is not None:
                steps.append(
                    f"pip install --no-cache-dir{extra_index} -r {REQUIREMENTS_IN_BUILDER}"
                )
            else:
                steps.append(without_cache(command))
    text.change("JT107", "pip without a download cache")
    text.lines.append(writer.run(steps))


def _strip_step(text: _Text, keep_headers: bool) -> None:
    """The builder's venv is what the runtime stage copies: strip what no import needs."""
    stripped = "bytecode and the packages' bundled test suites"
    if not keep_headers:
        stripped += ", C/C++ headers and static libraries (nothing compiles at run time)"
    causes = "removable:bytecode,tests" + ("" if keep_headers else ",toolchain")
    text.change(causes, f"the copied virtualenv leaves out {stripped}")
    text.lines.append(writer.run(writer.strip_venv(tests=True, headers=not keep_headers)))


def _runtime_apt(stage: _Stage, base: BasePlan) -> list[str]:
    """The runtime stage's apt packages: the interpreter (on a base without Python), the
    Dockerfile's packages without build tools, the runtime library of a known ``-dev``."""
    runtime_apt: list[str] = list(base.runtime_apt)
    for package in dict.fromkeys(stage.apt):
        name = package_name(package)
        if base.runtime_apt and PYTHON_TOOLING.match(name):
            continue  # the runtime stage's interpreter is base.runtime_apt's; pip is the venv's
        if not is_build_tool(name):
            runtime_apt.append(package)
        elif package in DEV_RUNTIME_LIBRARIES:
            runtime_apt.append(DEV_RUNTIME_LIBRARIES[package])
        elif package.endswith("-dev"):
            runtime_apt.append(package)  # its runtime library is unknown: keep it, safely
    return list(dict.fromkeys(runtime_apt))


def _runtime_stage(
    text: _Text, stage: _Stage, base: BasePlan, writable: Sequence[str] = ()
) -> None:
    """The runtime stage: the slimmer base, its apt layer, the user, the copied virtualenv,
    the original instructions in order, and a health check."""
    text.note(base.runtime_note)
    text.lines.append(f"FROM {base.runtime}")
    if base.runtime_apt:
        text.lines.append(writer.NONINTERACTIVE)
    text.lines.append(writer.RUNTIME_ENV)
    if stage.build_tools:
        text.change("JT401", f"build tools only in the builder: {' '.join(stage.build_tools)}")
    runtime_apt = _runtime_apt(stage, base)
    if runtime_apt:
        text.change("JT101 JT102", "apt in one layer, no recommended packages, lists removed")
        text.lines.append(writer.apt_layer(runtime_apt))
    has_user = any(i.keyword == "USER" for i in stage.kept)
    if not has_user:
        text.change("JT601", f"an unprivileged user `{writer.APP_USER}` runs the service")
        text.lines.append(writer.run([writer.add_user()]))
    text.lines.append(f"COPY --from=builder {VENV} {VENV}")
    groups = [_kept_lines(text, i) for i in stage.kept]
    if has_user:
        text.lines.extend(line for group in groups for line in group)
    else:
        steps = [i.keyword in {"RUN", "COPY", "ADD", "WORKDIR"} for i in stage.kept]
        user = [f"USER {writer.APP_USER}"]
        if writable:
            owner = f"{writer.APP_USER}:{writer.APP_USER}"
            user.insert(0, writer.run([f"chown {owner} {' '.join(writable)}"]))
        text.lines.extend(writer.with_user(groups, steps, tuple(user)))
    port = exposed_tcp_port(stage.kept)
    if port is not None and not any(i.keyword == "HEALTHCHECK" for i in stage.kept):
        text.change("JT605", f"HEALTHCHECK: the service accepts connections on port {port}")
        text.lines.append(writer.healthcheck(port))


def _kept_lines(text: _Text, instruction: Instruction) -> list[str]:
    """An original instruction as written, with the JT501 warning above a copy of weights."""
    lines: list[str] = []
    if instruction.keyword in {"COPY", "ADD"} and any(
        named_like_weights(s) for s in instruction.args[:-1]
    ):
        description = (
            "model weights stay baked in (kept); consider mounting them as a volume "
            "(docker run -v ./models:/models) or fetching them at start"
        )
        text.changes.append(Change("JT501", description))
        lines.append(writer.change("JT501", description))
    lines.append(instruction.original)
    return lines


__all__ = [
    "APP_USER",
    "NONINTERACTIVE",
    "REQUIREMENTS_IN_BUILDER",
    "TORCH_CONSTRAINTS",
    "TORCH_FAMILY",
    "VENV",
    "Change",
    "Rewrite",
    "TorchPlan",
    "apt_packages",
    "requirements_copy",
    "rewrite_dockerfile",
]
