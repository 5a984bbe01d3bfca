"""JT401: compilers, ``-dev`` packages, packaging tools or source checkouts left in the
final image.

Why it matters: a compiler toolchain (``build-essential``, ``gcc``, ``g++``, ``cmake``,
``swig``) and development headers (``python3-dev``, ``libpq-dev``, ``*-devel``) are only
needed to build wheels and extensions; at run time they are hundreds of MB of dead weight
and attack surface. Build in a builder stage and copy the results (a venv, wheels) into a
final stage that never installs them. The same goes, on a smaller scale, for what only
installs: Poetry, pipx, PDM or uv kept next to the environment they built, ``git`` and
``make`` used to clone and drive a build, and a cloned source tree left after ``pip install
.`` installed it.

Read from every RUN of the stages the final image is made of (the stages it is built
``FROM`` and those it copies whole), the scripts they run included: packages installed and
not removed in the same RUN, and ``python3-pip``'s recommended ``build-essential`` and
``python3-dev`` when recommends are on. Builder stages are not checked. Reported as
``info`` when only the small tools are left (``git``, ``make``, a packaging tool, a
checkout), when the base image already ships a compiler toolchain (the full ``python:X``, a
``-devel`` image: the fix there is a builder stage and a slim base), and for compilers in an
image whose triton/DeepSpeed compile kernels at run time.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from packaging.utils import canonicalize_name

from jettison.dockerfile.commands.cleanup import removes
from jettison.dockerfile.commands.downloads import fetches, git_clone
from jettison.dockerfile.commands.python import (
    env_install,
    pip_argv,
    pip_subcommand,
    setup_py_install,
)
from jettison.dockerfile.commands.system import (
    INSTALL,
    REMOVE,
    apk_virtual,
    configures_no_recommends,
    is_apt,
    package_name,
    packages_if,
    without_recommends,
)
from jettison.dockerfile.images import runtime_base
from jettison.dockerfile.model import Dockerfile
from jettison.dockerfile.paths import absolute, covers
from jettison.dockerfile.shell import Command
from jettison.dockerfile.steps import Step, chain, expand, shipped_steps
from jettison.facts.bases import base_torch, is_cuda_base, ships_toolchain
from jettison.facts.system import (
    BUILD_TIME_TOOLS,
    JIT_COMPILERS,
    RECOMMENDED_BUILD_TOOLS,
    is_build_tool,
)
from jettison.imageref import parse_image
from jettison.lint.helpers import commands_run, stage_label
from jettison.lint.model import Finding, LintContext, Rule, Severity
from jettison.lint.packages import production_packages

PACKAGING_TOOLS = {
    "poetry": "Poetry",
    "poetry-plugin-export": "Poetry",
    "pipx": "pipx",
    "pdm": "PDM",
    "pipenv": "Pipenv",
    "uv": "uv",
    "hatch": "Hatch",
    "pip-tools": "pip-tools",
}
"""Tools that install packages (distribution -> name in messages)."""
_INSTALLER_URLS = (
    (re.compile(r"install\.python-poetry\.org|python-poetry/install"), "Poetry"),
    (re.compile(r"astral\.sh/uv/|astral-sh/uv"), "uv"),
    (re.compile(r"pdm-project\.org/install|pdm-project/pdm/.*install"), "PDM"),
)
_TOOL_DIRS = re.compile(r"(?:^|/)(?:\.?poetry|pypoetry|pipx)(?:/|$)")
"""Folders holding a packaging tool's own installation."""


@dataclass
class _Left:
    """What one instruction leaves in the final image."""

    tools: dict[str, None] = field(default_factory=dict)
    """Compilers, build systems, headers."""
    recommended: dict[str, None] = field(default_factory=dict)
    """Build tools that came as recommends (``python3-pip``)."""
    build_time: dict[str, None] = field(default_factory=dict)
    packaging: dict[str, None] = field(default_factory=dict)
    checkouts: dict[str, None] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(
            self.tools or self.recommended or self.build_time or self.packaging or self.checkouts
        )


def _system(commands: list[Command], env: dict[str, str], recommends_off: bool, out: _Left) -> None:
    kept: dict[str, str] = {}  # name -> tier
    virtual: dict[str, list[str]] = {}
    for command in commands:
        names = [package_name(expand(w, env)) for w in packages_if(command, INSTALL) or []]
        group = apk_virtual(command)
        for name in names:
            if is_build_tool(name):
                kept[name] = "tools"
            elif name in BUILD_TIME_TOOLS:
                kept[name] = "build_time"
            recommends = not (recommends_off or without_recommends(command))
            if name in RECOMMENDED_BUILD_TOOLS and is_apt(command, "install") and recommends:
                for extra in RECOMMENDED_BUILD_TOOLS[name]:
                    kept.setdefault(extra, "recommended")
        if group:
            virtual.setdefault(group, []).extend(names)
        for word in packages_if(command, REMOVE) or []:
            name = package_name(expand(word, env))
            kept.pop(name, None)
            for member in virtual.pop(name, []):
                kept.pop(member, None)
    for name, tier in sorted(kept.items()):
        getattr(out, tier)[name] = None


def _pip_tools(command: Command) -> tuple[str, list[str]] | None:
    """(verb, packaging tools named) of a pip install or uninstall."""
    found = pip_argv(command)
    if found is None:
        return None
    verb, rest = pip_subcommand(found[1])
    if verb not in ("install", "uninstall"):
        return None
    names = [re.split(r"[\[<>=!~;@ ]", w, maxsplit=1)[0] for w in rest if not w.startswith("-")]
    return verb, [n for n in (canonicalize_name(n) for n in names if n) if n in PACKAGING_TOOLS]


def _packaging(commands: list[Command], out: _Left) -> None:
    kept: dict[str, None] = {}
    for command in commands:
        found = _pip_tools(command)
        if found is not None:
            verb, names = found
            for name in names:
                if verb == "install":
                    kept[PACKAGING_TOOLS[name]] = None
                else:
                    kept.pop(PACKAGING_TOOLS[name], None)
        for fetch in fetches(command):
            for pattern, tool in _INSTALLER_URLS:
                if pattern.search(fetch.url):
                    kept[tool] = None
    out.packaging.update(kept)


def _checkouts(commands: list[Command], step: Step, out: _Left) -> None:
    """Clones that a later command installs from (not editable) and that stay."""
    cwd = step.cwd
    clones: list[tuple[int, str]] = []
    installed: dict[str, None] = {}
    for index, command in enumerate(commands):
        if command.name == "cd" and command.args:
            cwd = absolute(expand(command.args[0], step.env), cwd)
            continue
        clone = git_clone(command)
        if clone is not None:
            clones.append((index, absolute(expand(clone.path, step.env), cwd)))
            continue
        targets = _installed_from(command, cwd)
        for _, path in clones:
            if any(covers(path, t) for t in targets) and not removes(
                commands[index + 1 :], path, step.cwd, step.env
            ):
                installed[path] = None
    out.checkouts.update(installed)


def _installed_from(command: Command, cwd: str) -> list[str]:
    """Folders a non-editable install copies from (an editable one keeps needing them)."""
    if setup_py_install(command) and "develop" not in command.argv:
        return [cwd]
    found = env_install(command)
    if found is None or found.tool not in ("pip", "uv pip") or command.has("-e", "--editable"):
        return []
    return [absolute(p, cwd) for p in found.projects]


def _copied_tool(dockerfile: Dockerfile, step: Step) -> str | None:
    """A packaging tool a ``COPY --from`` brings (Poetry's home, uv's binary)."""
    instruction = step.instruction
    source = instruction.flag("from")
    if instruction.keyword != "COPY" or not source or len(instruction.args) < 2:
        return None
    for pattern, tool in _INSTALLER_URLS:
        if pattern.search(source):
            return tool
    poetry_home = step.env.get("POETRY_HOME", "")
    for arg in instruction.args[:-1]:
        path = expand(arg, step.env).rstrip("/")
        if (poetry_home and path == poetry_home.rstrip("/")) or _TOOL_DIRS.search(path):
            return "Poetry" if "poetry" in path.lower() else "pipx"
    return None


def _jit(ctx: LintContext) -> bool:
    """Kernels may be compiled at run time (triton, DeepSpeed, or torch on a CUDA image): a
    compiler, Python's headers, even other headers can then be runtime dependencies."""
    names = {d.name for d in production_packages(ctx)}
    names.update(r.name for r in ctx.requirements.requirements)
    if names & JIT_COMPILERS:
        return True
    base = runtime_base(ctx.dockerfile)
    if base is None or not is_cuda_base(base.ref):
        return False
    return "torch" in names or base_torch(base.ref)[0]


def _toolchain_base(dockerfile: Dockerfile, step: Step) -> str | None:
    ref = parse_image(chain(dockerfile, step.stage)[0].base_expanded)
    return ref.text if ref is not None and ships_toolchain(ref) else None


def check(ctx: LintContext) -> Iterator[Finding]:
    if ctx.dockerfile is None:
        return
    single = len(ctx.dockerfile.stages) == 1
    jit = _jit(ctx)
    recommends_off = False
    for step in shipped_steps(ctx.dockerfile):
        left = _Left()
        if step.instruction.keyword == "COPY":
            tool = _copied_tool(ctx.dockerfile, step)
            if tool is not None:
                left.packaging[tool] = None
        elif step.instruction.keyword == "RUN":
            commands = commands_run(ctx, step)
            recommends_off = recommends_off or any(configures_no_recommends(c) for c in commands)
            _system(commands, step.env, recommends_off, left)
            _packaging(commands, left)
            _checkouts(commands, step, left)
        if not left:
            continue
        where = (
            "this single-stage image" if single else f"{stage_label(step.stage)} of the final image"
        )
        yield _finding(ctx, step, left, where, jit)


def _finding(ctx: LintContext, step: Step, left: _Left, where: str, jit: bool) -> Finding:
    assert ctx.dockerfile is not None
    tools = list(left.tools)
    parts = []
    if tools:
        parts.append(
            f"{', '.join(tools)} installed in {where}: build tools and headers ship to production"
        )
    if left.recommended:
        parts.append(
            f"python3-pip without --no-install-recommends also installs "
            f"{', '.join(left.recommended)} (its recommends), compilers included"
        )
    if left.build_time:
        parts.append(
            f"{', '.join(left.build_time)} stay{'s' * (len(left.build_time) == 1)} in {where} "
            "(build-time tools; keep them only if the service runs them)"
        )
    if left.packaging:
        parts.append(
            f"{', '.join(left.packaging)} stays in {where}, though it only installs packages"
        )
    if left.checkouts:
        parts.append(
            f"the source checkout {', '.join(left.checkouts)} stays after it was installed"
        )
    heavy = bool(tools or left.recommended)
    toolchain = _toolchain_base(ctx.dockerfile, step)
    if heavy and toolchain is not None:
        parts.append(f"({toolchain} already ships a compiler toolchain)")
    elif heavy and jit:
        parts.append(
            "(this image runs torch on CUDA, triton or DeepSpeed, which may compile kernels "
            "at run time: keep what that needs)"
        )
    solid = heavy and toolchain is None and not jit
    return RULE.finding(
        ctx.dockerfile.path,
        step.instruction,
        "; ".join(parts),
        fix=_fix(left, toolchain),
        severity=None if solid else Severity.INFO,
    )


def _fix(left: _Left, toolchain: str | None) -> str:
    fixes = []
    if left.tools or left.recommended or left.build_time:
        fixes.append(
            "Install build tools in a builder stage, build wheels or a venv there, and "
            "`COPY --from=builder` only the result into a final stage without them"
            + (" (and on a slim base)" if toolchain else "")
            + "."
        )
    if left.recommended:
        fixes.append("Add `--no-install-recommends`.")
    if left.packaging:
        fixes.append(
            "Run the packaging tool in the builder stage (or `pip uninstall` it in the same "
            "RUN) and start the service with its own command rather than `poetry run`."
        )
    if left.checkouts:
        fixes.append(
            "Remove the checkout in the RUN that installs it, or clone in a builder stage."
        )
    return " ".join(fixes)


RULE = Rule(
    code="JT401",
    name="build-tools-in-final-image",
    severity=Severity.WARNING,
    summary="Compilers, -dev packages or packaging tools are left in the final image.",
    check=check,
    example=(
        "FROM python:3.11-slim\n"
        "RUN apt-get update && apt-get install -y --no-install-recommends build-essential "
        "python3-dev && rm -rf /var/lib/apt/lists/*\n"
        "RUN pip install --no-cache-dir -r requirements.txt"
    ),
    fix_example=(
        "FROM python:3.11-slim AS builder\n"
        "RUN apt-get update && apt-get install -y --no-install-recommends build-essential "
        "&& rm -rf /var/lib/apt/lists/*\n"
        "RUN python -m venv /opt/venv && /opt/venv/bin/pip install --no-cache-dir -r "
        "requirements.txt\n\n"
        "FROM python:3.11-slim\n"
        "COPY --from=builder /opt/venv /opt/venv"
    ),
)
