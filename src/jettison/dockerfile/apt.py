"""What an ``apt-get`` step of a RUN script does, for the tools that move apt steps around.

``fix`` and ``plan`` both gather a Dockerfile's apt installs into one clean layer placed
before the other steps. That is only safe for the plain verbs (update, install, clean...)
and list cleanup; a step that adds an apt source (``add-apt-repository``, ``apt-key``, a
file under ``/etc/apt/``) must stay where it is, so both refuse to move such a Dockerfile.
"""

from __future__ import annotations

from jettison.dockerfile.shell import Command

APT_TOOLS = frozenset({"apt-get", "apt"})
MOVABLE_VERBS = frozenset({"update", "install", "clean", "autoclean", "autoremove"})
_SOURCE_TOOLS = frozenset({"add-apt-repository", "apt-key"})


def is_apt(command: Command) -> bool:
    """``apt-get ...`` or ``apt ...``."""
    return command.name in APT_TOOLS


def is_movable_apt(command: Command) -> bool:
    """An apt command whose verb can be moved into the gathered apt layer."""
    words = command.words()
    return is_apt(command) and bool(words) and words[0] in MOVABLE_VERBS


def is_apt_cleanup(command: Command) -> bool:
    """``rm -rf /var/lib/apt/lists/*`` and the like."""
    return command.name == "rm" and any(a.startswith("/var/lib/apt/lists") for a in command.args)


def sets_apt_source(command: Command) -> bool:
    """A command that adds an apt source or key, so later installs depend on its place."""
    return command.name in _SOURCE_TOOLS or any("/etc/apt/" in a for a in command.argv)


def apt_installs(command: Command) -> list[str]:
    """The packages of an ``apt-get install`` (configuration words such as ``Dpkg::...``
    left out); empty for any other command."""
    words = command.words()
    if not is_apt(command) or words[:1] != ["install"]:
        return []
    return [w for w in words[1:] if "::" not in w]
