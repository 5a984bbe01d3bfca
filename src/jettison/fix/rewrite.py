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

import shlex
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from jettison.dockerfile.commands.python import parse_install, pip_argv, without_cache
from jettison.dockerfile.commands.system import (
    apt_installs,
    is_apt_cleanup,
    is_apt_tool,
    is_movable_apt,
    package_name,
    sets_apt_source,
)
from jettison.dockerfile.discover import is_requirements_input
from jettison.dockerfile.model import Dockerfile, Instruction
from jettison.dockerfile.shell import Command, split_commands
from jettison.facts.system import DEV_RUNTIME_LIBRARIES, PYTHON_TOOLING, is_build_tool
from jettison.facts.weights import named_like_weights
from jettison.fix.bases import TORCH_FAMILY, BasePlan, plan_base, single_stage
from jettison.fix.changes import Change
from jettison.fix.errors import FixError, refuse

VENV = "/opt/venv"
APP_USER = "app"
REQUIREMENTS_IN_BUILDER = "/tmp/requirements.txt"
NONINTERACTIVE = "ARG DEBIAN_FRONTEND=noninteractive"
"""Build-time only (an ARG, not an ENV): apt never stops at a question (tzdata...)."""


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
    """The ``COPY`` of the requirements file ``pip install -r`` reads (copied on its own)."""
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
        c for run in stage.of("RUN") for c in _pip_commands(run) if _requirement_arg(run, c)
    ]
    if not installs:
        raise _refuse(
            dockerfile,
            "no `pip install -r <requirements file>`: cannot find the Python environment",
            "fix rewrites images whose dependencies come from one requirements file",
        )
    if len(installs) > 1 or len(copies) != 1:
        raise _refuse(
            dockerfile,
            "the requirements file is not copied on its own before `pip install -r` "
            f"({len(copies)} requirement COPY lines, {len(installs)} pip -r commands)",
            "copy exactly one requirements file with its own COPY line (COPY requirements.txt"
            " .) before `RUN pip install -r requirements.txt`, then run fix again",
        )
    return copies[0]


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
        if is_apt_tool(command):
            if not is_movable_apt(command):
                raise _refuse(
                    dockerfile,
                    f"line {run.position.line}: `{' '.join(command.argv[:3])}` is not an "
                    "apt step fix can move",
                    "keep apt-get to update/install/clean lines, then run fix again",
                )
            kinds.add("apt")
        elif is_apt_cleanup(command):
            kinds.add("apt")
        elif pip_argv(command) is not None:
            kinds.add("pip")
        elif sets_apt_source(command):
            raise _refuse(
                dockerfile,
                f"line {run.position.line}: `{command.name}` sets up an apt source; the "
                "rewrite installs the apt packages before the other steps, so it would fail",
                "install from the base's own archive, or rewrite this Dockerfile by hand",
            )
        else:
            kinds.add("other")
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


def _apt_run(packages: Sequence[str]) -> str:
    return (
        "RUN apt-get update \\\n"
        f"    && apt-get install -y --no-install-recommends {' '.join(packages)} \\\n"
        "    && rm -rf /var/lib/apt/lists/*"
    )


def rewrite_dockerfile(
    dockerfile: Dockerfile,
    *,
    runtime_requirements_source: str,
    torch: TorchPlan | None = None,
    base: BasePlan | None = None,
    moved_codes: Sequence[str] = (),
    keep_headers: bool = False,
) -> Rewrite:
    """The optimized Dockerfile for ``dockerfile``.

    ``runtime_requirements_source`` is the build-context path of the runtime requirements
    file (copied into the builder in place of the original); ``torch`` installs the torch
    family from a CPU index or a local wheel folder; ``base`` says which images both stages
    run on and which interpreter creates the virtualenv (default: :func:`plan_base` for the
    base's own target); ``moved_codes`` are the codes of the requirements moved to the
    development file; ``keep_headers`` keeps C headers in the virtualenv (the code compiles
    at run time: torch.compile, C++ extensions).
    """
    stage = single_stage(dockerfile)
    if base is None:
        base = plan_base(
            dockerfile, apt_packages=apt_packages(dockerfile), keep_compiler=keep_headers
        )
    req_copy = requirements_copy(dockerfile)
    out: list[str] = []
    changes: list[Change] = []

    def change(code: str, description: str) -> None:
        changes.append(Change(code, description))
        out.append(f"# jettison: {code} {description}")

    apt: list[str] = []
    pip_runs: list[Instruction] = []
    kept: list[Instruction] = []
    for instruction in stage.instructions:
        if instruction.keyword == "RUN":
            kind = _classify(dockerfile, instruction)
            if kind == "apt":
                apt.extend(_apt_packages(instruction))
                continue
            if kind == "pip":
                pip_runs.append(instruction)
                continue
        if instruction is req_copy:
            continue
        kept.append(instruction)
    first_pip = min(i.position.line for i in pip_runs)
    build_env = [
        i for i in stage.of("ENV", "ARG") if i.position.line < first_pip
    ]  # proxies, index URLs... the install may need

    out.extend(i.original for i in dockerfile.global_args)
    if dockerfile.global_args:
        out.append("")
    # -- builder ----------------------------------------------------------------------------
    if base.kind == "python" or "devel" in base.image.tag_parts:
        out.append("# Build stage: the full image's compilers build any source distribution.")
    else:
        out.append("# Build stage on the original base: the requirements go into a virtualenv.")
    out.append(f"FROM {stage.base} AS builder")
    if base.builder_apt:
        out.append(NONINTERACTIVE)
    out.extend(i.original for i in build_env)
    build_tools = list(dict.fromkeys(p for p in apt if is_build_tool(package_name(p))))
    builder_apt = list(dict.fromkeys([*base.builder_apt, *build_tools]))
    if builder_apt:
        out.append(_apt_run(builder_apt))
    if base.python_comment:
        out.append(f"# {base.python_comment}")
    site = " --system-site-packages" if base.system_site_packages else ""
    out.append(f"RUN {base.python} -m venv{site} {VENV}")
    out.append(f"ENV PATH={VENV}/bin:$PATH")
    if moved_codes:
        codes = " ".join(sorted(set(moved_codes)))
        change(codes, "only runtime requirements; dev/unused ones are in requirements-dev.txt")
    out.append(f"COPY {runtime_requirements_source} {REQUIREMENTS_IN_BUILDER}")
    steps: list[str] = []
    extra_index = ""
    if torch is not None and torch.lines and torch.wheel_mount is not None:
        change(
            "JT302",
            f"CPU target: torch from the local folder {torch.index_url}, not PyPI's CUDA "
            f"build (mounted read-only at {torch.wheel_mount} during the build, never copied "
            "into the image)",
        )
        out.append(f"# build with: buildah bud -v {torch.index_url}:{torch.wheel_mount}:ro ...")
        pins = " ".join(shlex.quote(t) for t in torch.lines)
        steps.append(f"pip install --no-cache-dir --find-links {torch.wheel_mount} {pins}")
        steps.append(f"printf '%s\\n' {pins} > {TORCH_CONSTRAINTS}")
        extra_index = f" -c {TORCH_CONSTRAINTS}"
    elif torch is not None and torch.lines:
        change("JT302", f"CPU target: torch from {torch.index_url}, not PyPI's CUDA build")
        steps.append(
            "pip install --no-cache-dir --index-url "
            f"{shlex.quote(torch.index_url)} {' '.join(shlex.quote(t) for t in torch.lines)}"
        )
        extra_index = f" --extra-index-url {shlex.quote(torch.index_url)}"
    elif base.base_torch:
        # the base's torch, as pip sees it through --system-site-packages, pins the install
        steps.append(f"pip list --format=freeze | grep -i '^torch==' > {TORCH_CONSTRAINTS}")
        extra_index = f" -c {TORCH_CONSTRAINTS}"
    if base.torch_note is not None:
        change(base.torch_note.code, base.torch_note.description)
    for run in pip_runs:
        for command in _pip_commands(run):
            if _requirement_arg(run, command) is not None:
                steps.append(
                    f"pip install --no-cache-dir{extra_index} -r {REQUIREMENTS_IN_BUILDER}"
                )
            else:
                steps.append(without_cache(command))
    change("JT107", "pip without a download cache")
    out.append("RUN " + " \\\n    && ".join(steps))
    # The builder's venv is what the runtime stage copies: strip what no import needs.
    # Test suites are only those below a package (site-packages/<pkg>/.../tests), as
    # inspect's `tests` cause counts them; bytecode is rebuilt in memory at import.
    stripped = "bytecode and the packages' bundled test suites"
    find = (
        f"find {VENV} -depth -type d \\( -name __pycache__ "
        "-o -path '*/site-packages/*/tests' -o -path '*/site-packages/*/test' \\) "
        "-exec rm -rf {} +"
    )
    if not keep_headers:
        stripped += ", C/C++ headers and static libraries (nothing compiles at run time)"
        find += (
            f" \\\n    && find {VENV} -type f \\( -name '*.h' -o -name '*.hpp' "
            "-o -name '*.cuh' -o -name '*.a' \\) -delete"
        )
    causes = "removable:bytecode,tests" + ("" if keep_headers else ",toolchain")
    change(causes, f"the copied virtualenv leaves out {stripped}")
    out.append(f"RUN {find}")
    out.append("")
    # -- runtime ----------------------------------------------------------------------------
    if base.runtime_note is not None:
        change(base.runtime_note.code, base.runtime_note.description)
    out.append(f"FROM {base.runtime}")
    if base.runtime_apt:
        out.append(NONINTERACTIVE)
    out.append(
        f"ENV PIP_NO_CACHE_DIR=1 PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PATH={VENV}/bin:$PATH"
    )
    runtime_apt: list[str] = list(base.runtime_apt)
    for package in dict.fromkeys(apt):
        if base.runtime_apt and PYTHON_TOOLING.match(package_name(package)):
            continue  # the runtime stage's interpreter is base.runtime_apt's; pip is the venv's
        if not is_build_tool(package_name(package)):
            runtime_apt.append(package)
        elif package in DEV_RUNTIME_LIBRARIES:
            runtime_apt.append(DEV_RUNTIME_LIBRARIES[package])
        elif package.endswith("-dev"):
            runtime_apt.append(package)  # its runtime library is unknown: keep it, safely
    if build_tools:
        change("JT401", f"build tools only in the builder: {' '.join(build_tools)}")
    runtime_apt = list(dict.fromkeys(runtime_apt))
    if runtime_apt:
        change("JT101 JT102", "apt in one layer, no recommended packages, lists removed")
        out.append(_apt_run(runtime_apt))
    has_user = any(i.keyword == "USER" for i in kept)
    if not has_user:
        change("JT601", f"an unprivileged user `{APP_USER}` runs the service")
        out.append(f"RUN useradd --create-home --uid 10001 {APP_USER}")
    out.append(f"COPY --from=builder {VENV} {VENV}")
    last_build_step = max(
        (n for n, i in enumerate(kept) if i.keyword in {"RUN", "COPY", "ADD", "WORKDIR"}),
        default=-1,
    )
    for index, instruction in enumerate(kept):
        if instruction.keyword in {"COPY", "ADD"} and any(
            named_like_weights(s) for s in instruction.args[:-1]
        ):
            change(
                "JT501",
                "model weights stay baked in (kept); consider mounting them as a volume "
                "(docker run -v ./models:/models) or fetching them at start",
            )
        out.append(instruction.original)
        if index == last_build_step and not has_user:
            out.append(f"USER {APP_USER}")
    if last_build_step == -1 and not has_user:
        out.append(f"USER {APP_USER}")
    port = _http_port(kept)
    if port is not None and not any(i.keyword == "HEALTHCHECK" for i in kept):
        # A TCP connect with the image's own Python: no curl installed just for the check,
        # and no guess at a health path the service may not have.
        change("JT605", f"HEALTHCHECK: the service accepts connections on port {port}")
        out.append(
            "HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 "
            f'CMD ["python", "-c", "import socket; socket.create_connection('
            f"('127.0.0.1', {port}), 4).close()\"]"
        )
    return Rewrite(text="\n".join(out) + "\n", changes=tuple(changes))


def _http_port(instructions: Sequence[Instruction]) -> int | None:
    """The first TCP port the image EXPOSEs (``8080``, ``8080/tcp``), if any."""
    for instruction in instructions:
        if instruction.keyword != "EXPOSE":
            continue
        for word in instruction.args:
            number, _, protocol = word.partition("/")
            if number.isdigit() and protocol in ("", "tcp"):
                return int(number)
    return None


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
