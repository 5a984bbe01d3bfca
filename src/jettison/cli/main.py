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


M_TRIM_THRESHOLD, M_MMAP_THRESHOLD, M_ARENA_MAX = -1, -3, -8
"""glibc's ``mallopt`` parameters (malloc.h)."""
MMAP_THRESHOLD_BYTES = 32 << 20
"""Allocations from this size on get pages of their own (glibc's largest allowed value)."""
TRIM_THRESHOLD_BYTES = 256 << 20
"""Free memory at the top of the heap kept for reuse up to this size."""


def tune_malloc() -> bool:
    """Set glibc's malloc for how jettison allocates; True when it took every setting.

    One arena for every thread: glibc gives each thread that allocates a heap of its own,
    and memory freed in one heap is not reused by the others: the threads that read layers
    left 3-4 MB of peak RSS that way on the BERT docker-archive and 13-16 MB on an
    oci-archive of python:3.11 (measured with GNU time, same reports, same wall time: the
    threads hold the GIL for most of what they allocate).

    Inflate buffers reused: gzip is inflated in 16 MiB pieces, and glibc's defaults gave each
    piece fresh pages from the kernel (a mapping of its own, or a heap trimmed once it was
    freed), which the kernel zeroes and faults in before the inflater writes them: on the
    synthetic 20 GB oci-archive 530,000-860,000 page faults and 1.4-2.1 s of system time.
    With pieces below the mapping threshold and freed memory kept for the next one: 200,000
    and 0.7 s (peak RSS 356-368 -> 418-424 MB; the BERT docker-archive's 76.4 -> 76.8 MB).

    Set for the process the CLI runs, not by the library, which does not own its host's
    allocator. Only glibc has ``mallopt``; elsewhere nothing changes."""
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return False
    settings = (
        (M_ARENA_MAX, 1),
        (M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES),
        (M_TRIM_THRESHOLD, TRIM_THRESHOLD_BYTES),
    )
    taken = [mallopt(parameter, value) for parameter, value in settings]  # each one, always
    return all(taken)


def main() -> None:
    tune_malloc()  # before any thread starts
    cli(prog_name="jettison")
