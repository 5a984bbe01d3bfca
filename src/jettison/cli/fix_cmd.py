"""``jettison fix``: parse flags, call :func:`jettison.api.fix`, print the diff (stdout) and
the changes with their estimated savings (stderr), or the whole report as JSON."""

from __future__ import annotations

from pathlib import Path
from typing import Literal, cast

import click

from jettison import api
from jettison.cli.exits import EXIT_OK, exit_with
from jettison.cli.output import (
    CONTEXT_SETTINGS,
    context_option,
    format_option,
    runtime_base_option,
    target_option,
)
from jettison.lint.packages import TORCH_CPU_INDEX
from jettison.render import formats, render
from jettison.render.fix import changes_text


@click.command(
    "fix",
    context_settings=CONTEXT_SETTINGS,
)
@click.argument("path", type=click.Path(path_type=Path), default=Path())
@context_option(
    "The build context.  [default: the Dockerfile's directory, or the parent its COPY "
    "sources resolve from]"
)
@target_option
@click.option(
    "--torch-index",
    metavar="URL|DIR",
    default=TORCH_CPU_INDEX,
    show_default=True,
    help="CPU torch index URL, or a local folder of wheels (absolute path or file:// URL): "
    "it is mounted read-only at /wheels during the build (buildah -v DIR:/wheels:ro) and "
    "never copied into the image.",
)
@runtime_base_option
@click.option("--write", is_flag=True, help="Replace the Dockerfile (after a .bak copy).")
@click.option("--force", is_flag=True, help="Overwrite existing output files.")
@click.option("--dry-run", is_flag=True, help="Print the diff and changes, write nothing.")
@click.option(
    "--offline",
    is_flag=True,
    help="Estimate savings from cached wheel sizes only (no package index requests).",
)
@format_option(
    formats("fix"),
    "tty: the diff on stdout, the changes on stderr; json: the whole report (versioned "
    "schema: files, changes with their savings, diff, mounts).",
)
def fix_cmd(
    path: Path,
    context_dir: Path | None,
    target: str,
    torch_index: str,
    runtime_base: str | None,
    write: bool,
    force: bool,
    dry_run: bool,
    offline: bool,
    fmt: str,
) -> None:
    """Write an optimized multi-stage Dockerfile and split requirements next to PATH."""

    def run() -> int:
        report = api.fix(
            path,
            context_dir=context_dir,
            target=cast(Literal["cpu", "gpu", "auto"], target),
            torch_index=torch_index,
            runtime_base=runtime_base,
            write=write,
            force=force,
            dry_run=dry_run,
            offline=offline,
        )
        click.echo(render("fix", report, fmt), nl=False)
        if fmt == "tty":
            click.echo(changes_text(report.changes, report.target), err=True, nl=False)
        verb = "written" if report.written else "not written (--dry-run)"
        for file, _ in report.files:
            click.echo(f"jettison: {verb}: {file}", err=True)
        return EXIT_OK

    exit_with(run)
