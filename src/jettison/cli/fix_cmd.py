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
@click.option(
    "--base-image",
    metavar="IMAGE",
    help="The base image at hand (a name in the builder's store, a docker-archive or OCI "
    "archive, an OCI layout): the restructure reads where it keeps Python, its USER and "
    "its system from it, instead of from its name. Without it, a base no name says is "
    "looked up in the builder's store.",
)
@click.option(
    "--unsafe-fixes",
    "unsafe",
    is_flag=True,
    help="Also apply the fixes that may change what the service sees at run time: the "
    "multi-stage restructure (runtime requirements only, CPU torch, slim runtime stage), "
    "--no-install-recommends, a slim base, a non-root user.",
)
@click.option(
    "--select",
    multiple=True,
    metavar="CODES",
    help="Apply exactly these fixes, safe or not: lint codes or prefixes, comma-separated, "
    "and `restructure` for the multi-stage rewrite.",
)
@click.option("--write", is_flag=True, help="Replace the Dockerfile (after a .bak copy).")
@click.option("--force", is_flag=True, help="Overwrite existing output files.")
@click.option(
    "--diff",
    "--dry-run",
    "dry_run",
    is_flag=True,
    help="Print the diff and changes, write nothing.",
)
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
    base_image: str | None,
    unsafe: bool,
    select: tuple[str, ...],
    write: bool,
    force: bool,
    dry_run: bool,
    offline: bool,
    fmt: str,
) -> None:
    """Fix the Dockerfile PATH (or the one in directory PATH): what lint finds that has a
    mechanical remedy, as small edits that keep every other line as written.

    Safe fixes apply by default (caches cleaned in the layer that made them, pip without a
    download cache, a .dockerignore for history, venvs and tool caches); --unsafe-fixes also
    applies those that may change what the service sees (the multi-stage restructure,
    --no-install-recommends, a slim base, a non-root user). The result goes to
    Dockerfile.jettison next to PATH (--write: PATH itself, after a .bak copy); the original
    is never changed otherwise. Each change says its lint code and estimated saving; each
    fix not made says why.
    """

    def run() -> int:
        report = api.fix(
            path,
            context_dir=context_dir,
            target=cast(Literal["cpu", "gpu", "auto"], target),
            torch_index=torch_index,
            runtime_base=runtime_base,
            base_image=base_image,
            unsafe=unsafe,
            select=[c for value in select for c in value.replace(",", " ").split()] or None,
            write=write,
            force=force,
            dry_run=dry_run,
            offline=offline,
        )
        click.echo(render("fix", report, fmt), nl=False)
        if fmt == "tty":
            click.echo(changes_text(report.changes, report.target), err=True, nl=False)
            for notice in report.notices:
                click.echo(f"jettison: note: {notice.message}", err=True)
        verb = "written" if report.written else "not written (--diff)"
        for file, _ in report.files:
            click.echo(f"jettison: {verb}: {file}", err=True)
        return EXIT_OK

    exit_with(run)
