"""A command loads its own code only: ``jettison inspect`` does not import fix, plan, lint
or optimize (half of every start-up was importing them), and ``jettison --version`` and
``--help`` still work and list every command. Run in a fresh interpreter, since this test
process has imported everything already."""

from __future__ import annotations

import json
import platform
import subprocess
import sys

import click
import pytest

from jettison import api
from jettison.builder.options import BUILDER_CHOICES
from jettison.builder.select import BUILDERS
from jettison.cli.main import COMMANDS, cli, tune_malloc


def _modules_after(code: str) -> set[str]:
    out = subprocess.run(
        [sys.executable, "-c", f"{code}\nimport json, sys; print(json.dumps(sorted(sys.modules)))"],
        capture_output=True,
        text=True,
        check=True,
    )
    return set(json.loads(out.stdout.splitlines()[-1]))


OTHER_VERBS = ("jettison.fix.core", "jettison.plan.core", "jettison.optimize.core")


@pytest.mark.parametrize(
    ("command", "absent"),
    [
        (
            "inspect",
            (
                *OTHER_VERBS,
                "jettison.lint.core",
                "jettison.lint.rules",
                "jettison.builder.select",  # the builders: build, verify and optimize only
                "jettison.image.distribution.client",  # ssl, http: registry:// only
            ),
        ),
        ("lint", (*OTHER_VERBS, "jettison.inspect.core")),
        ("diff", (*OTHER_VERBS, "jettison.lint.core")),
    ],
)
def test_a_command_imports_only_its_verb(command: str, absent: tuple[str, ...]) -> None:
    code = (
        "import click\n"
        "from jettison.cli.main import cli\n"
        f"cli.get_command(click.Context(cli), {command!r})\n"
        f"from jettison import api\napi.{command}\n"
    )
    loaded = _modules_after(code)
    assert f"jettison.cli.{command}_cmd" in loaded
    assert not loaded & set(absent)


def test_the_package_does_not_read_its_metadata_until_asked() -> None:
    loaded = _modules_after("import jettison.cli.main")
    assert "importlib.metadata" not in loaded
    version = subprocess.run(
        [sys.executable, "-m", "jettison", "--version"], capture_output=True, text=True
    )
    assert version.returncode == 0
    assert version.stdout.startswith("jettison, version ")


def test_every_command_resolves_and_help_lists_them_all() -> None:
    context = click.Context(cli)
    for name in COMMANDS:
        command = cli.get_command(context, name)
        assert isinstance(command, click.Command)
        assert command.name == name
    assert cli.get_command(context, "nope") is None
    assert cli.list_commands(context) == sorted(COMMANDS)


def test_the_builder_choices_are_the_builders_auto_tries() -> None:
    assert ("auto", *BUILDERS) == BUILDER_CHOICES


def test_the_facade_resolves_every_name_it_exports() -> None:
    for name in api.__all__:
        assert getattr(api, name) is not None
    with pytest.raises(AttributeError):
        api.nope  # noqa: B018
    assert set(api.__all__) <= set(dir(api))


def test_the_cli_tunes_malloc_where_glibc_runs_it() -> None:
    assert tune_malloc() is (platform.libc_ver()[0] == "glibc")
