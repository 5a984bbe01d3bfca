"""Render an optimized multi-stage Dockerfile from a naive single-stage one (pure).

Accepted input: one stage ``FROM python:X`` (any Debian-based tag), ``apt-get`` lines,
``COPY`` of one requirements file on its own, ``pip install -r`` of it, the application
``COPY`` lines and ``CMD``/``ENTRYPOINT``/``EXPOSE``/``ENV``/``WORKDIR``/other ``RUN`` lines
that use neither apt nor pip. The output has a builder stage on the original base (its
compilers build any source distribution) that installs the runtime requirements into
``/opt/venv``, and a runtime stage on the slim variant that copies the venv, installs the
runtime apt packages in one layer, and keeps the original instructions in order under a
non-root user. Every change is written as a ``# jettison: CODE ...`` comment above it and
returned as a :class:`Change`.

What cannot be rewritten safely raises :class:`FixError`: several stages, no ``pip install
-r``, a requirements file that only arrives with the application (``COPY . .``), a ``RUN``
mixing apt or pip with other commands, a base other than a Debian-based ``python`` image.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from jettison.dockerfile.model import Dockerfile, Instruction, Stage
from jettison.dockerfile.shell import Command, split_commands
from jettison.fix.errors import FixError
from jettison.lint.context import is_requirements_input
from jettison.lint.rules.deps._images import ImageRef, parse_image
from jettison.lint.rules.deps._pip import _subcommand, pip_argv
from jettison.lint.rules.hygiene.jt401_build_tools_in_final import is_build_tool
from jettison.lint.rules.models._weights import named_like_weights

VENV = "/opt/venv"
APP_USER = "app"
REQUIREMENTS_IN_BUILDER = "/tmp/requirements.txt"
TORCH_FAMILY = frozenset({"torch", "torchvision", "torchaudio"})
DEV_RUNTIME_LIBRARIES = {
    "libpq-dev": "libpq5",
    "libgl1-mesa-dev": "libgl1",
    "libglib2.0-dev": "libglib2.0-0",
    "libjpeg-dev": "libjpeg62-turbo",
    "libpng-dev": "libpng16-16",
    "libffi-dev": "libffi8",
    "libssl-dev": "libssl3",
    "libxml2-dev": "libxml2",
    "libsndfile1-dev": "libsndfile1",
    "default-libmysqlclient-dev": "libmariadb3",
}
"""Debian ``-dev`` packages and the runtime library they bring (bookworm names)."""
_APT = frozenset({"apt-get", "apt"})
_APT_VERBS = frozenset({"update", "install", "clean", "autoclean", "autoremove"})
_VERSION = re.compile(r"^\d+(?:\.\d+)*$")


@dataclass(frozen=True, slots=True)
class Change:
    code: str
    description: str


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
    return FixError(f"{dockerfile.path}: {message}", hint=hint)


def single_stage(dockerfile: Dockerfile) -> Stage:
    if len(dockerfile.stages) != 1:
        raise _refuse(
            dockerfile,
            f"{len(dockerfile.stages) or 'no'} build stages; fix rewrites single-stage "
            "Dockerfiles only",
            "a multi-stage Dockerfile is already split: run `jettison lint` on it instead",
        )
    return dockerfile.stages[0]


def python_base(dockerfile: Dockerfile) -> ImageRef:
    stage = single_stage(dockerfile)
    ref = parse_image(stage.base_expanded)
    if ref is None or ref.name != "python" or "alpine" in ref.tag_parts:
        raise _refuse(
            dockerfile,
            f"base image {stage.base!r} is not a Debian-based python image",
            "fix knows where python:X puts the interpreter; rewrite other bases by hand "
            "(jettison lint lists what to change)",
        )
    return ref


def slim_variant(ref: ImageRef) -> str:
    """``python:3.10`` -> ``python:3.10-slim``; ``python:3.11-bookworm`` ->
    ``python:3.11-slim-bookworm``; slim tags unchanged (digests dropped: they pin the
    full image)."""
    parts = list(ref.tag_parts)
    if "slim" in parts:
        return f"{ref.name}:{ref.tag}"
    if not parts or parts == ["latest"]:
        return f"{ref.name}:slim"
    if _VERSION.match(parts[0]):
        parts.insert(1, "slim")
    else:
        parts.insert(0, "slim")
    return f"{ref.name}:{'-'.join(parts)}"


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
    installs = [c for run in stage.of("RUN") for c in _pip_commands(run) if _requirement_arg(c)]
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


def _requirement_arg(command: Command) -> str | None:
    found = pip_argv(command)
    if found is None:
        return None
    verb, args = _subcommand(found[1])
    if verb != "install":
        return None
    for index, arg in enumerate(args):
        if arg in {"-r", "--requirement"} and index + 1 < len(args):
            return args[index + 1]
        if arg.startswith("--requirement="):
            return arg.split("=", 1)[1]
        if arg.startswith("-r") and len(arg) > 2:
            return arg[2:]
    return None


def _is_apt_cleanup(command: Command) -> bool:
    return command.name == "rm" and any(a.startswith("/var/lib/apt/lists") for a in command.args)


def _classify(dockerfile: Dockerfile, run: Instruction) -> str:
    """``apt``, ``pip`` or ``other`` for a RUN; mixed ones are refused."""
    kinds = set()
    for command in split_commands(run.shell_text):
        if command.name in _APT:
            words = command.words()
            if not words or words[0] not in _APT_VERBS:
                raise _refuse(
                    dockerfile,
                    f"line {run.position.line}: `{' '.join(command.argv[:3])}` is not an "
                    "apt step fix can move",
                    "keep apt-get to update/install/clean lines, then run fix again",
                )
            kinds.add("apt")
        elif _is_apt_cleanup(command):
            kinds.add("apt")
        elif pip_argv(command) is not None:
            kinds.add("pip")
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
    out: list[str] = []
    for command in split_commands(run.shell_text):
        words = command.words()
        if command.name in _APT and words[:1] == ["install"]:
            out.extend(words[1:])
    return out


def _apt_run(packages: Sequence[str]) -> str:
    return (
        "RUN apt-get update \\\n"
        f"    && apt-get install -y --no-install-recommends {' '.join(packages)} \\\n"
        "    && rm -rf /var/lib/apt/lists/*"
    )


def _pip_line(command: Command) -> str:
    argv = list(command.argv)
    if pip_argv(command) is not None and "install" in argv and "--no-cache-dir" not in argv:
        argv.insert(argv.index("install") + 1, "--no-cache-dir")
    return shlex.join(argv)


def rewrite_dockerfile(
    dockerfile: Dockerfile,
    *,
    runtime_requirements_source: str,
    torch: TorchPlan | None = None,
    runtime_base: str | None = None,
    moved_codes: Sequence[str] = (),
    keep_headers: bool = False,
) -> Rewrite:
    """The optimized Dockerfile for ``dockerfile``.

    ``runtime_requirements_source`` is the build-context path of the runtime requirements
    file (copied into the builder in place of the original); ``torch`` installs the torch
    family from a CPU index or a local wheel folder; ``runtime_base`` overrides the slim
    variant of the base; ``moved_codes`` are the codes of the requirements moved to the
    development file; ``keep_headers`` keeps C headers in the virtualenv (the code compiles
    at run time: torch.compile, C++ extensions).
    """
    stage = single_stage(dockerfile)
    ref = python_base(dockerfile)
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
    out.append("# Build stage: the full image's compilers build any source distribution.")
    out.append(f"FROM {stage.base} AS builder")
    out.extend(i.original for i in build_env)
    build_tools = list(dict.fromkeys(p for p in apt if is_build_tool(p)))
    if build_tools:
        out.append(_apt_run(build_tools))
    out.append(f"RUN python -m venv {VENV}")
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
    for run in pip_runs:
        for command in _pip_commands(run):
            if _requirement_arg(command) is not None:
                steps.append(
                    f"pip install --no-cache-dir{extra_index} -r {REQUIREMENTS_IN_BUILDER}"
                )
            else:
                steps.append(_pip_line(command))
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
    slim = runtime_base or slim_variant(ref)
    if runtime_base is not None:
        change("JT201", f"runtime stage on {slim} (--runtime-base)")
    elif slim != ref.text:
        change("JT201", f"runtime stage on {slim}: no compilers, headers or VCS tools")
    out.append(f"FROM {slim}")
    out.append(
        f"ENV PIP_NO_CACHE_DIR=1 PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PATH={VENV}/bin:$PATH"
    )
    runtime_apt: list[str] = []
    for package in dict.fromkeys(apt):
        if not is_build_tool(package):
            runtime_apt.append(package)
        elif package in DEV_RUNTIME_LIBRARIES:
            runtime_apt.append(DEV_RUNTIME_LIBRARIES[package])
        elif package.endswith("-dev"):
            runtime_apt.append(package)  # its runtime library is unknown: keep it, safely
    if build_tools:
        change("JT401", f"build tools only in the builder: {' '.join(build_tools)}")
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
