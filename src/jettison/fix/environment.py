"""Where a Dockerfile's Python environment is installed, read from its install commands: what
the multi-stage split's runtime stage copies from the builder.

Three answers:

``redirect``
    The installs go into the base's own interpreter (``pip install`` as root on
    ``python:X``, ``poetry`` with ``virtualenvs.create false``, ``uv pip install --system``)
    or into a virtualenv whose place a tool picks (Poetry's cache): the builder creates
    ``/opt/venv`` before the first such install and puts it first on ``PATH``
    (``VIRTUAL_ENV``, ``UV_PROJECT_ENVIRONMENT`` and ``UV_PYTHON`` name it to poetry, pdm
    and uv), so every install lands there.
``venv``
    The Dockerfile installs into a virtualenv at a known place: one it creates
    (``python -m venv /venv``, ``DIR/bin/pip``, ``VIRTUAL_ENV``), a project environment
    (``uv sync`` into ``UV_PROJECT_ENVIRONMENT`` or ``.venv``, ``pdm install``, Poetry with
    ``virtualenvs.in-project``). It is copied where it is: the paths the service and its
    scripts name stay valid.
``conda``
    conda/mamba/micromamba environments: the prefix is copied (one named environment when
    the service runs it through ``PATH``, else the whole root).

An install elsewhere (``pip install --user``/``--prefix``/``--target``), an interpreter a
tool downloads (``uv python install``), conda installed by a script, or installs into two
environments are refusals, each with its reason. Installs of installer tools only
(``pip install poetry``) may go anywhere: they build, and stay in the builder.
"""

from __future__ import annotations

import itertools
import posixpath
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from jettison.dockerfile.commands.options import option_values, positionals
from jettison.dockerfile.commands.python import (
    CONDA,
    CONDA_VALUED,
    LOCKS,
    PDM_VALUED,
    POETRY_VALUED,
    UV_VALUED,
    parse_install,
    pip_argv,
    venv_dirs,
)
from jettison.dockerfile.model import Dockerfile, Instruction, Stage
from jettison.dockerfile.paths import absolute, covers
from jettison.dockerfile.shell import ALL_RUNNERS, Command, runner_prefix, split_commands
from jettison.dockerfile.shellwords import parts
from jettison.dockerfile.steps import Step, expand, steps
from jettison.fix.errors import FixError, refuse
from jettison.fix.roles import PartRoles, Role, command_role, installs_only_tools, part_roles

Mode = Literal["redirect", "venv", "conda"]
VENV = "/opt/venv"
CONDA_ROOT = "/opt/conda"
SYSTEM_BINS = ("/usr/local/bin", "/usr/bin", "/bin", "/usr/local/sbin", "/usr/sbin", "/sbin")
_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off"})
_INSTALLER_SCRIPTS = ("miniconda", "anaconda", "mambaforge", "miniforge", "micromamba")


@dataclass(frozen=True, slots=True)
class Target:
    """Where one install command puts packages."""

    kind: Literal["system", "unknown", "env", "conda"]
    path: str | None = None
    tools_only: bool = False
    """It installs installer tools only (pip, poetry, uv...)."""
    tool: str = "pip"


@dataclass(frozen=True)
class RunStep:
    """A RUN of the stages the final image is built from, read for the split."""

    step: Step
    parts: tuple[PartRoles, ...] | None
    """Its top-level parts with their commands' roles; None when the script cannot be cut
    (a heredoc, a ``case``, a background command...)."""
    commands: tuple[Command, ...]
    roles: tuple[Role, ...]
    targets: tuple[tuple[Command, Target], ...] = ()

    @property
    def instruction(self) -> Instruction:
        return self.step.instruction

    @property
    def installs(self) -> bool:
        return "install" in self.roles

    @property
    def line(self) -> int:
        return self.instruction.position.line


@dataclass(frozen=True)
class Environment:
    mode: Mode
    prefix: str
    """The absolute path the runtime stage copies from the builder."""
    first_install: Instruction
    """The first instruction that installs into it: the redirect goes before it, and the
    runtime stage copies the environment where it stood."""
    python: str | None = None
    """``redirect``: the interpreter the first install ran (``python3.10 -m pip``), None
    for the base's own."""
    tools: tuple[str, ...] = ()
    """Tools that manage it (``pip``, ``uv``, ``poetry``, ``pdm``, ``conda``...)."""
    owner: str | None = None
    """The user in effect when it was installed, when not root (the runtime copy keeps it
    theirs)."""
    named_conda_env: bool = False
    """``conda``: the prefix is one named environment, not the whole root."""


@dataclass
class _State:
    """What the steps so far set up: virtualenvs, Poetry's settings, PATH."""

    venvs: set[str] = field(default_factory=set)
    poetry_create: bool | None = None
    poetry_in_project: bool | None = None
    tool_homes: dict[str, str] = field(default_factory=dict)
    """Installer tool -> the environment it was installed into (Poetry in its own venv)."""
    path: list[str] = field(default_factory=list)
    """PATH as the Dockerfile sets it (empty: the base image's)."""
    env_name: EnvName | None = None


EnvName = Callable[[Step, str], "str | None"]
"""(the step, the environment file a ``conda env create -f`` reads) -> the ``name:`` in it."""


def run_steps(
    dockerfile: Dockerfile,
    final: Stage,
    conda_base: bool = False,
    env_name: EnvName | None = None,
) -> list[RunStep]:
    """Every RUN of ``final`` and the stages it is built on, read, with the target of each
    install (``conda_base``: the base image's PATH starts with ``/opt/conda/bin``;
    ``env_name`` reads a conda environment file's name)."""
    state = _State(path=[f"{CONDA_ROOT}/bin"] if conda_base else [], env_name=env_name)
    out: list[RunStep] = []
    for step in steps(dockerfile, final, inherited=True):
        instruction = step.instruction
        if instruction.keyword == "ENV":
            _track_env(state, instruction, step.env)
            continue
        if instruction.keyword != "RUN":
            continue
        out.append(_read_run(step, state))
    return out


def _track_env(state: _State, instruction: Instruction, env: Mapping[str, str]) -> None:
    args = instruction.args
    for index in range(0, len(args) - 1, 2):
        if args[index] == "PATH":
            value = args[index + 1].strip("\"'")
            previous = ":".join(state.path) if state.path else "$PATH"
            value = value.replace("${PATH}", previous).replace("$PATH", previous)
            state.path = [expand(p, env) for p in value.split(":") if p]


def _read_run(step: Step, state: _State) -> RunStep:
    instruction = step.instruction
    script = instruction.shell_text if not instruction.json else ""
    cut = None if instruction.json or instruction.heredocs else parts(script)
    if instruction.json:
        commands = tuple(split_commands(" ".join(instruction.args), ALL_RUNNERS))
        raw = tuple(split_commands(" ".join(instruction.args)))
        read: tuple[PartRoles, ...] | None = None
    elif cut is not None:
        read = tuple(part_roles(p) for p in cut)
        commands = tuple(c for p in read for c in p.commands)
        raw = tuple(c for p in cut for c in split_commands(p.text))
    else:
        read = None
        commands = tuple(split_commands(script, ALL_RUNNERS))
        raw = tuple(split_commands(script))
    roles = tuple(command_role(c) for c in commands)
    targets: list[tuple[Command, Target]] = []
    for command in raw:
        found = _install_target(instruction, command, step, state)
        if found is not None:
            targets.append(found)
        _remember(command, step, state, targets)
    return RunStep(step, read, commands, roles, tuple(targets))


def _remember(
    command: Command, step: Step, state: _State, targets: list[tuple[Command, Target]]
) -> None:
    """What a command sets up for the later ones: a virtualenv, Poetry's settings."""
    for folder in venv_dirs(command):
        state.venvs.add(absolute(expand(folder, step.env), step.cwd))
    if command.name == "poetry" and "config" in command.args:
        words = positionals(command, POETRY_VALUED)
        for key, value in itertools.pairwise(words[1:]):
            if key == "virtualenvs.create":
                state.poetry_create = value.lower() not in _FALSE
            elif key == "virtualenvs.in-project":
                state.poetry_in_project = value.lower() in _TRUE
    if targets and targets[-1][0] is command:
        target = targets[-1][1]
        if target.tools_only and target.kind == "env" and target.path is not None:
            for tool in LOCKS:
                if tool in " ".join(command.args):
                    state.tool_homes[tool] = target.path


def _install_target(
    instruction: Instruction, raw: Command, step: Step, state: _State
) -> tuple[Command, Target] | None:
    """(the command, where it installs), None for a command that installs nothing."""
    at = runner_prefix(raw.argv)
    runner = raw.argv[:at] if at else ()
    command = Command(raw.argv[at:]) if at else raw
    if command_role(command) != "install":
        return None
    conda_env = _conda_runner_env(runner, step.env)
    name = command.name
    if name in CONDA:
        return command, _conda_target(command, step, state.env_name)
    if pip_argv(command) is not None or _runs_setup_py(command):
        if conda_env is not None:
            return command, Target("conda", conda_env, installs_only_tools(instruction, command))
        return command, _pip_target(instruction, command, step, state)
    if name == "uv":
        return command, _uv_target(command, step)
    if name == "poetry":
        return command, _poetry_target(command, step, state)
    if name == "pdm":
        return command, _pdm_target(command, step)
    if name == "pipenv":
        return command, _pipenv_target(command, step)
    return None


def _runs_setup_py(command: Command) -> bool:
    return command.name.startswith("python") and any(
        posixpath.basename(a) == "setup.py" for a in command.args
    )


def _conda_runner_env(runner: Sequence[str], env: Mapping[str, str]) -> str | None:
    if not runner or posixpath.basename(runner[0]) not in CONDA:
        return None
    root = _conda_root(env)
    prefixes = option_values(runner, "-p", "--prefix")
    if prefixes:
        return prefixes[-1]
    names = option_values(runner, "-n", "--name")
    return f"{root}/envs/{names[-1]}" if names and names[-1] != "base" else root


def _conda_root(env: Mapping[str, str]) -> str:
    for name in ("MAMBA_ROOT_PREFIX", "CONDA_DIR", "CONDA_PREFIX"):
        if env.get(name, "").startswith("/"):
            return env[name].rstrip("/")
    return CONDA_ROOT


def _conda_target(command: Command, step: Step, env_name: EnvName | None) -> Target:
    root = _conda_root(step.env)
    prefixes = option_values(command.args, "-p", "--prefix")
    if prefixes:
        return Target("conda", prefixes[-1].rstrip("/"), tool=command.name)
    names = option_values(command.args, "-n", "--name")
    words = positionals(command, CONDA_VALUED)
    files = option_values(command.args, "-f", "--file")
    if not names and words[:2] == ["env", "create"] and files and env_name is not None:
        found = env_name(step, files[-1])
        names = [found] if found else []
    if names and names[-1] != "base":
        return Target("conda", f"{root}/envs/{names[-1]}", tool=command.name)
    return Target("conda", root, tool=command.name)


def _interpreter(program: str, step: Step, state: _State) -> Target:
    """Where pip run as ``program`` (``pip``, ``/venv/bin/pip``, ``python3.10``) installs."""
    if "/" in program:
        path = absolute(expand(program, step.env), step.cwd)
        folder = posixpath.dirname(path)
        if folder in SYSTEM_BINS:
            return Target("system")
        root = posixpath.dirname(folder)
        kind: Literal["conda", "env"] = "conda" if covers(_conda_root(step.env), root) else "env"
        return Target(kind, root)
    for entry in state.path:
        if entry in SYSTEM_BINS:
            return Target("system")
        root = posixpath.dirname(entry.rstrip("/"))
        if entry.rstrip("/").endswith("/bin") and root in state.venvs:
            return Target("env", root)
        if entry.rstrip("/").endswith("/bin") and covers(_conda_root(step.env), root):
            return Target("conda", root)
    return Target("system")


def _pip_target(instruction: Instruction, command: Command, step: Step, state: _State) -> Target:
    tools = installs_only_tools(instruction, command)
    install = parse_install(instruction, command)
    if install is not None and install.tool == "uv pip":
        return _uv_pip_target(command, step, tools)
    if command.has("--user", "--prefix", "--target", "-t", "--root"):
        return Target("unknown", "elsewhere", tools)
    found = _interpreter(command.argv[0], step, state)
    return Target(found.kind, found.path, tools)


def _uv_pip_target(command: Command, step: Step, tools: bool) -> Target:
    if command.has("--prefix", "--target", "--user"):
        return Target("unknown", "elsewhere", tools, "uv")
    pythons = option_values(command.args, "--python", "-p")
    if pythons:
        path = absolute(expand(pythons[-1], step.env), step.cwd)
        folder = posixpath.dirname(path)
        if "/" in pythons[-1] and folder not in SYSTEM_BINS:
            return Target("env", posixpath.dirname(folder), tools, "uv")
        return Target("system", tools_only=tools, tool="uv")
    if command.has("--system") or step.env.get("UV_SYSTEM_PYTHON", "").lower() in _TRUE:
        return Target("system", tools_only=tools, tool="uv")
    venv = step.env.get("VIRTUAL_ENV")
    path = absolute(expand(venv, step.env), step.cwd) if venv else absolute(".venv", step.cwd)
    return Target("env", path, tools, "uv")


def _uv_target(command: Command, step: Step) -> Target:
    verb = command.args[0] if command.args else ""
    if verb in ("venv", "pip"):
        folder = positionals(command, UV_VALUED)[1:2] or [".venv"]
        if verb == "venv":
            return Target("env", absolute(expand(folder[0], step.env), step.cwd), True, "uv")
        return _uv_pip_target(command, step, False)
    if verb == "python":
        return Target("unknown", "managed", tool="uv")
    project = option_values(command.args, "--project", "--directory")
    cwd = absolute(expand(project[-1], step.env), step.cwd) if project else step.cwd
    if command.has("--active") and step.env.get("VIRTUAL_ENV"):
        return Target("env", absolute(step.env["VIRTUAL_ENV"], cwd), tool="uv")
    target = step.env.get("UV_PROJECT_ENVIRONMENT")
    if target:
        return Target("env", absolute(expand(target, step.env), cwd), tool="uv")
    if verb in ("sync", "add", "remove"):
        return Target("env", absolute(".venv", cwd), tool="uv")
    return Target("env", absolute(".venv", cwd), True, "uv")  # lock, export: prepare only


def _poetry_target(command: Command, step: Step, state: _State) -> Target:
    words = positionals(command, POETRY_VALUED)
    if words[:1] != ["install"] and words[:1] != ["sync"] and words[:1] != ["add"]:
        return Target("system", tools_only=True, tool="poetry")  # config, lock, export...
    folder = option_values(command.args, "-C", "--directory")
    cwd = absolute(expand(folder[-1], step.env), step.cwd) if folder else step.cwd
    if step.env.get("VIRTUAL_ENV"):
        return Target(
            "env", absolute(expand(step.env["VIRTUAL_ENV"], step.env), cwd), tool="poetry"
        )
    in_project = state.poetry_in_project
    if in_project is None:
        in_project = step.env.get("POETRY_VIRTUALENVS_IN_PROJECT", "").lower() in _TRUE
    create = state.poetry_create
    if create is None:
        create = step.env.get("POETRY_VIRTUALENVS_CREATE", "").lower() not in _FALSE
    if create and in_project:
        return Target("env", absolute(".venv", cwd), tool="poetry")
    if not create:
        home = state.tool_homes.get("poetry")
        return Target("env", home, tool="poetry") if home else Target("system", tool="poetry")
    return Target("unknown", tool="poetry")


def _pdm_target(command: Command, step: Step) -> Target:
    words = positionals(command, PDM_VALUED)
    if words[:1] not in (["install"], ["sync"], ["add"]):
        return Target("system", tools_only=True, tool="pdm")
    if command.has("-g", "--global"):
        return Target("system", tool="pdm")
    project = option_values(command.args, "-p", "--project")
    cwd = absolute(expand(project[-1], step.env), step.cwd) if project else step.cwd
    return Target("env", absolute(".venv", cwd), tool="pdm")


def _pipenv_target(command: Command, step: Step) -> Target:
    if command.has("--system"):
        return Target("system", tool="pipenv")
    if step.env.get("PIPENV_VENV_IN_PROJECT", "").lower() in _TRUE:
        return Target("env", absolute(".venv", step.cwd), tool="pipenv")
    if step.env.get("VIRTUAL_ENV"):
        return Target("env", absolute(step.env["VIRTUAL_ENV"], step.cwd), tool="pipenv")
    return Target("unknown", tool="pipenv")


# -- the environment ------------------------------------------------------------------------------


_Install = tuple[RunStep, Command, Target]
"""One install command of a RUN, and where it installs."""


def find_environment(
    dockerfile: Dockerfile, runs: Sequence[RunStep], *, conda_family: bool, runtime_tools: set[str]
) -> Environment:
    """The environment ``runs`` install into, or a refusal (FixError) saying why it cannot be
    copied. ``runtime_tools``: programs the runtime stage runs (a tool it needs must be in
    the environment)."""
    _refuse_script_conda(dockerfile, runs)
    installs = [(run, command, target) for run in runs for command, target in run.targets]
    _refuse_uncopyable(dockerfile, installs)
    project = [i for i in installs if not i[2].tools_only]
    if any(t.kind == "conda" for _, _, t in installs) or conda_family:
        return _conda_environment(dockerfile, runs, installs, project or installs, runtime_tools)
    kind, prefix = _one_environment(dockerfile, project)
    wanted = [i for i in installs if not i[2].tools_only or _installs_any(i[1], runtime_tools)]
    first = wanted[0][0] if wanted else project[0][0]
    tools = tuple(dict.fromkeys(t.tool for _, _, t in project))
    owner = _owner(dockerfile, first)
    if kind == "env" and prefix is not None:
        _refuse_tools_outside(dockerfile, installs, runtime_tools, prefix)
        return Environment("venv", prefix, first.instruction, tools=tools, owner=owner)
    python = _named_interpreter(first, project[0][1])
    first_redirect = next(run for run, _, t in installs if run is first or not t.tools_only)
    if first_redirect.line > first.line:
        first_redirect = first
    return Environment(
        "redirect", VENV, first_redirect.instruction, python=python, tools=tools, owner=owner
    )


def _refuse_uncopyable(dockerfile: Dockerfile, installs: Sequence[_Install]) -> None:
    """No install, or one that puts packages where the runtime stage cannot copy them from."""
    path = dockerfile.path
    if not installs:
        raise refuse(
            path,
            "the stages the final image is built from install no Python environment (it is "
            "copied from another stage or comes with the base): nothing to split off",
            "run `jettison lint` for what else to change",
        )
    for run, command, target in installs:
        if target.path == "elsewhere":
            raise refuse(
                path,
                f"line {run.line}: `{_short(command)}` installs outside an environment "
                "(--user/--prefix/--target/--root), which the runtime stage could not copy",
                "install into the image's Python or a virtualenv, then run fix again",
            )
        if target.path == "managed":
            raise refuse(
                path,
                f"line {run.line}: `{_short(command)}` downloads an interpreter the runtime "
                "base does not have at the same path",
                "install Python from the base or its package manager, then run fix again",
            )


def _one_environment(dockerfile: Dockerfile, project: Sequence[_Install]) -> tuple[str, str | None]:
    """(kind, prefix) of the one environment the service's packages go to (``system``
    for the base's Python); refused when there is none, or more than one."""
    kinds = {(t.kind if t.kind != "unknown" else "system", t.path) for _, _, t in project}
    if not project:
        raise refuse(
            dockerfile.path,
            "the Dockerfile installs installer tools only (pip, poetry, uv...): no "
            "environment of the service to split off",
            "run `jettison lint` for what else to change",
        )
    if len(kinds) > 1:
        where = ", ".join(sorted(p or "the base's Python" for _, p in kinds))
        raise refuse(
            dockerfile.path,
            f"the installs go to more than one environment ({where}); the runtime stage copies one",
            "install everything into one environment, then run fix again",
        )
    return kinds.pop()


def _refuse_tools_outside(
    dockerfile: Dockerfile, installs: Sequence[_Install], runtime_tools: set[str], prefix: str
) -> None:
    """A project tool the service runs (``poetry run``) installed outside the virtualenv
    at ``prefix``: the runtime stage, which copies the virtualenv alone, would lack it."""
    missing = sorted(
        t
        for t in runtime_tools & LOCKS.keys()
        for _, command, found in installs
        if found.tools_only and found.path != prefix and _installs_any(command, {t})
    )
    if missing:
        raise refuse(
            dockerfile.path,
            f"the service runs {', '.join(sorted(missing))}, installed outside its "
            f"environment {prefix}",
            "install the tool into the environment, then run fix again",
        )


def _installs_any(command: Command, tools: set[str]) -> bool:
    """A tools-only install that installs one of ``tools`` (``pip install poetry==1.6``)."""
    words = {w.split("=")[0].split("<")[0].split(">")[0].lower() for w in command.args}
    return bool(words & tools)


def _conda_environment(
    dockerfile: Dockerfile,
    runs: Sequence[RunStep],
    installs: Sequence[_Install],
    project: Sequence[_Install],
    runtime_tools: set[str],
) -> Environment:
    """One named environment when everything goes there, the service finds it on ``PATH``
    and runs no conda command; else the whole root."""
    if any(t.kind == "env" for _, _, t in project):
        raise refuse(
            dockerfile.path,
            "the installs go both into conda environments and into a virtualenv; the runtime "
            "stage copies one",
            "install everything into one environment, then run fix again",
        )
    roots = {t.path for _, _, t in project if t.kind == "conda"}
    system = any(t.kind in ("system", "unknown") for _, _, t in project)
    prefix = CONDA_ROOT
    if len(roots) == 1 and not system and not runtime_tools & CONDA:
        named = roots.pop()
        path = final_path(dockerfile)
        if named is not None and f"{named}/bin" in path and named != CONDA_ROOT:
            prefix = named
    first = installs[0][0]
    tools = tuple(dict.fromkeys(t.tool for _, _, t in installs))
    return Environment(
        "conda",
        prefix,
        first.instruction,
        tools=tools,
        owner=_owner(dockerfile, first),
        named_conda_env=prefix != CONDA_ROOT,
    )


def final_path(dockerfile: Dockerfile) -> list[str]:
    """``PATH`` as the final image's stages set it (empty when they do not)."""
    final = dockerfile.final_stage
    if final is None:
        return []
    state = _State()
    for step in steps(dockerfile, final, inherited=True):
        if step.instruction.keyword == "ENV":
            _track_env(state, step.instruction, step.env)
    return [p.rstrip("/") for p in state.path]


def _refuse_script_conda(dockerfile: Dockerfile, runs: Sequence[RunStep]) -> None:
    for run in runs:
        text = run.instruction.shell_text.lower()
        if any(f"{name}" in text for name in _INSTALLER_SCRIPTS) and (
            ".sh" in text and (" -b" in text or " -p" in text)
        ):
            raise refuse(
                dockerfile.path,
                f"line {run.line}: the Dockerfile installs conda itself with an installer "
                "script; the split would need the installer's whole tree and its activation",
                "start FROM a conda image (continuumio/miniconda3, mambaorg/micromamba), then "
                "run fix again",
            )


def _named_interpreter(run: RunStep, command: Command) -> str | None:
    """``python3.10`` for ``python3.10 -m pip install``: the interpreter the installs ran."""
    name = command.name
    if name.startswith("python") and name not in ("python", "python3"):
        return name
    return None


def _owner(dockerfile: Dockerfile, run: RunStep) -> str | None:
    """The user in effect at ``run`` (None for root or none set)."""
    user: str | None = None
    for step in steps(dockerfile, run.step.stage, inherited=True):
        if step.instruction is run.instruction:
            break
        if step.instruction.keyword == "USER" and step.instruction.args:
            user = step.instruction.args[0]
    if user is None or user.split(":")[0] in ("root", "0"):
        return None
    return user


def _short(command: Command) -> str:
    text = " ".join(command.argv)
    return text if len(text) <= 60 else text[:57] + "..."


__all__ = [
    "CONDA_ROOT",
    "VENV",
    "Environment",
    "FixError",
    "RunStep",
    "Target",
    "find_environment",
    "run_steps",
]
