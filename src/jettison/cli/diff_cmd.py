"""``jettison diff``: parse flags, call :func:`jettison.api.diff`, render, and exit 1 when
the ``--fail-if-grown`` gate is broken."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from jettison import api
from jettison.cli.exits import EXIT_FAILED, EXIT_OK, exit_with
from jettison.cli.output import (
    CONTEXT_SETTINGS,
    format_option,
    output_options,
    platform_choice,
    progress_bars,
    refuse_overwrite,
    terminal_look,
    terminal_options,
    write_report,
)
from jettison.render import Look, formats, render
from jettison.units import human_bytes


@click.command("diff", context_settings=CONTEXT_SETTINGS)
@click.argument("before", metavar="IMAGE")
@click.argument("after", metavar="IMAGE2")
@format_option(
    formats("diff"),
    "Report format: a terminal report, Markdown (a pull-request comment), JSON (versioned "
    "schema) or one self-contained HTML file (treemaps of both images and the diff).",
)
@output_options
@click.option(
    "--fail-if-grown",
    metavar="SIZE|PCT",
    default=None,
    help="Gate: exit 1 when IMAGE2 is larger than IMAGE by more than SIZE (e.g. 50MB, 0) or "
    "PCT of IMAGE's size (e.g. 5%).",
)
@click.option(
    "--platform",
    default=None,
    metavar="OS/ARCH[/VARIANT]",
    help="Image to pick from a multi-platform index (both images).  [default: linux/amd64]",
)
@click.option(
    "--progress/--no-progress",
    default=None,
    help="Progress bars on stderr.  [default: when stderr is a terminal]",
)
@terminal_options
def diff_cmd(
    before: str,
    after: str,
    fmt: str,
    output: Path | None,
    force: bool,
    fail_if_grown: str | None,
    platform: str | None,
    progress: bool | None,
    color: bool | None,
    width: int | None,
) -> None:
    """Show what changed from IMAGE to IMAGE2, attributed the way inspect attributes.

    IMAGE and IMAGE2 are any references inspect reads (archives, OCI layouts, the local
    buildah/podman store). Lists Python distributions and Debian packages added, removed,
    upgraded (with versions), grown or shrunk; removable bytes by cause; CUDA library
    families; layers (shared by content, added, removed); and the largest changed files.
    Each view's changes add up to the total change exactly.

    Exit 0 when compared (1 when --fail-if-grown is broken), 2 on bad input.
    """

    def run() -> int:
        refuse_overwrite(output, force)
        chosen = platform_choice(platform)
        show_progress = sys.stderr.isatty() if progress is None else progress
        with progress_bars(show_progress) as sink:
            report = api.diff(
                before,
                after,
                platform=chosen,
                fail_if_grown=fail_if_grown,
                trees=fmt == "html",
                progress=sink,
            )
        columns, use_color = terminal_look(output, color, width)
        text = render("diff", report, fmt, Look(columns, use_color))
        write_report(text, output, color=use_color)
        gate = report.gate
        if gate is not None and not gate.ok:
            click.echo(
                f"jettison: gate broken: the image grew by {human_bytes(gate.actual_growth_bytes)}"
                f", limit {gate.limit} ({human_bytes(gate.max_growth_bytes)})",
                err=True,
            )
            return EXIT_FAILED
        return EXIT_OK

    exit_with(run)
