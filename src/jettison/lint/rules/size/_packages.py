"""How the package managers the size rules know are invoked: which command is an install,
which option disables a cache, which subcommand cleans one."""

from __future__ import annotations

from dataclasses import dataclass

from jettison.dockerfile.shell import Command
from jettison.lint.rules.size._scripts import positionals

APT = frozenset({"apt-get", "apt", "aptitude"})
APT_VALUED = frozenset(
    {"-o", "-c", "-t", "-a", "--option", "--config-file", "--target-release", "--host-architecture"}
)
APK_VALUED = frozenset({"-X", "--repository", "-p", "--root", "-t", "--virtual", "--arch"})
RPM_VALUED = frozenset(
    {"-c", "--config", "--setopt", "--enablerepo", "--disablerepo", "--installroot",
     "--releasever", "-x", "--exclude", "--repo", "--repoid", "-d", "--debuglevel", "-e",
     "--errorlevel", "--forcearch"}
)  # fmt: skip
ZYPPER_VALUED = frozenset({"-r", "--repo", "--root", "-R", "--reposd-root", "-D", "--cache-dir"})
RPM_TOOLS = frozenset({"yum", "dnf", "dnf5", "microdnf"})


def subcommand(command: Command, takes_value: frozenset[str] = frozenset()) -> str | None:
    """The first positional argument (``install`` in ``apt-get -y install curl``)."""
    words = positionals(command, takes_value)
    return words[0] if words else None


def packages(command: Command, takes_value: frozenset[str] = frozenset()) -> list[str]:
    """The positional arguments after the subcommand (package names, as written)."""
    return positionals(command, takes_value)[1:]


def is_apt(command: Command, *verbs: str) -> bool:
    return command.name in APT and subcommand(command, APT_VALUED) in verbs


def is_apk(command: Command, *verbs: str) -> bool:
    return command.name == "apk" and subcommand(command, APK_VALUED) in verbs


def is_rpm_tool(command: Command, tools: frozenset[str], *verbs: str) -> bool:
    return command.name in tools and subcommand(command, RPM_VALUED) in verbs


def is_zypper(command: Command, *verbs: str) -> bool:
    return command.name == "zypper" and subcommand(command, ZYPPER_VALUED) in verbs


@dataclass(frozen=True, slots=True)
class Verbs:
    """The subcommands that do one thing (install, remove...) in each package manager."""

    apt: tuple[str, ...]
    apk: tuple[str, ...]
    rpm: tuple[str, ...]
    """Of yum, dnf and microdnf (:data:`RPM_TOOLS`)."""
    zypper: tuple[str, ...]


def packages_if(command: Command, verbs: Verbs) -> list[str] | None:
    """The packages ``command`` names when it is one of ``verbs`` of its package manager
    (possibly none: ``apt-get upgrade``); None when it is not."""
    if is_apt(command, *verbs.apt):
        return packages(command, APT_VALUED)
    if is_apk(command, *verbs.apk):
        return packages(command, APK_VALUED)
    if is_rpm_tool(command, RPM_TOOLS, *verbs.rpm):
        return packages(command, RPM_VALUED)
    if is_zypper(command, *verbs.zypper):
        return packages(command, ZYPPER_VALUED)
    return None
