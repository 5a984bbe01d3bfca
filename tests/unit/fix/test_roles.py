"""What each command of a RUN script is to the multi-stage split (fix/roles.py)."""

from __future__ import annotations

import pytest

from jettison.dockerfile.shell import Command
from jettison.dockerfile.shellwords import parts
from jettison.fix.roles import command_role, installs_only_tools, part_roles
from support.commands import command, run


@pytest.mark.parametrize(
    ("argv", "role"),
    [
        ("pip install flask", "install"),
        ("python3.10 -m pip install -e .", "install"),
        ("pip freeze", "neutral"),
        ("uv sync --frozen", "install"),
        ("uv pip install --system .", "install"),
        ("poetry config virtualenvs.create false", "install"),
        ("pdm install --prod", "install"),
        ("conda env create -f environment.yml", "install"),
        ("micromamba clean --all --yes", "install"),
        ("python -m venv /opt/venv", "install"),
        ("python setup.py build_ext --inplace", "install"),
        ("apt-get install -y gcc", "apt-install"),
        ("apt-get purge -y gcc", "apt-remove"),
        ("apt-get upgrade -y", "apt-upgrade"),
        ("apt-get update", "apt"),
        ("rm -rf /var/lib/apt/lists/*", "apt"),
        ("add-apt-repository ppa:deadsnakes/ppa", "apt-source"),
        ("rm -rf /root/.cache/pip", "neutral"),
        ("rm requirements.txt", "neutral"),
        ("echo hello", "neutral"),
        ("echo hello > /etc/motd", "other"),
        ("nemoguardrails --help", "neutral"),
        ("python -m nltk.downloader punkt", "other"),
        ("git clone https://example.com/x.git /x", "other"),
    ],
)
def test_command_roles(argv: str, role: str) -> None:
    assert command_role(Command(tuple(argv.split()))) == role


def test_a_runner_runs_its_command_in_the_environment() -> None:
    (part,) = parts("poetry run python manage.py collectstatic") or []
    read = part_roles(part)
    assert read.roles == ("other",) and read.effects and not read.installs
    (part,) = parts("conda run -n env pip install x") or []
    assert part_roles(part).installs


@pytest.mark.parametrize(
    "script",
    [
        "rm -rf $(poetry config cache-dir)",
        'rm -rf "$(poetry config cache-dir)"',
        "rm -rf $(pip cache dir) /tmp/*",
        "cd /usr/lib/$(uname -p)-linux-gnu/pkgconfig/",
    ],
)
def test_a_substitution_only_computes_the_words_of_its_command(script: str) -> None:
    (part,) = parts(script) or []
    read = part_roles(part)
    assert set(read.roles) == {"neutral"} and not read.installs and not read.effects


def test_a_substitution_does_not_hide_what_its_command_does() -> None:
    (part,) = parts("echo $(date) > /etc/build-date") or []
    assert part_roles(part).effects
    (part,) = parts("pip install $(cat requirements.txt)") or []
    assert part_roles(part).installs


@pytest.mark.parametrize(
    ("argv", "role"),
    [
        ("apt-get -o Acquire::Retries=3 install -y curl", "apt-install"),
        ("uv --no-cache sync --frozen", "install"),  # the verb read past uv's options
        ("poetry --no-interaction install --only main", "install"),
        ("poetry show --tree", "other"),  # looks at the environment: not an install
        ("pipenv --python 3.11", "install"),
        ("conda --version", "neutral"),
    ],
)
def test_roles_read_the_verb_as_the_tool_does(argv: str, role: str) -> None:
    assert command_role(Command(tuple(argv.split()))) == role


@pytest.mark.parametrize(
    ("line", "tools"),
    [
        ("pip install --upgrade pip setuptools wheel", True),
        ("pip install poetry==1.8.3 poetry-plugin-export", True),
        ("pip install pipx", True),
        ("pip install --upgrade pip requests", False),
        ("pip install -r requirements.txt", False),
    ],
)
def test_an_install_of_installer_tools_only(line: str, tools: bool) -> None:
    assert installs_only_tools(run(line), command(line)) is tools
