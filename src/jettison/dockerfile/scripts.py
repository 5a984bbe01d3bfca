"""The scripts and Python modules a Dockerfile runs, found in the build context.

A ``RUN``, ``ENTRYPOINT`` or ``CMD`` names a file of the image: ``bash entrypoint.sh``,
``/docker_entrypoint.sh``, ``python app.py``, ``python -m pkg.cli``, or a console script
such as ``verba`` that a project's packaging declares. The ``COPY`` lines of the stages that
build the image say where that file came from in the build context (``COPY . /app`` puts
``melo/app.py`` at ``/app/melo/app.py``; ``COPY --from=stage`` is followed into that
stage). Modules are looked up on the image's ``sys.path`` as the Dockerfile sets it (the
working directory, ``PYTHONPATH``) and, for packages installed from the context, in the
folders of the context that hold a ``pyproject.toml``/``setup.py`` (and their ``src/``).

Resolution is two-sided so that nothing but :func:`read_scripts` opens a file:

* :func:`started_by` turns a command into a :class:`Target` (pure: the command, the working
  directory and the environment in effect);
* :func:`read_scripts` follows every RUN, the image's start (:func:`start_links`) and the
  local imports of the Python it reaches, reads each target from the build context once,
  and returns a frozen :class:`Scripts`; the same traversals over that index then give the
  same answers without touching the disk (lint rules get it from the lint context).
"""

from __future__ import annotations

import ast
import configparser
import os
import posixpath
import re
import shlex
import tomllib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from jettison.dockerfile.commands.python import run_in_env
from jettison.dockerfile.context_files import ContextFiles
from jettison.dockerfile.launch import start_argv
from jettison.dockerfile.model import Dockerfile, Instruction
from jettison.dockerfile.paths import absolute
from jettison.dockerfile.shell import SHELLS, Command, split_commands
from jettison.dockerfile.shellscript import ScriptCommand, script_commands
from jettison.dockerfile.steps import expand, runtime_steps, steps
from jettison.hostpaths import is_file

Language = Literal["shell", "python"]
MAX_SCRIPT_BYTES = 1 << 20
"""Larger files are not read (a start script or a module is far smaller)."""
MAX_DEPTH = 3
"""How many scripts deep a start is followed (entrypoint -> script -> module)."""
MAX_IMPORTED = 40
"""Local modules read per started Python program, at most."""
PACKAGING_FILES = ("pyproject.toml", "setup.py", "setup.cfg")
_PACKAGING_DEPTH = 3
PROJECT_LEVELS_UP = 2
"""How far above the build context a project's packaging is looked for."""
_NOT_CODE = frozenset({"node_modules", "venv", "site-packages", "__pycache__"})
_PYTHON = re.compile(r"^python\d*(?:\.\d+)*[mtwd]?$")
_PYTHON_VALUED = frozenset({"-W", "-X", "--check-hash-based-pycs"})
_INIT_WRAPPERS = {"tini": 0, "dumb-init": 0, "catatonit": 0, "gosu": 1, "su-exec": 1,
                  "setpriv": 0, "chpst": 0, "s6-setuidgid": 1}  # fmt: skip
"""Programs that start another command: how many words after their options name a user."""
_ENTRY_POINT = re.compile(
    r"""["']\s*([\w.-]+)\s*=\s*([\w.]+)\s*:\s*([\w.]+)\s*(?:\[[^]]*])?\s*["']"""
)


@dataclass(frozen=True, slots=True)
class Target:
    """What a command runs, before it is looked up: a file of the image, a module on the
    image's ``sys.path``, or a console script."""

    kind: Literal["path", "module", "console"]
    name: str
    """Absolute path in the image, dotted module name, or console script name."""
    language: Language
    stage: int
    """Index of the stage whose files it is looked up in."""
    before: int = 0
    """Only files copied before this line count (0: the whole stage)."""
    written: str = ""
    """The path as the command writes it (a fallback to look up in the context)."""
    dirs: tuple[str, ...] = ()
    """For modules: the image folders searched, in order."""
    main: bool = False
    """For modules run with ``-m``: a package means its ``__main__``."""


@dataclass(frozen=True, slots=True)
class Script:
    """A file of the build context that the image runs."""

    path: str
    """Relative to the build context, ``/``-separated."""
    language: Language
    text: str
    image_path: str | None = None
    """Where it is in the image, when the COPY lines tell."""
    module: str | None = None
    """Its dotted module name (Python found as a module or console script)."""
    function: str | None = None
    """The function a console script calls."""


@dataclass(frozen=True, slots=True)
class Started:
    """A command that runs a script, module or console script, and the arguments it gets."""

    target: Target
    args: tuple[str, ...]


Lookup = Callable[[Target], Script | None]


@dataclass(frozen=True)
class Scripts:
    """The scripts a Dockerfile runs, as read from its build context (see the module doc)."""

    found: Mapping[Target, Script] = field(default_factory=dict)

    def __call__(self, target: Target) -> Script | None:
        return self.found.get(target)

    def run_by(
        self, command: Command, cwd: str, env: Mapping[str, str], stage: int, before: int = 0
    ) -> tuple[Started, Script] | None:
        """The script ``command`` runs (in stage ``stage``, at line ``before``), when read."""
        return run_script(command, cwd, env, stage, before, self)


# -- what a command starts ---------------------------------------------------------------------


def unwrap_init(command: Command) -> Command:
    """``command`` without init and user-switching wrappers (``tini --``, ``gosu user``,
    ``dumb-init``) and environment runners (``poetry run``, ``conda run -n env``)."""
    for _ in range(4):
        users = _INIT_WRAPPERS.get(command.name)
        if users is None:
            unwrapped = run_in_env(command)
            if unwrapped is command:
                return command
            command = unwrapped
            continue
        rest = list(command.args)
        while rest and rest[0].startswith("-"):
            if rest.pop(0) == "--":
                break
        rest = rest[users:]
        if not rest:
            return command
        command = Command(tuple(rest))
    return command


def started_by(
    command: Command, cwd: str, env: Mapping[str, str], stage: int, before: int = 0
) -> Started | None:
    """What ``command`` runs, run in ``cwd`` with ``env`` in stage ``stage``: a shell or
    Python script, a module (``python -m``) or a console script; None for anything else
    (``python -c``, programs of the system)."""
    command = unwrap_init(command)
    argv = command.argv
    if not argv or "$" in argv[0]:
        return None
    name = command.name
    if name in SHELLS:
        words = [a for a in argv[1:] if not a.startswith(("-", "+"))]
        if not words or any(a.startswith("-") and "c" in a[1:] for a in argv[1:2]):
            return None
        at = argv.index(words[0])
        return _path(words[0], "shell", cwd, env, stage, before, argv[at + 1 :])
    if name in ("source", "."):
        return _path(argv[1], "shell", cwd, env, stage, before, argv[2:]) if len(argv) > 1 else None
    if _PYTHON.match(name):
        return _python(argv, cwd, env, stage, before)
    if "/" in argv[0] and not _in_bin(argv[0]):
        language: Language = "python" if argv[0].endswith(".py") else "shell"
        return _path(argv[0], language, cwd, env, stage, before, argv[1:])
    if "." in name:  # run.sh on the PATH, data files: not a console script
        return None
    return Started(Target("console", name, "python", stage, before), argv[1:])


def _in_bin(path: str) -> bool:
    """A program in a ``bin/`` folder without a suffix: an installed console script or a
    system binary (``/usr/local/bin/nemoguardrails``, ``./venv/bin/gunicorn``)."""
    return posixpath.basename(posixpath.dirname(path)) == "bin" and "." not in posixpath.basename(
        path
    )


def _path(
    written: str,
    language: Language,
    cwd: str,
    env: Mapping[str, str],
    stage: int,
    before: int,
    args: Sequence[str],
) -> Started | None:
    expanded = expand(written, env)
    if "$" in expanded:
        return None
    path = absolute(expanded, cwd)
    return Started(Target("path", path, language, stage, before, expanded), tuple(args))


def _python(
    argv: Sequence[str], cwd: str, env: Mapping[str, str], stage: int, before: int
) -> Started | None:
    index = 1
    while index < len(argv):
        arg = argv[index]
        if arg == "-m" and index + 1 < len(argv):
            module = argv[index + 1]
            dirs = _sys_path(cwd, env)
            target = Target("module", module, "python", stage, before, dirs=dirs, main=True)
            return Started(target, tuple(argv[index + 2 :]))
        if arg.startswith("-c"):
            return None
        if arg in _PYTHON_VALUED:
            index += 2
            continue
        if arg.startswith("-"):
            index += 1
            continue
        return _path(arg, "python", cwd, env, stage, before, argv[index + 1 :])
    return None


def _sys_path(cwd: str, env: Mapping[str, str]) -> tuple[str, ...]:
    extra = [p for p in expand(env.get("PYTHONPATH", ""), env).split(":") if p.startswith("/")]
    return tuple(dict.fromkeys([cwd, *extra]))


def run_script(
    command: Command,
    cwd: str,
    env: Mapping[str, str],
    stage: int,
    before: int,
    lookup: Lookup,
) -> tuple[Started, Script] | None:
    """The script ``command`` runs and its text, when ``lookup`` finds it."""
    started = started_by(command, cwd, env, stage, before)
    if started is None:
        return None
    script = lookup(started.target)
    return (started, script) if script is not None else None


# -- the image's start, followed through its scripts ---------------------------------------------


@dataclass(frozen=True, slots=True)
class Link:
    """A command the container runs when it starts: the Dockerfile's own (``via`` None) or
    one in a shell script the start runs, with what that command runs in turn."""

    instruction: Instruction
    """The ENTRYPOINT or CMD the start comes from."""
    command: Command
    via: Script | None = None
    """The shell script the command is in."""
    place: ScriptCommand | None = None
    """Where it sits in that script (line, exec, background, inside an ``if``...)."""
    started: Started | None = None
    script: Script | None = None
    """The script or module the command runs, when found in the context."""
    depth: int = 0


def start_state(dockerfile: Dockerfile) -> tuple[str, dict[str, str], int]:
    """(working directory, environment, final stage index) when the container starts."""
    chain = runtime_steps(dockerfile)
    final = dockerfile.final_stage
    if not chain or final is None:
        return "/", {}, final.index if final is not None else 0
    last = chain[-1]
    return last.cwd, dict(last.env), final.index


def start_links(dockerfile: Dockerfile, lookup: Lookup) -> list[Link]:
    """Every command the container's start runs, following shell scripts (their ``"$@"``
    given the arguments they get) up to :data:`MAX_DEPTH` deep, in order."""
    found = start_argv(dockerfile)
    if found is None:
        return []
    instruction, argv = found
    cwd, env, stage = start_state(dockerfile)
    out: list[Link] = []
    for command in split_commands(shlex.join(argv)):
        _follow(instruction, command, None, None, cwd, env, stage, lookup, 0, out)
    return out


def _follow(
    instruction: Instruction,
    command: Command,
    via: Script | None,
    place: ScriptCommand | None,
    cwd: str,
    env: Mapping[str, str],
    stage: int,
    lookup: Lookup,
    depth: int,
    out: list[Link],
) -> None:
    command = unwrap_init(command)
    started = started_by(command, cwd, env, stage)
    script = lookup(started.target) if started is not None else None
    out.append(Link(instruction, command, via, place, started, script, depth))
    if script is None or started is None or script.language != "shell" or depth >= MAX_DEPTH:
        return
    for inner in script_commands(script.text, started.args):
        if inner.in_function:
            continue
        _follow(instruction, inner.command, script, inner, cwd, env, stage, lookup, depth + 1, out)


# -- Python: the local modules a program imports ------------------------------------------------


def imported_modules(script: Script) -> list[str]:
    """Dotted names of the modules ``script`` imports (relative imports resolved against its
    module; ``from a import b`` gives ``a.b`` and ``a``)."""
    try:
        tree = ast.parse(script.text)
    except (SyntaxError, ValueError, RecursionError):
        return []
    package = _package_of(script)
    out: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                if package is None:
                    continue
                parts = package.split(".") if package else []
                parts = parts[: len(parts) - (node.level - 1)] if node.level > 1 else parts
                base = ".".join([*parts, *([base] if base else [])])
            if not base:
                continue
            out.extend(f"{base}.{alias.name}" for alias in node.names if alias.name != "*")
            out.append(base)
    return list(dict.fromkeys(out))


def _is_package_file(script: Script) -> bool:
    return script.path.endswith(("/__init__.py", "/__main__.py"))


def _package_of(script: Script) -> str | None:
    """The package a module's relative imports start from."""
    if script.module is None:
        return None
    if _is_package_file(script):
        return script.module
    return script.module.rpartition(".")[0]


def local_imports(script: Script, stage: int, lookup: Lookup) -> list[Script]:
    """The modules of the build context that ``script`` imports, and theirs, breadth first
    (at most :data:`MAX_IMPORTED`, :data:`MAX_DEPTH` levels)."""
    seen: dict[str, Script] = {script.path: script}
    frontier = [script]
    out: list[Script] = []
    for _ in range(MAX_DEPTH):
        following: list[Script] = []
        for current in frontier:
            dirs = _module_dirs(current)
            for name in imported_modules(current):
                found = lookup(Target("module", name, "python", stage, dirs=dirs))
                if found is None or found.path in seen:
                    continue
                seen[found.path] = found
                out.append(found)
                following.append(found)
                if len(out) >= MAX_IMPORTED:
                    return out
        frontier = following
    return out


def _module_dirs(script: Script) -> tuple[str, ...]:
    """Image folders a module's imports are searched in: the folder of the top-level
    package (or of the script itself)."""
    if script.image_path is None:
        return ()
    folder = posixpath.dirname(script.image_path)
    depth = script.module.count(".") if script.module else 0
    if _is_package_file(script) and script.module:
        depth += 1
    for _ in range(depth):
        folder = posixpath.dirname(folder)
    return (folder,)


# -- reading the build context -------------------------------------------------------------------


def read_scripts(dockerfile: Dockerfile, context: Path) -> Scripts:
    """Every script the Dockerfile's RUN lines and its start run, with the local modules the
    Python among them imports, read from ``context``."""
    reader = _Reader(dockerfile, context)
    for stage in dockerfile.stages:
        for step in steps(dockerfile, stage):
            if step.instruction.keyword != "RUN":
                continue
            for command in step.commands:
                found = run_script(
                    command, step.cwd, step.env, stage.index, step.instruction.position.line, reader
                )
                if found is not None and found[1].language == "python":
                    local_imports(found[1], stage.index, reader)
    _, _, final = start_state(dockerfile)
    for link in start_links(dockerfile, reader):
        if link.script is not None and link.script.language == "python":
            local_imports(link.script, final, reader)
    return Scripts({t: s for t, s in reader.cache.items() if s is not None})


class _Reader:
    """A :data:`Lookup` that reads the build context (and remembers every answer)."""

    def __init__(self, dockerfile: Dockerfile, context: Path) -> None:
        self.dockerfile = dockerfile
        self.context = context
        self.cache: dict[Target, Script | None] = {}
        self._roots: list[str] | None = None
        self._entry_points: dict[str, tuple[str, str]] | None = None
        self._folders: list[str] | None = None

    def __call__(self, target: Target) -> Script | None:
        if target not in self.cache:
            self.cache[target] = self._find(target)
        return self.cache[target]

    def _files(self, target: Target) -> ContextFiles:
        """The context's files where ``target`` is looked up (no context directory: the
        reader tries the candidates itself, in the context and the folders above it)."""
        return ContextFiles.in_stage(self.dockerfile, target.stage, before_line=target.before)

    def _find(self, target: Target) -> Script | None:
        if target.kind == "path":
            return self._path(target)
        if target.kind == "module":
            return self._module(target.name, target, main=target.main)
        entry = self.entry_points().get(target.name)
        if entry is None:
            return None
        module, function = entry
        found = self._module(module, Target("module", module, "python", target.stage))
        if found is None:
            return None
        return Script(found.path, "python", found.text, found.image_path, module, function)

    def _path(self, target: Target) -> Script | None:
        sources = self._files(target).sources(target.name)
        for up in ("", *(("../" * n) for n in range(1, PROJECT_LEVELS_UP + 1))):
            for source in sources:  # in the context; else in a folder above it, which may
                found = self._read(up + source, target.language, target.name)  # be the
                if found is not None:  # real context (docker/Dockerfile built from the root)
                    return found
        written = target.written
        for source in (written, posixpath.basename(written)):
            if source and not source.startswith(("/", "..")):
                found = self._read(source, target.language, None)
                if found is not None:
                    return found
        return None

    def _module(self, name: str, target: Target, *, main: bool = False) -> Script | None:
        parts = name.split(".")
        if not all(part.isidentifier() for part in parts):
            return None
        relative = "/".join(parts)
        names = [f"{relative}.py", f"{relative}/__main__.py" if main else f"{relative}/__init__.py"]
        for folder in target.dirs:
            for tail in names:
                image_path = posixpath.join(folder, tail)
                for source in self._files(target).sources(image_path):
                    found = self._read(source, "python", image_path, name)
                    if found is not None:
                        return found
        for root in self.roots():
            for tail in names:
                found = self._read(
                    posixpath.normpath(posixpath.join(root, tail)), "python", None, name
                )
                if found is not None:
                    return found
        return None

    def _read(
        self, source: str, language: Language, image_path: str | None, module: str | None = None
    ) -> Script | None:
        """The file at ``source`` (relative to the context; ``../`` only for the project
        folders above it, see :meth:`roots`)."""
        source = posixpath.normpath(source.lstrip("/"))
        path = self.context / source
        try:
            if not path.is_file() or path.stat().st_size > MAX_SCRIPT_BYTES:
                return None
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return None
        return Script(source, language, text, image_path, module)

    def roots(self) -> list[str]:
        """Folders of the context that hold Python packaging (and their ``src/``), the
        context itself first: where a package installed from the context has its modules."""
        if self._roots is None:
            roots = [".", "src"]
            for folder in self._packaging_folders():
                roots.extend([folder, posixpath.join(folder, "src")])
            self._roots = list(dict.fromkeys(posixpath.normpath(r) for r in roots))
        return self._roots

    def _packaging_folders(self) -> list[str]:
        """Folders holding Python packaging: in the context (a few levels deep), and the
        folders above it up to the Dockerfile's project (a Dockerfile that installs its own
        project from an index, with no COPY, has a context that does not hold it)."""
        if self._folders is None:
            found: list[str] = []
            base = len(self.context.parts)
            for folder, dirs, names in os.walk(self.context):
                here = Path(folder)
                dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in _NOT_CODE)
                if len(here.parts) - base >= _PACKAGING_DEPTH:
                    dirs[:] = []
                if any(n in names for n in PACKAGING_FILES):
                    found.append(here.relative_to(self.context).as_posix())
            up = ""
            for parent in list(self.context.parents)[:PROJECT_LEVELS_UP]:
                up = posixpath.join(up, "..")
                if any(is_file(parent / n) for n in PACKAGING_FILES):
                    found.append(up)
            self._folders = found
        return self._folders

    def entry_points(self) -> dict[str, tuple[str, str]]:
        """Console scripts the context's packaging declares: name -> (module, function)."""
        if self._entry_points is None:
            found: dict[str, tuple[str, str]] = {}
            for folder in self._packaging_folders():
                for name in PACKAGING_FILES:
                    path = self.context / folder / name
                    if is_file(path):
                        for key, value in console_scripts(path).items():
                            found.setdefault(key, value)
            self._entry_points = found
        return self._entry_points


def console_scripts(path: Path) -> dict[str, tuple[str, str]]:
    """``name -> (module, function)`` from a ``pyproject.toml`` (``[project.scripts]``,
    ``[tool.poetry.scripts]``), ``setup.cfg`` or ``setup.py`` (``console_scripts`` strings)."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return {}
    out: dict[str, tuple[str, str]] = {}
    if path.name == "pyproject.toml":
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError:
            return {}
        tables = [
            data.get("project", {}).get("scripts", {}),
            data.get("tool", {}).get("poetry", {}).get("scripts", {}),
        ]
        for table in tables:
            for name, value in table.items() if isinstance(table, dict) else ():
                reference = value.get("reference") if isinstance(value, dict) else value
                if isinstance(reference, str) and ":" in reference:
                    module, function = reference.split(":", 1)
                    out[name] = (module.strip(), function.strip().split("[")[0].strip())
    elif path.name == "setup.cfg":
        parser = configparser.ConfigParser()
        try:
            parser.read_string(text)
            value = parser.get("options.entry_points", "console_scripts", fallback="")
        except configparser.Error:
            return {}
        for line in value.splitlines():
            if "=" in line and ":" in line:
                name, reference = (p.strip() for p in line.split("=", 1))
                module, function = reference.split(":", 1)
                out[name] = (module.strip(), function.strip())
    else:
        for match in _ENTRY_POINT.finditer(text):
            out.setdefault(match.group(1), (match.group(2), match.group(3)))
    return out
