"""Python installers on a RUN line: pip (every way it is run), uv, poetry, pdm, pipenv and
conda/mamba/micromamba. What lint's dependency rules read, what ``fix`` and ``plan``
rewrite.

pip is ``pip``, ``pip3``, ``pip3.11``, ``/opt/venv/bin/pip``, ``python -m pip``,
``python3 -m pip3.11`` or ``uv pip``, one recogniser for all (:func:`pip_argv`). Options
that take a value are skipped with their value (the tables below hold pip's and uv's), so
``--index-url URL`` never reads as a package, and attached values (``-rfile``,
``--opt=value``) are split off. What cannot be read as a requirement (``$VARS``, sdists, URLs
without a name) is left out of :attr:`PipInstall.packages` but kept in
:attr:`PipInstall.words`.

:class:`EnvInstall` says, for any of the installers, what an install reads (requirement
files, an environment file, the project), which groups or extras it asks for, and whether
it brings the development dependencies along.
"""

from __future__ import annotations

import dataclasses
import posixpath
import re
import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from packaging.requirements import InvalidRequirement
from packaging.requirements import Requirement as PackagingRequirement
from packaging.utils import InvalidWheelFilename, canonicalize_name, parse_wheel_filename

from jettison.dockerfile.commands.options import option_values, positionals
from jettison.dockerfile.model import Instruction
from jettison.dockerfile.shell import (
    CONDA_RUNNERS,
    Command,
    command_words,
    commands_of,
    runner_prefix,
)
from jettison.facts.packages import DEV_GROUP_NAMES

_PIP = re.compile(r"^pip\d*(?:\.\d+)*$")
_EDITABLE_OPTIONS = ("-e", "--editable")
_PYTHON = re.compile(r"^python\d*(?:\.\d+)*$")

_PIP_VALUE_OPTIONS = """
    -r --requirement -c --constraint -e --editable -t --target --platform --python-version
    --implementation --abi --root --prefix --src --upgrade-strategy -C --config-settings
    --global-option --install-option --build-option -i --index-url --extra-index-url -f
    --find-links --trusted-host --report --progress-bar --root-user-action --no-binary
    --only-binary --log --log-file --proxy --retries --timeout --exists-action --cert
    --client-cert --cache-dir --python --keyring-provider --group --use-feature
    --use-deprecated --resume-retries
"""
_UV_VALUE_OPTIONS = """
    --index --default-index --torch-backend -p --extra --overrides --constraints -P
    --upgrade-package --reinstall-package --index-strategy --resolution --prerelease
    --exclude-newer --link-mode --config-file --python-platform --no-build-package
    --no-binary-package --build-constraints --build-constraint --refresh-package --directory
    --project --color --allow-insecure-host --excludes --exclude
"""
VALUE_OPTIONS = frozenset((_PIP_VALUE_OPTIONS + _UV_VALUE_OPTIONS).split())
"""Options of ``pip install`` (and pip's general ones) and ``uv pip install`` that take a
value."""
ATTACHED = ("-r", "-c", "-e", "-i", "-f", "-t", "-p", "-P", "-C")
"""Short options whose value may be glued on (``-rrequirements.txt``)."""
NO_CACHE = {"pip": ("--no-cache-dir",), "uv pip": ("--no-cache", "-n")}
"""The options that keep each tool's download cache out of the layer (the first one is
what a rewritten install writes)."""


def pip_argv(command: Command) -> tuple[str, tuple[str, ...]] | None:
    """(tool, arguments after ``pip``) when ``command`` runs pip, else None. The tool is
    ``pip`` or ``uv pip``."""
    argv = command.argv
    if _PIP.match(command.name):
        return "pip", argv[1:]
    if _PYTHON.match(command.name) and "-m" in argv:
        at = argv.index("-m")
        if at + 1 < len(argv) and _PIP.match(argv[at + 1]):
            return "pip", argv[at + 2 :]
    if command.name == "uv" and len(argv) > 1 and argv[1] == "pip":
        return "uv pip", argv[2:]
    return None


def pip_subcommand(args: Sequence[str]) -> tuple[str, tuple[str, ...]]:
    """The subcommand (``install``) of pip's arguments (as :func:`pip_argv` gives them) and
    what follows it, global options (and their values) skipped."""
    index = 0
    while index < len(args):
        arg = args[index]
        if not arg.startswith("-"):
            return arg, tuple(args[index + 1 :])
        index += 2 if arg in VALUE_OPTIONS else 1
    return "", ()


def pip_verb(command: Command) -> str | None:
    """pip's subcommand (``install``, ``cache``...) when ``command`` runs pip, else None."""
    found = pip_argv(command)
    return pip_subcommand(found[1])[0] if found is not None else None


def is_pip_install(command: Command) -> bool:
    return pip_verb(command) == "install"


def sets_pip_config(command: Command) -> bool:
    """``pip config set ...`` (or ``pip config --global ...``): settings, index URLs
    included, for every later pip."""
    return pip_verb(command) == "config" and any(a in ("set", "--global") for a in command.args)


def disables_cache(command: Command) -> bool:
    """pip (or uv pip) is told to keep no download cache, before or after its verb."""
    found = pip_argv(command)
    if found is None:
        return False
    options = NO_CACHE[found[0]]
    return any(a == o or a.startswith(o + "=") for a in found[1] for o in options)


# -- what one pip install names ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PackageArg:
    """One requirement named on a ``pip install`` command line."""

    name: str
    """Canonical (PEP 503)."""
    specifier: str
    extras: tuple[str, ...]
    raw: str
    url: str | None = None


@dataclass(frozen=True, slots=True)
class PipOption:
    """One option of a pip install, its value split off."""

    name: str
    """``--index-url``, ``-r``, ``--no-cache-dir``..."""
    value: str | None
    """None for a flag, and for a value option last on the line (its value is missing)."""
    written: str
    """The option's word as written (``-rrequirements.txt``, ``--index-url=URL``, ``-i``)."""

    @property
    def missing_value(self) -> bool:
        return self.value is None and self.name in VALUE_OPTIONS


@dataclass(frozen=True, slots=True)
class PipInstall:
    instruction: Instruction
    tool: str
    """``pip`` or ``uv pip``."""
    packages: tuple[PackageArg, ...]
    requirement_files: tuple[str, ...] = ()
    constraint_files: tuple[str, ...] = ()
    index_urls: tuple[str, ...] = ()
    """``--index-url``/``--extra-index-url``/``--index``/``--find-links`` values, in order."""
    local_projects: tuple[str, ...] = ()
    """Paths installed as projects: ``.``, ``.[dev]``, ``-e ./lib[test]``."""
    upgrade: bool = False
    """``-U``/``--upgrade``/``--force-reinstall``: installed packages may be replaced."""
    torch_backend: str | None = None
    """uv's ``--torch-backend`` (``cpu``, ``cu126``, ``auto``)."""
    groups: tuple[str, ...] = ()
    """``--group``/``--extra`` values."""
    options: tuple[PipOption, ...] = ()
    """Every option, in order."""
    words: tuple[str, ...] = ()
    """Every positional argument and ``-e`` value as written (packages, paths, ``$VARS``),
    in order."""
    destinations: tuple[str, ...] = ()
    """``--prefix``/``--target``/``--root`` values: where the packages go instead."""

    @property
    def editable(self) -> bool:
        return any(o.name in _EDITABLE_OPTIONS for o in self.options)

    @property
    def editables(self) -> tuple[str, ...]:
        """What it installs editable (the ``-e``/``--editable`` values), in order."""
        return tuple(o.value for o in self.options if o.name in _EDITABLE_OPTIONS and o.value)


_NAME_THEN_VERSION = re.compile(
    r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[([^\]]*)\])?\s*((?:===?|~=|!=|<=?|>=?)\s*\S*)$"
)


def parse_package(word: str) -> PackageArg | None:
    """``torch==2.1.0+cpu``, ``uvicorn[standard]``, ``x.whl``, ``tool==$VERSION`` (a
    version from a build argument: the name is known, the version text kept as written);
    None for anything else."""
    if not word:
        return None
    if "$" in word or word.endswith(("=", "<", ">")):
        return _name_with_open_version(word)
    if word.endswith(".whl"):
        try:
            name, version, _, _ = parse_wheel_filename(word.rsplit("/", 1)[-1])
        except InvalidWheelFilename:
            return None
        return PackageArg(str(name), f"=={version}", (), word, url=word)
    if word.startswith((".", "/", "~")) or "://" in word.split("@")[0]:
        return None
    try:
        parsed = PackagingRequirement(word)
    except InvalidRequirement:
        return None
    return PackageArg(
        canonicalize_name(parsed.name),
        str(parsed.specifier),
        tuple(sorted(parsed.extras)),
        word,
        url=parsed.url,
    )


def _name_with_open_version(word: str) -> PackageArg | None:
    """``tool==$VERSION`` (or ``tool==`` once an empty ARG is expanded): the name, and the
    version text as written."""
    match = _NAME_THEN_VERSION.match(word)
    if match is None or "$" in match.group(1):
        return None
    extras = tuple(sorted(e.strip() for e in (match.group(2) or "").split(",") if e.strip()))
    return PackageArg(canonicalize_name(match.group(1)), match.group(3), extras, word)


def _is_local_project(word: str) -> bool:
    return word.startswith((".", "/", "~")) and not word.endswith((".whl", ".tar.gz", ".zip"))


@dataclass(frozen=True, slots=True)
class PipArguments:
    """pip install's arguments, read."""

    options: tuple[PipOption, ...]
    words: tuple[str, ...]
    """Positional arguments (packages, paths, ``$VARS``), as written."""
    targets: tuple[str, ...]
    """What gets installed as written: the positional arguments and the ``-e`` values, in
    the order they appear."""


def pip_options(args: Sequence[str]) -> PipArguments:
    """pip install's arguments split into options (values attached or not) and positional
    words, in order."""
    options: list[PipOption] = []
    words: list[str] = []
    targets: list[str] = []
    index = 0
    while index < len(args):
        arg = args[index]
        index += 1
        if not arg.startswith("-") or arg == "-":
            words.append(arg)
            targets.append(arg)
            continue
        name, value = arg, None
        if "=" in arg and arg.startswith("--"):
            name, value = arg.split("=", 1)
        elif arg[:2] in ATTACHED and len(arg) > 2 and not arg.startswith("--"):
            name, value = arg[:2], arg[2:]
        if name in VALUE_OPTIONS and value is None and index < len(args):
            value = args[index]
            index += 1
        options.append(PipOption(name, value, arg))
        if name in {"-e", "--editable"} and value is not None:
            targets.append(value)
    return PipArguments(tuple(options), tuple(words), tuple(targets))


REQUIREMENT_OPTIONS = frozenset({"-r", "--requirement"})
CONSTRAINT_OPTIONS = frozenset({"-c", "--constraint", "--constraints"})
FIND_LINKS_OPTIONS = frozenset({"-f", "--find-links"})
_INDEX_OPTIONS = frozenset(
    {"-i", "--index-url", "--extra-index-url", "--index", "--default-index", *FIND_LINKS_OPTIONS}
)
_DESTINATIONS = frozenset({"--prefix", "--target", "-t", "--root"})
_UPGRADES = frozenset({"-U", "--upgrade", "--force-reinstall", "--reinstall"})


def _values(options: Sequence[PipOption], *names: str) -> tuple[str, ...]:
    return tuple(o.value for o in options if o.name in names and o.value is not None)


def _install_parts(command: Command) -> tuple[str, PipArguments] | None:
    """(tool, arguments) of a ``pip install``/``uv pip install``, else None."""
    found = pip_argv(command)
    if found is None:
        return None
    sub, rest = pip_subcommand(found[1])
    if sub != "install":
        return None
    return found[0], pip_options(rest)


def parse_install(instruction: Instruction, command: Command) -> PipInstall | None:
    """The ``pip install`` (or ``uv pip install``) ``command`` runs, None for anything else."""
    parts = _install_parts(command)
    if parts is None:
        return None
    tool, arguments = parts
    options, words = arguments.options, arguments.words

    def values(*names: str) -> tuple[str, ...]:
        return _values(options, *names)

    backends = values("--torch-backend")
    return PipInstall(
        instruction=instruction,
        tool=tool,
        packages=tuple(
            p for w in words if not _is_local_project(w) and (p := parse_package(w)) is not None
        ),
        requirement_files=values(*REQUIREMENT_OPTIONS),
        constraint_files=values(*CONSTRAINT_OPTIONS),
        index_urls=values(*_INDEX_OPTIONS),
        local_projects=tuple(w for w in arguments.targets if _is_local_project(w)),
        upgrade=any(o.name in _UPGRADES for o in options),
        torch_backend=backends[-1] if backends else None,
        groups=values("--group", "--extra"),
        options=options,
        words=arguments.targets,
        destinations=values(*_DESTINATIONS),
    )


def pip_installs(instruction: Instruction) -> list[PipInstall]:
    """Every ``pip install`` a ``RUN`` instruction runs, in order."""
    if instruction.keyword != "RUN":
        return []
    out = []
    for command in commands_of(instruction):
        parsed = parse_install(instruction, command)
        if parsed is not None:
            out.append(parsed)
    return out


def project_extras(spec: str) -> tuple[str, ...]:
    """The extras of a local project argument: ``.[dev,test]`` -> ``dev``, ``test``."""
    match = re.search(r"\[([^\]]*)\]\s*$", spec)
    if not match:
        return ()
    return tuple(e.strip().lower() for e in match.group(1).split(",") if e.strip())


def without_cache(command: Command) -> str:
    """``command`` as a shell line, its pip install made to keep no download cache (the
    option :data:`NO_CACHE` names inserted after ``install``); any other command as is."""
    argv = list(command.argv)
    found = pip_argv(command)
    if found is not None and "install" in argv:
        option = NO_CACHE[found[0]][0]
        if option not in argv:
            argv.insert(argv.index("install") + 1, option)
    return shlex.join(argv)


def _setup_py_at(command: Command) -> int | None:
    """Where ``setup.py`` is in ``python ... setup.py ...``, None for other commands."""
    if not _PYTHON.match(command.name):
        return None
    return next(
        (i for i, a in enumerate(command.argv) if posixpath.basename(a) == "setup.py"), None
    )


# -- a pip install edited where it is written ------------------------------------------------------
# The edits of an install that keep the rest of its RUN as the user wrote it (continuations,
# quotes, comments): the words are found with :func:`~jettison.dockerfile.shell.command_words`.


def run_with_python(script: str, command: Command, python: str) -> str | None:
    """``script`` (a RUN as written) with its pip install ``command`` run as ``python -m pip``
    (``pip install poetry`` -> ``/usr/local/bin/python -m pip install poetry``), the rest as
    written. None when ``command`` is no pip install of ``script``, or runs a pip named by
    its path or through ``uv pip`` (another interpreter's, or another tool)."""
    found = pip_argv(command)
    if found is None or found[0] != "pip" or "/" in command.argv[0]:
        return None
    if pip_subcommand(found[1])[0] != "install":
        return None
    words = command_words(script, command)
    launcher = len(command.argv) - len(found[1])
    if words is None or len({id(w) for w in words[: launcher + 1]}) != launcher + 1:
        return None  # pip's name glued to another word: nothing to replace on its own
    return script[: words[0].start] + f"{python} -m pip" + script[words[launcher - 1].end :]


def editable_dropped(script: str, command: Command, project: str) -> str | None:
    """``script`` (a RUN as written) with the pip install ``command`` installing ``project``
    as a normal install, no longer editable: the ``-e``/``--editable`` before it taken out
    (``pip install -e .[server]`` -> ``pip install .[server]``), the rest as written. None
    when ``command`` is not in ``script`` or installs no editable ``project``."""
    if _install_parts(command) is None:
        return None
    words = command_words(script, command)
    if words is None:
        return None
    argv = command.argv
    for at, (arg, word) in enumerate(zip(argv, words, strict=True)):
        if arg in _EDITABLE_OPTIONS and argv[at + 1 : at + 2] == (project,) and word.text == arg:
            end = word.end
            while end < len(script) and script[end] in " \t":
                end += 1
            return script[: word.start] + script[end:]
        for option in ("--editable=", "-e"):
            if arg == option + project and word.text.startswith(option):
                return script[: word.start] + script[word.start + len(option) :]
    return None


def setup_py_install(command: Command) -> bool:
    """``python setup.py install`` or ``develop``: the project and its ``install_requires``
    installed by setuptools (``setup.py build`` and the like install nothing)."""
    at = _setup_py_at(command)
    return at is not None and any(a in ("install", "develop") for a in command.argv[at + 1 :])


# -- virtualenvs ---------------------------------------------------------------------------------

_VENV_VALUED = frozenset({"--prompt", "-p", "--python", "--upgrade-deps-from", "--seeder"})


def venv_dirs(command: Command) -> list[str]:
    """The folders a virtualenv is created in, as written: ``python -m venv DIR...``,
    ``virtualenv DIR``, ``uv venv [DIR]`` (``.venv`` when it names none)."""
    argv = command.argv
    if command.name == "virtualenv":
        return positionals(command, _VENV_VALUED)
    if command.name == "uv" and argv[1:2] == ("venv",):
        return positionals(command, _VENV_VALUED)[1:] or [".venv"]
    if _PYTHON.match(command.name) and "-m" in argv:
        at = argv.index("-m")
        if argv[at + 1 : at + 2] == ("venv",):
            return positionals(Command(("venv", *argv[at + 2 :])), _VENV_VALUED)
    return []


# -- which pip options a rewritten install keeps -------------------------------------------------

DROPPED_FLAGS = frozenset(
    {"--no-cache-dir", "--no-cache", "-U", "--upgrade", "--user", "--no-compile", "--compile",
     "--disable-pip-version-check", "--no-warn-script-location", "--break-system-packages",
     "--force-reinstall", "--reinstall", "--no-deps", "--require-hashes", "--no-input",
     "--system", "--isolated", "--ignore-installed", "-I"}
)  # fmt: skip
"""Flags a generated install drops: it has its own (cache, upgrade, target environment)."""
DROPPED_VALUES = frozenset(
    {"--root-user-action", "--progress-bar", "--prefix", "--target", "-t", "--root",
     "--upgrade-strategy", "--cache-dir", "--timeout", "--retries", "--python", "--log"}
)  # fmt: skip
"""Value options a generated install drops."""
CARRIED_FLAGS = frozenset({"--pre", "--prefer-binary", "--no-build-isolation", "--no-index"})
"""Flags that change what gets installed: carried onto the generated install."""
CARRIED_VALUES = frozenset(
    {"--extra-index-url", "--trusted-host", "--only-binary", "--no-binary", "--find-links",
     "-f"}
)  # fmt: skip
"""Value options carried onto the generated install (``--extra-index-url URL``...)."""
_VERBOSITY = re.compile(r"^-[qv]+$")


READ = frozenset(
    {"-r", "--requirement", "-e", "--editable", "-c", "--constraint", "-i", "--index-url"}
)
"""Value options a rewrite reads itself: the files it installs, the projects, the
constraints and index it must keep or refuse."""


def handling(option: PipOption) -> str:
    """What a rewritten install does with ``option``: ``drop`` it, ``carry`` it (see
    :func:`carried`), ``read`` it (:data:`READ`), or ``unknown``: an option no table knows,
    which a rewrite cannot keep safely."""
    if option.value is None and not option.missing_value:
        if option.name in DROPPED_FLAGS or _VERBOSITY.match(option.name):
            return "drop"
        return "carry" if option.name in CARRIED_FLAGS else "unknown"
    for kind, names in (("drop", DROPPED_VALUES), ("carry", CARRIED_VALUES), ("read", READ)):
        if option.name in names:
            return kind
    return "unknown"


def carried(option: PipOption) -> str | None:
    """The option as a rewritten install writes it, when it is carried; else None."""
    if handling(option) != "carry" or option.missing_value:
        return None
    if option.value is None:
        return option.name
    return f"{option.name} {shlex.quote(option.value)}"


# -- what an environment install brings: uv sync, poetry, pdm, pipenv, conda, pip ----------------


@dataclass(frozen=True, slots=True)
class EnvInstall:
    """An install of a Python environment, by any installer."""

    tool: str
    """``pip``, ``uv pip``, ``uv``, ``poetry``, ``pdm``, ``pipenv``, ``conda``, ``mamba``,
    ``micromamba``."""
    verb: str
    """``install``, ``sync``, ``create``, ``env create``, ``env update``..."""
    files: tuple[str, ...] = ()
    """Requirement or environment files it reads (``-r``, ``-f``/``--file``)."""
    projects: tuple[str, ...] = ()
    """Project folders it installs (``pip install .``); the lock file of poetry/uv/pdm/
    pipenv is the project's, in the working directory."""
    packages: tuple[str, ...] = ()
    """Packages named on the line, as written."""
    groups: tuple[str, ...] = ()
    """Dependency groups or extras asked for, lower case."""
    dev: bool | None = None
    """Whether the development groups come along; None when the line does not say."""
    dev_reason: str | None = None
    """How they come along (``uv sync without --no-dev``), when they do."""
    environment: str | None = None
    """conda's ``-n NAME`` or ``-p PREFIX``."""
    channels: tuple[str, ...] = ()


POETRY_VALUED = frozenset({"--with", "--without", "--only", "-E", "--extras", "-C", "--directory"})
PDM_VALUED = frozenset({"-G", "--group", "-p", "--project", "-L", "--lockfile"})
UV_VALUED = frozenset({"--group", "--extra", "--package", "--directory", "--project", "-p"})
CONDA = CONDA_RUNNERS
"""conda and the programs that stand for it (mamba, micromamba)."""
CONDA_VALUED = frozenset(
    {"-n", "--name", "-p", "--prefix", "-c", "--channel", "-f", "--file", "--repodata-fn",
     "--platform", "--subdir", "-r", "--root-prefix"}
)  # fmt: skip
CONDA_INSTALLS = frozenset({"install", "create", "update", "upgrade", "env create", "env update"})
_FALSE = frozenset({"", "0", "false", "no"})


PIPENV_VALUED = frozenset({"--python"})
ENVIRONMENT_VERBS: Mapping[str, frozenset[str]] = {
    "pip": frozenset({"install", "uninstall", "download", "wheel", "config", "cache"}),
    "uv": frozenset({"pip", "sync", "venv", "lock", "export", "add", "remove", "tool", "python"}),
    "poetry": frozenset({"install", "config", "lock", "export", "add", "remove", "self",
                         "update", "sync", "build", "env", "source", "check"}),
    "pdm": frozenset({"install", "sync", "config", "lock", "export", "add", "remove",
                      "update", "venv", "use", "build", "self"}),
    "pipenv": frozenset({"install", "sync", "lock"}),
}  # fmt: skip
"""The verbs of each Python tool that make, fill or configure an environment (what a
multi-stage build runs in its builder), as against running in one or looking at it."""
_VERB_VALUED = {"uv": UV_VALUED, "poetry": POETRY_VALUED, "pdm": PDM_VALUED,
                "pipenv": PIPENV_VALUED}  # fmt: skip
_CONDA_READS = frozenset({"run", "info", "list"})


def builds_environment(command: Command) -> bool:
    """``command`` makes, fills or configures a Python environment: a pip (``uv pip``),
    uv, poetry, pdm or pipenv verb of :data:`ENVIRONMENT_VERBS` (read past the tool's
    options: ``uv --no-cache sync``), a conda command other than ``run``/``info``/``list``,
    a virtualenv created, or ``setup.py`` run."""
    found = pip_argv(command)
    if found is not None:
        return pip_subcommand(found[1])[0] in ENVIRONMENT_VERBS["pip"]
    name = command.name
    if name in _VERB_VALUED:
        verb = positionals(command, _VERB_VALUED[name])[:1]
        if verb and verb[0] in ENVIRONMENT_VERBS[name]:
            return True
        return name == "pipenv" and command.has("--python", "--three")
    if name in CONDA or name == "conda-pack":
        words = positionals(command, CONDA_VALUED)
        return words[0] not in _CONDA_READS if words else not command.has("--version", "-V")
    return bool(venv_dirs(command)) or name == "virtualenv" or _setup_py_at(command) is not None


def _listed(command: Command, *options: str) -> list[str]:
    """Values of ``options``, split on commas, lower case (``--with dev,test``)."""
    return [
        v.strip().lower()
        for value in option_values(command.args, *options)
        for v in value.split(",")
        if v.strip()
    ]


def env_install(command: Command, env: Mapping[str, str] | None = None) -> EnvInstall | None:
    """The environment install ``command`` runs, None for anything else. ``env`` is the
    environment it runs in (``UV_NO_DEV``)."""
    name = command.name
    if name == "poetry":
        return _poetry(command)
    if name == "uv" and command.args[:1] == ("sync",):
        return _uv_sync(command, env or {})
    if name == "pdm":
        return _pdm(command)
    if name == "pipenv":
        return _pipenv(command)
    if name in CONDA:
        return _conda(command)
    return _pip(command)


def _poetry(command: Command) -> EnvInstall | None:
    if positionals(command, POETRY_VALUED)[:1] != ["install"]:
        return None
    with_, only, without = (_listed(command, o) for o in ("--with", "--only", "--without"))
    found = EnvInstall("poetry", "install", groups=tuple(with_ or only))
    if command.has("--all-groups") or set(with_) & DEV_GROUP_NAMES:
        return _with_dev(found, "poetry install --with/--all-groups")
    if command.has("--no-dev", "--only-root"):
        return _without_dev(found)
    if only:
        if set(only) & DEV_GROUP_NAMES:
            return _with_dev(found, "poetry install --only <dev group>")
        return _without_dev(found)
    if set(without) & DEV_GROUP_NAMES:
        return _without_dev(found)
    return _with_dev(found, "poetry install without --only main")


def _with_dev(found: EnvInstall, reason: str) -> EnvInstall:
    return dataclasses.replace(found, dev=True, dev_reason=reason)


def _without_dev(found: EnvInstall) -> EnvInstall:
    return dataclasses.replace(found, dev=False)


def _uv_sync(command: Command, env: Mapping[str, str]) -> EnvInstall:
    groups = _listed(command, "--group")
    found = EnvInstall("uv", "sync", groups=tuple(groups))
    if command.has("--all-groups", "--only-dev"):
        return _with_dev(found, "uv sync --all-groups/--only-dev")
    if set(groups) & DEV_GROUP_NAMES:
        return _with_dev(found, "uv sync --group <dev group>")
    no_dev = env.get("UV_NO_DEV", "").lower() not in _FALSE
    if no_dev or command.has("--no-dev", "--no-default-groups", "--only-group"):
        return _without_dev(found)
    return _with_dev(found, "uv sync without --no-dev")


def _pdm(command: Command) -> EnvInstall | None:
    verb = positionals(command, PDM_VALUED)[:1]
    if verb not in (["install"], ["sync"]):
        return None
    found = EnvInstall("pdm", verb[0], groups=tuple(_listed(command, "-G", "--group")))
    if command.has("--prod", "--production"):
        return _without_dev(found)
    return _with_dev(found, f"pdm {verb[0]} without --prod")


def _pipenv(command: Command) -> EnvInstall | None:
    verb = command.words()[:1]
    if verb not in (["install"], ["sync"]):
        return None
    found = EnvInstall("pipenv", verb[0], packages=tuple(command.words()[1:]))
    if command.has("--dev", "-d"):
        return _with_dev(found, f"pipenv {verb[0]} --dev")
    return _without_dev(found)


def _conda(command: Command) -> EnvInstall | None:
    words = positionals(command, CONDA_VALUED)
    verb = " ".join(words[:2]) if words[:1] == ["env"] else " ".join(words[:1])
    if verb not in CONDA_INSTALLS:
        return None
    names = option_values(command.args, "-n", "--name", "-p", "--prefix")
    return EnvInstall(
        command.name,
        verb,
        files=tuple(option_values(command.args, "-f", "--file")),
        packages=tuple(words[len(verb.split()) :]),
        environment=names[-1] if names else None,
        channels=tuple(option_values(command.args, "-c", "--channel")),
    )


def _pip(command: Command) -> EnvInstall | None:
    parts = _install_parts(command)
    if parts is None:
        return None
    tool, arguments = parts
    options, words = arguments.options, arguments.words
    projects = tuple(w for w in arguments.targets if _is_local_project(w))
    extras = [e for p in projects for e in project_extras(p)]
    asked = [g.lower() for g in _values(options, "--group", "--extra")]
    groups = tuple(dict.fromkeys([*extras, *asked]))
    dev = sorted({g for g in groups if g in DEV_GROUP_NAMES})
    return EnvInstall(
        tool,
        "install",
        files=_values(options, *REQUIREMENT_OPTIONS),
        projects=projects,
        packages=tuple(w for w in words if not _is_local_project(w)),
        groups=groups,
        dev=True if dev else None,
        dev_reason=f"{tool} install takes the project's {', '.join(dev)}" if dev else None,
    )


# -- commands run inside a project's environment -----------------------------------------------


def run_in_env(command: Command) -> Command:
    """The command ``poetry run X``, ``uv run X``, ``pdm run``, ``pipenv run``, ``hatch run``,
    ``rye run`` or ``conda``/``mamba``/``micromamba run -n ENV X`` runs; ``command`` itself
    for anything else (and when nothing follows ``run``)."""
    at = runner_prefix(command.argv)
    return Command(command.argv[at:]) if at else command


# -- interpreters ------------------------------------------------------------------------------

_INTERPRETER_VERSION = re.compile(r"^(?:cpython-|python)?(\d+\.\d+)(?:[.\d]*)(?:[-+@].*)?$")
_SOURCE_TARBALL = re.compile(r"python\.org/ftp/python/(\d+\.\d+)[.\d]*/", re.IGNORECASE)
_UV_PYTHON_OPTIONS = ("--python", "-p")


def interpreter_installs(command: Command) -> list[tuple[str, str]]:
    """(``X.Y``, what) of the Python interpreters a command installs outside conda and the
    system package manager: ``uv python install 3.9``, ``uv venv --python 3.9`` (uv fetches
    a managed build), ``pyenv install 3.8.10``, ``asdf install python 3.8.10``, and a source
    tarball from python.org (``wget .../ftp/python/3.8.10/Python-3.8.10.tgz``)."""
    words = command.words()
    found: list[tuple[str, str]] = []
    if command.name == "uv" and words[:2] == ["python", "install"]:
        found.extend((v, "uv python install") for v in _versions(words[2:]))
    elif command.name == "uv" and words[:1] in (["venv"], ["sync"], ["run"]):
        values = option_values(command.args, *_UV_PYTHON_OPTIONS)
        found.extend((v, f"uv {words[0]} --python") for v in _versions(values))
    elif command.name == "pyenv" and words[:1] == ["install"]:
        found.extend((v, "pyenv install") for v in _versions(words[1:]))
    elif command.name == "asdf" and words[:2] == ["install", "python"]:
        found.extend((v, "asdf install python") for v in _versions(words[2:3]))
    for arg in command.args:
        match = _SOURCE_TARBALL.search(arg)
        if match:
            found.append((match.group(1), "a python.org source tarball"))
    return found


def _versions(words: Sequence[str]) -> list[str]:
    out = []
    for word in words:
        match = _INTERPRETER_VERSION.match(word)
        if match:
            out.append(match.group(1))
    return out


# -- where installs come from: trust, pins, locks --------------------------------------------------


def trusted_hosts(command: Command) -> list[str]:
    """Hosts pip is told to trust without TLS verification: ``pip install --trusted-host H``
    and ``pip config set global.trusted-host H``."""
    found = pip_argv(command)
    if found is None:
        return []
    args = found[1]
    hosts = option_values(args, "--trusted-host")
    if pip_subcommand(args)[0] == "config":
        words = [a for a in args if not a.startswith("-")]
        for index, word in enumerate(words[:-1]):
            if word.endswith("trusted-host"):
                hosts.append(words[index + 1])
    return hosts


def conda_insecure(command: Command) -> str | None:
    """``conda install --insecure`` or ``conda config --set ssl_verify false``."""
    if command.name not in CONDA:
        return None
    if command.has("--insecure"):
        return f"{command.name} --insecure skips TLS verification"
    words = [a.lower() for a in command.args]
    if "ssl_verify" in words and words[-1] in {"false", "no", "0"}:
        return f"{command.name} config ssl_verify false skips TLS verification"
    return None


_VCS_URL = re.compile(r"(?:git|hg|svn|bzr)\+[a-z]+://\S+", re.IGNORECASE)


def vcs_ref(text: str) -> str | None:
    """The revision a VCS requirement names (``git+https://host/org/repo@v1.2#egg=x`` and
    ``pkg @ git+https://...@v1.2``: ``v1.2``); ``""`` for none (the default branch); None
    when ``text`` holds no VCS URL."""
    match = _VCS_URL.search(text)
    if match is None:
        return None
    rest = match.group(0).split("://", 1)[1].split("#", 1)[0]
    path = rest.partition("/")[2]
    if "@" not in path:
        return ""
    return path.rsplit("@", 1)[1].strip()


def vcs_words(command: Command) -> list[str]:
    """The VCS URLs a pip/uv install names on its command line (``git+https://...``,
    ``pkg @ git+https://...``)."""
    parts = _install_parts(command)
    if parts is None:
        return []
    return [w for w in parts[1].targets if vcs_ref(w) is not None]


def prereleases(command: Command) -> bool:
    """``pip install --pre`` / ``uv pip install --prerelease allow``: whatever pre-release is
    newest at build time."""
    parts = _install_parts(command)
    if parts is None:
        return False
    options = parts[1].options
    return any(
        o.name == "--pre" or (o.name == "--prerelease" and o.value in {"allow", "if-necessary"})
        for o in options
    )


LOCKS = {"poetry": "poetry.lock", "uv": "uv.lock", "pdm": "pdm.lock", "pipenv": "Pipfile.lock"}
"""The lock file each project tool installs from."""
_LOCK_CHECKS = frozenset({"--check", "--locked", "--frozen", "--check-only", "--dry-run"})


def resolves_lock(command: Command) -> str | None:
    """``poetry lock``, ``uv lock``, ``pdm lock``, ``pipenv lock``, ``pip-compile``: a
    resolution run at build time (``--check``/``--locked`` only verify, and are None)."""
    words = command.words()
    if command.name in LOCKS and words[:1] == ["lock"]:
        return None if command.has(*_LOCK_CHECKS) else f"{command.name} lock"
    if command.name in {"pip-compile", "uv"} and (
        command.name == "pip-compile" or words[:2] == ["pip", "compile"]
    ):
        return "pip-compile" if command.name == "pip-compile" else "uv pip compile"
    return None


def installs_from_lock(command: Command) -> str | None:
    """The lock file a project install reads, and resolves afresh without it: ``poetry
    install``, ``uv sync``, ``pdm install``/``sync``, ``pipenv install``/``sync``. None for
    other commands and for installs that refuse to run without a lock (``uv sync --frozen``,
    ``pipenv install --deploy``) or install no dependencies (``poetry install
    --only-root``)."""
    name = command.name
    words = command.words()
    if name == "poetry" and positionals(command, POETRY_VALUED)[:1] == ["install"]:
        return None if command.has("--only-root") else LOCKS["poetry"]
    if name == "uv" and words[:1] == ["sync"]:
        return None if command.has("--frozen", "--locked") else LOCKS["uv"]
    if name == "pdm" and positionals(command, PDM_VALUED)[:1] in (["install"], ["sync"]):
        return None if command.has("--frozen-lockfile", "--check") else LOCKS["pdm"]
    if name == "pipenv" and words[:1] in (["install"], ["sync"]) and len(words) == 1:
        return None if command.has("--deploy", "--ignore-pipfile") else LOCKS["pipenv"]
    return None
