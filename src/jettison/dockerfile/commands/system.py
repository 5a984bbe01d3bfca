"""System package managers: apt-get/apt/aptitude, apk, yum/dnf/dnf5/microdnf, zypper.

A command is read as its manager reads it: options that take a value are skipped with it,
so ``apt-get -o Acquire::Retries=3 install -y curl`` is an install of ``curl``, and the verb
is the first positional argument wherever the options stand. lint's JT1xx/JT401 rules,
``fix`` and ``plan`` all read installs, removals and upgrades here.

``fix`` and ``plan`` gather a Dockerfile's apt installs into one clean layer placed before
the other steps. That is only safe for the plain verbs (:data:`MOVABLE_VERBS`) of apt-get
and apt, and for list cleanup; a step that adds an apt source (``add-apt-repository``,
``apt-key``, a file under ``/etc/apt/``) must stay where it is, so both refuse to move such a
Dockerfile. aptitude steps are not moved: they stay where they are, as written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from jettison.dockerfile.commands.cleanup import removed_paths
from jettison.dockerfile.commands.options import option_values, positionals
from jettison.dockerfile.paths import covers
from jettison.dockerfile.shell import Command

APT = frozenset({"apt-get", "apt", "aptitude"})
APT_VALUED = frozenset(
    {"-o", "-c", "-t", "-a", "--option", "--config-file", "--target-release", "--host-architecture"}
)
"""apt options that take a value."""
APK_VALUED = frozenset({"-X", "--repository", "-p", "--root", "-t", "--virtual", "--arch"})
RPM_TOOLS = frozenset({"yum", "dnf", "dnf5", "microdnf"})
YUM = frozenset({"yum"})
DNF = frozenset({"dnf", "dnf5", "microdnf"})
RPM_VALUED = frozenset(
    {"-c", "--config", "--setopt", "--enablerepo", "--disablerepo", "--installroot",
     "--releasever", "-x", "--exclude", "--repo", "--repoid", "-d", "--debuglevel", "-e",
     "--errorlevel", "--forcearch"}
)  # fmt: skip
"""yum/dnf/microdnf options that take a value."""
ZYPPER_VALUED = frozenset({"-r", "--repo", "--root", "-R", "--reposd-root", "-D", "--cache-dir"})
_VALUED = {"apt": APT_VALUED, "apk": APK_VALUED, "rpm": RPM_VALUED, "zypper": ZYPPER_VALUED}
ALL_VALUED = APT_VALUED | APK_VALUED | RPM_VALUED | ZYPPER_VALUED


@dataclass(frozen=True, slots=True)
class SystemCommand:
    """A package manager's command line, read: ``apt-get -y install curl`` is manager
    ``apt``, verb ``install``, packages ``curl``."""

    manager: str
    """``apt``, ``apk``, ``rpm`` (yum, dnf, dnf5, microdnf) or ``zypper``."""
    tool: str
    """The program as run: ``apt-get``, ``microdnf``..."""
    verb: str | None
    """The first positional argument (``install``); None when there is none."""
    packages: tuple[str, ...]
    """The positional arguments after the verb, as written (``curl=7.88*``)."""


def system_command(command: Command) -> SystemCommand | None:
    """``command`` read as a package manager's, None when it runs none."""
    name = command.name
    if name in APT:
        manager = "apt"
    elif name == "apk":
        manager = "apk"
    elif name in RPM_TOOLS:
        manager = "rpm"
    elif name == "zypper":
        manager = "zypper"
    else:
        return None
    words = positionals(command, _VALUED[manager])
    return SystemCommand(manager, name, words[0] if words else None, tuple(words[1:]))


def _runs(command: Command, tools: frozenset[str], verbs: tuple[str, ...]) -> bool:
    found = system_command(command)
    return found is not None and found.tool in tools and found.verb in verbs


def is_apt(command: Command, *verbs: str) -> bool:
    """apt-get, apt or aptitude running one of ``verbs``."""
    return _runs(command, APT, verbs)


def is_apk(command: Command, *verbs: str) -> bool:
    return _runs(command, frozenset({"apk"}), verbs)


def is_rpm_tool(command: Command, tools: frozenset[str], *verbs: str) -> bool:
    """One of ``tools`` (:data:`YUM`, :data:`DNF`, :data:`RPM_TOOLS`) running one of
    ``verbs``."""
    return _runs(command, tools, verbs)


def is_zypper(command: Command, *verbs: str) -> bool:
    return _runs(command, frozenset({"zypper"}), verbs)


@dataclass(frozen=True, slots=True)
class Verbs:
    """The subcommands that do one thing (install, remove...) in each package manager."""

    apt: tuple[str, ...]
    apk: tuple[str, ...]
    rpm: tuple[str, ...]
    """Of yum, dnf and microdnf (:data:`RPM_TOOLS`)."""
    zypper: tuple[str, ...]


INSTALL = Verbs(
    apt=("install",), apk=("add",), rpm=("install", "groupinstall"), zypper=("install", "in")
)
REMOVE = Verbs(
    apt=("purge", "remove", "autoremove"),
    apk=("del",),
    rpm=("remove", "erase", "autoremove"),
    zypper=("remove", "rm"),
)
UPGRADE = Verbs(
    apt=("upgrade", "dist-upgrade", "full-upgrade"),
    apk=("upgrade",),
    rpm=("upgrade", "update", "distro-sync", "upgrade-minimal"),
    zypper=("update", "up", "dist-upgrade", "dup", "patch"),
)
"""Verbs that upgrade every installed package when they name none."""


def packages_if(command: Command, verbs: Verbs) -> list[str] | None:
    """The packages ``command`` names when it is one of ``verbs`` of its package manager
    (possibly none: ``apt-get upgrade``); None when it is not."""
    found = system_command(command)
    if found is None or found.verb not in getattr(verbs, found.manager):
        return None
    return list(found.packages)


def upgrades_all(command: Command) -> bool:
    """The command upgrades every installed package (not just the ones it names)."""
    return packages_if(command, UPGRADE) == []


_VERSION_OR_ARCH = re.compile(r"[=:<>~]")


def package_name(word: str) -> str:
    """The package a word of an install command names, lower case, without its version or
    architecture: ``curl=7.88*`` -> ``curl``, ``libfoo:amd64`` -> ``libfoo``, apk's
    ``musl>1.2`` -> ``musl``."""
    return _VERSION_OR_ARCH.split(word, maxsplit=1)[0].strip().lower()


def apk_virtual(command: Command) -> str | None:
    """The ``--virtual``/``-t`` name of an ``apk add`` (``apk del NAME`` removes the lot)."""
    if not is_apk(command, "add"):
        return None
    args = list(command.args)
    for index, arg in enumerate(args):
        if arg in ("--virtual", "-t") and index + 1 < len(args):
            return args[index + 1]
        if arg.startswith("--virtual="):
            return arg.split("=", 1)[1]
    return None


# -- apt: recommends, lists, sources, and what fix and plan may move -----------------------------

NO_RECOMMENDS = re.compile(r"APT::Install-Recommends\s*=?\s*\"?(?:0|false|no)\b", re.IGNORECASE)
"""apt's setting that turns recommended packages off (on the command line or in apt.conf)."""
LISTS = "/var/lib/apt/lists"
MOVABLE_TOOLS = frozenset({"apt-get", "apt"})
MOVABLE_VERBS = frozenset({"update", "install", "clean", "autoclean", "autoremove"})
_SOURCE_TOOLS = frozenset({"add-apt-repository", "apt-key"})


def without_recommends(command: Command) -> bool:
    """``--no-install-recommends`` or ``-o APT::Install-Recommends=false`` on the command."""
    return command.has("--no-install-recommends") or any(
        NO_RECOMMENDS.search(a) for a in command.args
    )


def configures_no_recommends(command: Command) -> bool:
    """A command other than apt's that writes the no-recommends setting (an apt.conf
    snippet: ``echo 'APT::Install-Recommends "0";' > /etc/apt/apt.conf.d/...``)."""
    return command.name not in APT and NO_RECOMMENDS.search(" ".join(command.args)) is not None


def is_apt_tool(command: Command) -> bool:
    """``apt-get ...`` or ``apt ...``: the apt commands fix and plan look at."""
    return command.name in MOVABLE_TOOLS


def is_movable_apt(command: Command) -> bool:
    """An apt-get/apt command whose verb can be moved into a gathered apt layer."""
    found = system_command(command)
    return is_apt_tool(command) and found is not None and found.verb in MOVABLE_VERBS


def apt_installs(command: Command) -> list[str]:
    """The packages of an ``apt-get``/``apt install``, as written; empty for any other
    command."""
    found = system_command(command)
    if found is None or found.tool not in MOVABLE_TOOLS or found.verb != "install":
        return []
    return list(found.packages)


def is_apt_cleanup(command: Command) -> bool:
    """``rm -rf /var/lib/apt/lists/*`` and the like."""
    return any(covers(LISTS, path) for path in removed_paths(command, "/"))


def sets_apt_source(command: Command) -> bool:
    """A command that adds an apt source or key, so later installs depend on its place."""
    return command.name in _SOURCE_TOOLS or any("/etc/apt/" in a for a in command.argv)


def added_ppa(command: Command) -> str | None:
    """The Launchpad PPA an ``add-apt-repository ppa:OWNER/NAME`` adds (``deadsnakes/ppa``),
    or a ``deb`` line naming ``ppa.launchpadcontent.net/OWNER/NAME`` that a command writes."""
    if command.name == "add-apt-repository":
        for word in positionals(command):
            if word.startswith("ppa:"):
                return word[4:]
    for arg in command.argv:
        match = _PPA_URL.search(arg)
        if match:
            return match.group(1)
    return None


_PPA_URL = re.compile(r"ppa\.launchpad(?:content)?\.net/([\w.-]+/[\w.-]+)")


# -- verification and sudo -----------------------------------------------------------------------

_APT_INSECURE = {
    "--allow-unauthenticated": "apt installs packages it cannot authenticate",
    "--allow-insecure-repositories": "apt accepts unsigned repositories",
    "--force-yes": "apt --force-yes also installs unauthenticated packages",
    "--no-check-certificate": "the package manager skips TLS verification",
}
_INSECURE_SETTINGS = (
    (re.compile(r"AllowUnauthenticated\s*=?\s*\"?(?:true|1|yes)", re.I),
     "apt installs packages it cannot authenticate"),
    (re.compile(r"AllowInsecureRepositories\s*=?\s*\"?(?:true|1|yes)", re.I),
     "apt accepts unsigned repositories"),
    (re.compile(r"Verify-Peer\s*=?\s*\"?(?:false|0|no)", re.I), "apt skips TLS verification"),
    (re.compile(r"\[[^\]]*trusted=yes[^\]]*\]"),
     "an apt source marked [trusted=yes] is not verified"),
    (re.compile(r"^\s*gpgcheck\s*=\s*0\b", re.M), "a yum/dnf repository with gpgcheck=0"),
)  # fmt: skip


def insecure_package_options(command: Command) -> list[str]:
    """What a package-manager command turns off: ``apt-get --allow-unauthenticated``,
    ``-o Acquire::AllowInsecureRepositories=true``, ``[trusted=yes]`` in a source line it
    writes, ``apk --allow-untrusted``, ``yum/dnf --nogpgcheck``, ``gpgcheck=0``, ``rpm
    --nosignature``."""
    out: list[str] = []
    if command.name in APT:
        out.extend(what for option, what in _APT_INSECURE.items() if command.has(option))
    if command.name == "apk" and command.has("--allow-untrusted"):
        out.append("apk installs unsigned packages (--allow-untrusted)")
    if command.name in RPM_TOOLS and command.has("--nogpgcheck"):
        out.append(f"{command.name} --nogpgcheck installs unsigned packages")
    if command.name == "rpm" and command.has("--nosignature", "--nodigest"):
        out.append("rpm skips signature checks")
    text = " ".join(command.argv)
    out.extend(what for pattern, what in _INSECURE_SETTINGS if pattern.search(text))
    return list(dict.fromkeys(out))


_NOPASSWD = re.compile(r"(\S+)\s+ALL\s*=\s*(?:\([^)]*\)\s*)?NOPASSWD\s*:", re.I)


def nopasswd_grantees(text: str) -> list[str]:
    """Who a sudoers text (or a command argument writing one) lets run sudo without a
    password: ``app``, ``%sudo`` (a group), ``ALL``."""
    return [m.group(1).rsplit("/", 1)[-1].lstrip("\"'") for m in _NOPASSWD.finditer(text)]


def group_memberships(command: Command) -> list[tuple[str, str]]:
    """(user, group) a command adds: ``usermod -aG sudo app``, ``adduser app sudo``,
    ``gpasswd -a app sudo``, ``useradd -G sudo,wheel app``."""
    words = command.words()
    if command.name == "usermod":
        groups = option_values(command.args, "-G", "--groups", "-aG")
        return [(words[-1], g) for value in groups for g in value.split(",")] if words else []
    if command.name == "useradd":
        groups = option_values(command.args, "-G", "--groups")
        return [(words[-1], g) for value in groups for g in value.split(",")] if words else []
    if command.name == "adduser" and len(words) == 2 and not command.has("--group"):
        return [(words[0], words[1])]
    if command.name == "gpasswd":
        users = option_values(command.args, "-a", "--add")
        return [(u, words[-1]) for u in users] if words else []
    return []
