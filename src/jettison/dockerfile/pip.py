"""``pip install`` command lines of RUN instructions: what lint's dependency rules read,
what ``fix`` and ``plan`` rewrite.

``pip``, ``pip3``, ``python -m pip`` and ``uv pip`` are understood; options that take a
value are skipped with their value, so ``--index-url URL`` never reads as a package.
What cannot be read as a requirement (``$VARS``, sdists, URLs without a name) is left out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from packaging.requirements import InvalidRequirement
from packaging.requirements import Requirement as PackagingRequirement
from packaging.utils import InvalidWheelFilename, canonicalize_name, parse_wheel_filename

from jettison.dockerfile.model import Instruction
from jettison.dockerfile.shell import Command, split_commands

_PIP = re.compile(r"^pip\d*(?:\.\d+)?$")
_PYTHON = re.compile(r"^python\d*(?:\.\d+)?$")

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
_VALUE_OPTIONS = frozenset((_PIP_VALUE_OPTIONS + _UV_VALUE_OPTIONS).split())
"""Options of ``pip install`` (and pip's general ones) and ``uv pip install`` that take a
value."""
_ATTACHED = ("-r", "-c", "-e", "-i", "-f", "-t", "-p", "-P", "-C")
"""Short options whose value may be glued on (``-rrequirements.txt``)."""


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


def pip_argv(command: Command) -> tuple[str, tuple[str, ...]] | None:
    """(tool, arguments after ``pip``) when ``command`` runs pip, else None."""
    argv = command.argv
    if _PIP.match(command.name):
        return "pip", argv[1:]
    if _PYTHON.match(command.name) and "-m" in argv:
        at = argv.index("-m")
        if at + 1 < len(argv) and argv[at + 1] in {"pip", "pip3"}:
            return "pip", argv[at + 2 :]
    if command.name == "uv" and len(argv) > 1 and argv[1] == "pip":
        return "uv pip", argv[2:]
    return None


def pip_subcommand(args: tuple[str, ...]) -> tuple[str, tuple[str, ...]]:
    """The subcommand (``install``) of pip's arguments (as :func:`pip_argv` gives them) and
    what follows it, global options (and their values) skipped."""
    index = 0
    while index < len(args):
        arg = args[index]
        if not arg.startswith("-"):
            return arg, args[index + 1 :]
        index += 2 if arg in _VALUE_OPTIONS else 1
    return "", ()


def parse_package(word: str) -> PackageArg | None:
    """``torch==2.1.0+cpu``, ``uvicorn[standard]``, ``x.whl``; None for anything else."""
    if "$" in word or not word:
        return None
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


def _is_local_project(word: str) -> bool:
    return word.startswith((".", "/", "~")) and not word.endswith((".whl", ".tar.gz", ".zip"))


def parse_install(instruction: Instruction, command: Command) -> PipInstall | None:
    found = pip_argv(command)
    if found is None:
        return None
    tool, args = found
    sub, rest = pip_subcommand(args)
    if sub != "install":
        return None
    packages: list[PackageArg] = []
    files: list[str] = []
    constraints: list[str] = []
    indexes: list[str] = []
    local: list[str] = []
    groups: list[str] = []
    upgrade = False
    backend: str | None = None
    index = 0
    while index < len(rest):
        arg = rest[index]
        index += 1
        if not arg.startswith("-") or arg == "-":
            if _is_local_project(arg):
                local.append(arg)
            else:
                package = parse_package(arg)
                if package is not None:
                    packages.append(package)
            continue
        if arg in {"-U", "--upgrade", "--force-reinstall", "--reinstall"}:
            upgrade = True
            continue
        option, value = arg, None
        if "=" in arg and arg.startswith("--"):
            option, value = arg.split("=", 1)
        elif arg[:2] in _ATTACHED and len(arg) > 2 and not arg.startswith("--"):
            option, value = arg[:2], arg[2:]
        if option not in _VALUE_OPTIONS:
            continue
        if value is None:
            if index >= len(rest):
                break
            value = rest[index]
            index += 1
        if option in {"-r", "--requirement"}:
            files.append(value)
        elif option in {"-c", "--constraint", "--constraints"}:
            constraints.append(value)
        elif option in {
            "-i",
            "--index-url",
            "--extra-index-url",
            "--index",
            "--default-index",
            "-f",
            "--find-links",
        }:
            indexes.append(value)
        elif option in {"-e", "--editable"} and _is_local_project(value):
            local.append(value)
        elif option == "--torch-backend":
            backend = value
        elif option in {"--group", "--extra"}:
            groups.append(value)
    return PipInstall(
        instruction=instruction,
        tool=tool,
        packages=tuple(packages),
        requirement_files=tuple(files),
        constraint_files=tuple(constraints),
        index_urls=tuple(indexes),
        local_projects=tuple(local),
        upgrade=upgrade,
        torch_backend=backend,
        groups=tuple(groups),
    )


def pip_installs(instruction: Instruction) -> list[PipInstall]:
    """Every ``pip install`` a ``RUN`` instruction runs, in order."""
    if instruction.keyword != "RUN":
        return []
    out = []
    for command in split_commands(instruction.shell_text):
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
