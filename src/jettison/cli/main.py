"""The command line: the ``jettison`` group and its commands, one module each.

Each ``cli/<verb>_cmd.py`` parses its flags, calls :mod:`jettison.api`, renders through
:mod:`jettison.render` and maps the outcome to an exit code (:mod:`jettison.cli.exits`);
only this package prints or exits.
"""

from __future__ import annotations

import click

from jettison import __version__
from jettison.cli.build_cmd import build_cmd
from jettison.cli.diff_cmd import diff_cmd
from jettison.cli.fix_cmd import fix_cmd
from jettison.cli.inspect_cmd import inspect_cmd
from jettison.cli.lint_cmd import lint_cmd
from jettison.cli.optimize_cmd import optimize_cmd
from jettison.cli.output import CONTEXT_SETTINGS
from jettison.cli.plan_cmd import plan_cmd
from jettison.cli.rules_cmd import rules_cmd
from jettison.cli.verify_cmd import verify_cmd


@click.group(context_settings=CONTEXT_SETTINGS)
@click.version_option(__version__, "--version", "-V", prog_name="jettison")
def cli() -> None:
    """jettison: find the dead weight in container images of AI/ML services.

    Reads images without a Docker daemon: docker-archive tars (`docker save`,
    `buildah push IMG docker-archive:FILE`), OCI layouts and oci-archive tars, and images
    in the local buildah/podman store.
    """


for command in (
    inspect_cmd,
    diff_cmd,
    lint_cmd,
    rules_cmd,
    fix_cmd,
    build_cmd,
    verify_cmd,
    optimize_cmd,
    plan_cmd,
):
    cli.add_command(command)


def main() -> None:
    cli(prog_name="jettison")
