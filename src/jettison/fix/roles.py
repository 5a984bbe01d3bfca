"""What each command of a RUN is to the multi-stage split: an environment install the builder
runs, an apt step the runtime stage gathers, or a step the runtime stage runs again.

- ``install``: builds or fills a Python environment (pip/uv/poetry/pdm/pipenv/conda
  installs and their settings, virtualenv creation, ``setup.py``): the builder runs it, the
  runtime stage copies what it made;
- ``apt-install``, ``apt-remove``, ``apt-upgrade``, ``apt``: apt steps; the runtime stage
  installs the runtime packages in one layer (build tools left out), ``apt`` being list
  upkeep (update, clean, autoremove, ``rm -rf /var/lib/apt/lists``);
- ``apt-source``: adds an apt source or key; what it makes installable is not known here;
- ``neutral``: leaves nothing the service needs (``cd``, ``set``, ``echo`` without a
  redirection, version checks, cache removal): kept only beside the steps it serves;
- ``other``: everything else, which the runtime stage runs again as written.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from jettison.dockerfile.commands.cleanup import is_cache_path, removed_paths
from jettison.dockerfile.commands.python import (
    builds_environment,
    parse_install,
    pip_argv,
    pip_subcommand,
)
from jettison.dockerfile.commands.system import (
    apt_installs,
    is_apt_cleanup,
    is_apt_tool,
    sets_apt_source,
    system_command,
)
from jettison.dockerfile.discover import is_requirements_input
from jettison.dockerfile.model import Instruction
from jettison.dockerfile.shell import ALL_RUNNERS, Command, split_commands
from jettison.dockerfile.shellwords import Part, simple_words
from jettison.facts.packages import INSTALLER_TOOLS

Role = Literal[
    "install", "apt-install", "apt-remove", "apt-upgrade", "apt", "apt-source", "neutral", "other"
]

_NEUTRAL = frozenset(
    {"cd", "set", "export", "true", ":", "[", "[[", "test", "which", "ls", "sleep", "pwd",
     "whoami", "id", "uname", "nproc", "date", "df", "du", "free", "command", "type", "hash",
     "unset", "shopt", "ulimit", "umask", "source", ".", "dpkg-query"}
)  # fmt: skip
_PRINTERS = frozenset({"echo", "printf", "cat"})
_VERSION_FLAGS = frozenset({"--version", "-V", "version", "--help", "-h"})


def command_role(command: Command) -> Role:
    """The role of one simple command (runners such as ``poetry run`` already unwrapped)."""
    name = command.name
    if is_apt_tool(command) or name == "aptitude":
        return _apt_role(command)
    if is_apt_cleanup(command):
        return "apt"
    if sets_apt_source(command):
        return "apt-source"
    if builds_environment(command):
        return "install"
    if _is_neutral(command):
        return "neutral"
    return "other"


def _apt_role(command: Command) -> Role:
    found = system_command(command)
    verb = found.verb if found is not None else None
    if verb == "install" and command.name != "aptitude":
        return "apt-install"
    if verb in ("purge", "remove"):
        return "apt-remove"
    if verb in ("upgrade", "dist-upgrade", "full-upgrade"):
        return "apt-upgrade"
    if verb in ("update", "clean", "autoclean", "autoremove") or verb is None:
        return "apt"
    return "apt-source"  # apt-mark, apt-key via apt... : not a step the runtime can redo


def _is_neutral(command: Command) -> bool:
    name, args = command.name, command.args
    if name in _NEUTRAL:
        return True
    if name in _PRINTERS:
        return not any(a.startswith((">", "1>", "2>")) or a == "tee" for a in args)
    if name == "rm":
        paths = removed_paths(command, "/")
        return bool(paths) and all(
            is_cache_path(p) or is_requirements_input(Path(p)) for p in paths
        )
    if len(args) == 1 and args[0] in _VERSION_FLAGS:
        return True
    found = pip_argv(command)
    return found is not None and pip_subcommand(found[1])[0] in ("freeze", "list", "show", "check")


@dataclass(frozen=True, slots=True)
class PartRoles:
    """One part of a RUN script (:func:`jettison.dockerfile.shellwords.parts`) and its
    commands' roles."""

    part: Part
    commands: tuple[Command, ...]
    """Its simple commands, environment runners unwrapped (``poetry run pytest``: pytest)."""
    roles: tuple[Role, ...]

    @property
    def installs(self) -> bool:
        return "install" in self.roles

    @property
    def effects(self) -> bool:
        """It changes the image in a way the runtime stage must repeat."""
        return "other" in self.roles


def part_roles(part: Part) -> PartRoles:
    commands = tuple(split_commands(part.text, ALL_RUNNERS))
    # one simple command read as several: its ``$(...)`` compute its words, and it is what
    # it does with them (rm -rf $(poetry config cache-dir) removes a cache)
    whole = simple_words(part.text) if part.simple and len(commands) > 1 else None
    if whole and _is_neutral(Command(tuple(whole))):
        return PartRoles(part, commands, tuple("neutral" for _ in commands))
    return PartRoles(part, commands, tuple(command_role(c) for c in commands))


def installs_only_tools(instruction: Instruction, command: Command) -> bool:
    """A pip install of installer tools only (``pip install --upgrade pip poetry``)."""
    install = parse_install(instruction, command)
    if install is None or install.requirement_files or install.local_projects:
        return False
    names = {p.name for p in install.packages}
    return bool(names) and len(names) == len(install.words) and names <= INSTALLER_TOOLS


def apt_packages_of(commands: Sequence[Command]) -> list[str]:
    """What the ``apt-get install`` commands among ``commands`` install, as written."""
    return [p for c in commands for p in apt_installs(c)]


def apt_removed(commands: Sequence[Command]) -> list[str]:
    """What ``apt-get purge/remove`` commands among ``commands`` remove, as written."""
    out: list[str] = []
    for command in commands:
        found = system_command(command)
        if found is not None and found.verb in ("purge", "remove"):
            out.extend(found.packages)
    return out
