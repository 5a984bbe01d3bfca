"""System package managers: verbs, packages, recommends, apt steps fix and plan may move."""

from __future__ import annotations

import pytest

from jettison.dockerfile.commands.system import (
    INSTALL,
    REMOVE,
    SystemCommand,
    added_ppa,
    apk_virtual,
    apt_installs,
    configures_no_recommends,
    group_memberships,
    insecure_package_options,
    is_apt,
    is_apt_cleanup,
    is_apt_tool,
    is_movable_apt,
    nopasswd_grantees,
    package_name,
    packages_if,
    sets_apt_source,
    system_command,
    upgrades_all,
    without_recommends,
)
from jettison.dockerfile.shell import split_commands
from support.commands import command


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("apt-get install -y curl", SystemCommand("apt", "apt-get", "install", ("curl",))),
        (
            "apt-get -o Acquire::Retries=3 install -y curl",
            SystemCommand("apt", "apt-get", "install", ("curl",)),
        ),
        (
            "apt-get -y -t bookworm-backports install -o Dpkg::Options::=--force-confold git",
            SystemCommand("apt", "apt-get", "install", ("git",)),
        ),
        ("sudo apt-get update", SystemCommand("apt", "apt-get", "update", ())),
        (
            "env DEBIAN_FRONTEND=noninteractive apt install -y tzdata",
            SystemCommand("apt", "apt", "install", ("tzdata",)),
        ),
        (
            "DEBIAN_FRONTEND=noninteractive /usr/bin/apt-get -qq install x",
            SystemCommand("apt", "apt-get", "install", ("x",)),
        ),
        ("sh -c 'aptitude install vim'", SystemCommand("apt", "aptitude", "install", ("vim",))),
        ("apk --no-cache add --virtual .build gcc", SystemCommand("apk", "apk", "add", ("gcc",))),
        (
            "apk add -X https://mirror/x 'musl>1.2'",
            SystemCommand("apk", "apk", "add", ("musl>1.2",)),
        ),
        (
            "microdnf --setopt=tsflags=nodocs install -y python3",
            SystemCommand("rpm", "microdnf", "install", ("python3",)),
        ),
        (
            "yum --enablerepo epel install -y htop",
            SystemCommand("rpm", "yum", "install", ("htop",)),
        ),
        ("zypper -n --root /x in gcc", SystemCommand("zypper", "zypper", "in", ("gcc",))),
        ("apt-get", SystemCommand("apt", "apt-get", None, ())),
    ],
)
def test_system_command(line: str, expected: SystemCommand) -> None:
    assert system_command(command(line)) == expected


@pytest.mark.parametrize("line", ["pip install curl", "apt-cache show x", "echo apt-get"])
def test_not_a_package_manager(line: str) -> None:
    assert system_command(command(line)) is None


def test_verbs_by_manager() -> None:
    assert is_apt(command("apt-get -o X=1 update"), "update")
    assert not is_apt(command("apt-get install x"), "update")
    assert packages_if(command("dnf -y install gcc make"), INSTALL) == ["gcc", "make"]
    assert packages_if(command("apk del .build"), REMOVE) == [".build"]
    assert packages_if(command("apk add x"), REMOVE) is None
    assert packages_if(command("zypper rm x"), REMOVE) == ["x"]


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("apt-get upgrade -y", True),
        ("apt-get -y dist-upgrade", True),
        ("apt-get install --only-upgrade openssl", False),
        ("apt-get upgrade openssl", False),
        ("apk upgrade", True),
        ("dnf -y update", True),
        ("dnf update curl", False),
        ("zypper dup", True),
        ("apt-get update", False),
    ],
)
def test_upgrades_all(line: str, expected: bool) -> None:
    assert upgrades_all(command(line)) is expected


@pytest.mark.parametrize(
    ("word", "name"),
    [
        ("curl=7.88*", "curl"),
        ("libfoo:amd64", "libfoo"),
        ("musl>1.2", "musl"),
        (" GCC ", "gcc"),
        ("python3.11~3.11.2", "python3.11"),
        ("libpq-dev", "libpq-dev"),
    ],
)
def test_package_name(word: str, name: str) -> None:
    assert package_name(word) == name


def test_apk_virtual() -> None:
    assert apk_virtual(command("apk add --virtual .build-deps gcc")) == ".build-deps"
    assert apk_virtual(command("apk add --virtual=.b gcc")) == ".b"
    assert apk_virtual(command("apk add -t deps gcc")) == "deps"
    assert apk_virtual(command("apk del --virtual x")) is None


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("apt-get install --no-install-recommends x", True),
        ("apt-get install -o APT::Install-Recommends=false x", True),
        ("apt-get install -o APT::Install-Recommends=0 x", True),
        ("apt-get install -o APT::Install-Recommends=true x", False),
        ("apt-get install x", False),
    ],
)
def test_without_recommends(line: str, expected: bool) -> None:
    assert without_recommends(command(line)) is expected


def test_an_apt_conf_snippet_turns_recommends_off() -> None:
    snippet = command("""echo 'APT::Install-Recommends "0";' > /etc/apt/apt.conf.d/90""")
    assert configures_no_recommends(snippet)
    assert not configures_no_recommends(command("apt-get install -o APT::Install-Recommends=0 x"))


@pytest.mark.parametrize(
    ("line", "tool", "movable", "installs"),
    [
        ("apt-get -o Acquire::Retries=3 install -y curl", True, True, ["curl"]),
        (
            "apt-get install -y -o Dpkg::Options::=--force-confold curl=7.88*",
            True,
            True,
            ["curl=7.88*"],
        ),
        ("apt update", True, True, []),
        ("apt-get -y autoremove", True, True, []),
        ("apt-get purge -y gcc", True, False, []),
        ("apt-get dist-upgrade", True, False, []),
        ("aptitude install x", False, False, []),
        ("apk add x", False, False, []),
    ],
)
def test_apt_steps_fix_and_plan_move(
    line: str, tool: bool, movable: bool, installs: list[str]
) -> None:
    found = command(line)
    assert is_apt_tool(found) is tool
    assert is_movable_apt(found) is movable
    assert apt_installs(found) == installs


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("rm -rf /var/lib/apt/lists/*", True),
        ("rm -rf /var/lib/apt/lists", True),
        ("rm -rf /tmp/* /var/lib/apt/lists/*", True),
        ("rm -rf /var/lib/apt", False),
        ("rm -rf /tmp/x", False),
        ("apt-get clean", False),
    ],
)
def test_apt_cleanup(line: str, expected: bool) -> None:
    assert is_apt_cleanup(command(line)) is expected


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("add-apt-repository ppa:deadsnakes/ppa", True),
        ("apt-key add key.gpg", True),
        ("curl -o /etc/apt/sources.list.d/x.list https://x", True),
        ("echo deb http://x bookworm main > /etc/apt/sources.list.d/x.list", True),
        ("curl -fsSL https://x", False),
    ],
)
def test_apt_sources(line: str, expected: bool) -> None:
    assert sets_apt_source(command(line)) is expected


@pytest.mark.parametrize(
    ("line", "ppa"),
    [
        ("add-apt-repository -y ppa:deadsnakes/ppa", "deadsnakes/ppa"),
        (
            "echo 'deb http://ppa.launchpadcontent.net/deadsnakes/ppa/ubuntu jammy main'",
            "deadsnakes/ppa",
        ),
        ("add-apt-repository universe", None),
        ("apt-get install -y python3", None),
    ],
)
def test_added_ppa(line: str, ppa: str | None) -> None:
    (command,) = split_commands(line)
    assert added_ppa(command) == ppa


@pytest.mark.parametrize(
    ("line", "count"),
    [
        ("apt-get install -y --allow-unauthenticated x", 1),
        ("apt-get install -y --force-yes --allow-insecure-repositories x", 2),
        ("apt-get -o APT::Get::AllowUnauthenticated=true install x", 1),
        ("echo 'deb [arch=amd64 trusted=yes] http://r/ s main'", 1),
        ("apk add --allow-untrusted x.apk", 1),
        ("yum install -y --nogpgcheck x", 1),
        ("rpm -i --nosignature x.rpm", 1),
        ("printf '[r]\\ngpgcheck=0\\n'", 0),  # an escaped newline is not a line start
        ("apt-get install -y x", 0),
    ],
)
def test_insecure_package_options(line: str, count: int) -> None:
    (found,) = split_commands(line)
    assert len(insecure_package_options(found)) == count


@pytest.mark.parametrize(
    ("text", "grantees"),
    [
        ("app ALL=(ALL) NOPASSWD: ALL", ["app"]),
        ("%sudo   ALL=(ALL:ALL) NOPASSWD:ALL", ["%sudo"]),
        ("s/^%wheel.*/%wheel ALL=(ALL) NOPASSWD: ALL/", ["%wheel"]),
        ("app ALL=(ALL) ALL", []),
    ],
)
def test_nopasswd_grantees(text: str, grantees: list[str]) -> None:
    assert nopasswd_grantees(text) == grantees


@pytest.mark.parametrize(
    ("line", "pairs"),
    [
        ("usermod -aG sudo app", [("app", "sudo")]),
        ("useradd -m -G sudo,docker app", [("app", "sudo"), ("app", "docker")]),
        ("adduser app sudo", [("app", "sudo")]),
        ("gpasswd -a app wheel", [("app", "wheel")]),
        ("adduser --disabled-password app", []),
    ],
)
def test_group_memberships(line: str, pairs: list[tuple[str, str]]) -> None:
    (found,) = split_commands(line)
    assert group_memberships(found) == pairs
