"""RUN scripts cut into top-level parts (fix/script.py) and what each command is to the split
(fix/roles.py)."""

from __future__ import annotations

import pytest

from jettison.dockerfile.shell import Command
from jettison.fix.roles import command_role, part_roles
from jettison.fix.script import Part, join, parts


def test_parts_keep_their_text_and_separators() -> None:
    found = parts('apt-get update && apt-get install -y gcc && echo "a && b" > /x; ls')
    assert found == [
        Part("apt-get update", "&&", True),
        Part("apt-get install -y gcc", "&&", True),
        Part('echo "a && b" > /x', ";", True),
        Part("ls", "", True),
    ]


def test_compound_commands_stay_whole() -> None:
    found = parts('if [ -n "$X" ]; then pip install y; fi && { a; b; } && (cd c && d) && e || f')
    assert found is not None
    assert [p.text for p in found] == [
        'if [ -n "$X" ]; then pip install y; fi',
        "{ a; b; }",
        "(cd c && d)",
        "e || f",
    ]
    assert [p.simple for p in found] == [False, False, False, False]


def test_quotes_substitutions_and_redirections() -> None:
    found = parts("pip install x 2>&1 | tee log && rm -rf $(pip cache dir) && echo 'done; ok'")
    assert found is not None
    assert [p.text for p in found] == [
        "pip install x 2>&1 | tee log",
        "rm -rf $(pip cache dir)",
        "echo 'done; ok'",
    ]


@pytest.mark.parametrize(
    "script",
    ["a & b", "case $x in a) b;; esac", "cat <<EOF\nx\nEOF", "echo 'unbalanced", "if a; then b"],
)
def test_what_the_scanner_is_not_sure_of(script: str) -> None:
    assert parts(script) is None


def test_join_writes_one_part_a_line_with_the_separators() -> None:
    kept = [Part("mkdir /a", "&&", True), Part("set -e", ";", True), Part("ln -s a b", "", True)]
    assert join(kept) == "mkdir /a \\\n    && set -e; \\\n    ln -s a b"


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
