"""The command line: the ``jettison`` group and its commands, one module each.

Each ``cli/<verb>_cmd.py`` parses its flags, calls :mod:`jettison.api`, renders through
:mod:`jettison.render` and maps the outcome to an exit code (:mod:`jettison.cli.exits`);
only this package prints or exits.
"""

from __future__ import annotations

import ctypes
import importlib

import click

from jettison import __version__
from jettison.cli.output import CONTEXT_SETTINGS

COMMANDS = {
    "inspect": "jettison.cli.inspect_cmd:inspect_cmd",
    "diff": "jettison.cli.diff_cmd:diff_cmd",
    "lint": "jettison.cli.lint_cmd:lint_cmd",
    "rules": "jettison.cli.rules_cmd:rules_cmd",
    "fix": "jettison.cli.fix_cmd:fix_cmd",
    "build": "jettison.cli.build_cmd:build_cmd",
    "verify": "jettison.cli.verify_cmd:verify_cmd",
    "optimize": "jettison.cli.optimize_cmd:optimize_cmd",
    "plan": "jettison.cli.plan_cmd:plan_cmd",
}
"""Each command and where it is defined (``module:attribute``)."""


class _LazyGroup(click.Group):
    """A group that imports a command's module only when that command runs (or ``--help``
    lists it): ``jettison inspect`` does not load fix, plan or the builders."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)  # as click lists the commands it holds

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        where = COMMANDS.get(cmd_name)
        if where is None:
            return None
        module, _, attribute = where.partition(":")
        command = getattr(importlib.import_module(module), attribute)
        assert isinstance(command, click.Command)
        return command


@click.group(cls=_LazyGroup, context_settings=CONTEXT_SETTINGS)
@click.version_option(__version__, "--version", "-V", prog_name="jettison")
def cli() -> None:
    """jettison: find the dead weight in container images of AI/ML services.

    Reads images without a Docker daemon: docker-archive tars (`docker save`,
    `buildah push IMG docker-archive:FILE`), OCI layouts and oci-archive tars, and images
    in the local buildah/podman store.
    """


M_ARENA_MAX = -8
"""glibc's ``mallopt`` parameter for the number of malloc arenas (malloc.h)."""


def one_malloc_arena() -> bool:
    """Have glibc's malloc use one arena for every thread; True when it was set.

    glibc gives each thread that allocates a heap of its own, and memory freed in one heap
    is not reused by the others: the threads that read layers left 3-4 MB of peak RSS that
    way on the BERT docker-archive and 13-16 MB on an oci-archive of python:3.11 (measured
    with GNU time, same reports, same wall time: the threads hold the GIL for most of what
    they allocate). Set for the process the CLI runs, not by the library, which does not
    own its host's allocator. Only glibc has ``mallopt``; elsewhere nothing changes."""
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return False
    return bool(mallopt(M_ARENA_MAX, 1))


def main() -> None:
    one_malloc_arena()  # before any thread starts
    cli(prog_name="jettison")
