"""``jettison lint``: parse flags and the lint config, call :func:`jettison.api.lint`,
render, and exit 1 when a finding reaches ``--fail-on``."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from jettison import api
from jettison.cli.exits import EXIT_FAILED, EXIT_OK, exit_with
from jettison.cli.output import (
    CONTEXT_SETTINGS,
    context_option,
    format_option,
    output_options,
    progress_bars,
    refuse_overwrite,
    terminal_look,
    terminal_options,
    write_report,
)
from jettison.render import Look, formats, render


def _codes(values: tuple[str, ...]) -> list[str]:
    return [code for value in values for code in value.replace(",", " ").split()]


@click.command("lint", context_settings=CONTEXT_SETTINGS)
@click.argument(
    "paths", metavar="[PATH]...", nargs=-1, type=click.Path(exists=False, path_type=Path)
)
@context_option(
    "The build context (what docker build is given).  [default: the Dockerfile's "
    "directory, or the parent its COPY sources resolve from]"
)
@click.option(
    "--src",
    metavar="DIR",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    default=None,
    help="Code the image ships, scanned for imports (no execution) to tell used "
    "requirements from unused ones.  [default: the build context]",
)
@click.option(
    "--image",
    metavar="IMAGE",
    default=None,
    help="The image built from the Dockerfile (any reference inspect reads): savings are "
    "then measured in it.",
)
@click.option(
    "--requirements",
    "requirement_files",
    multiple=True,
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="Read this requirements file (requirements*.txt, pyproject.toml, environment.yml) "
    "instead of finding them in the context. Repeatable.",
)
@format_option(
    formats("lint"),
    "Report format: terminal, JSON (versioned schema), SARIF 2.1.0 (GitHub code scanning) "
    "or GitHub Actions annotations.",
)
@output_options
@click.option(
    "--fail-on",
    type=click.Choice(("info", "warning", "error", "never")),
    default=None,
    help="Exit 1 when a finding is at this severity or worse.  [default: fail-on in the "
    "config, else warning]",
)
@click.option(
    "--select",
    multiple=True,
    metavar="CODES",
    help="Run only these rules: codes or prefixes, comma-separated (JT3 = a family).",
)
@click.option(
    "--ignore",
    multiple=True,
    metavar="CODES",
    help="Do not run these rules (codes or prefixes), on top of the config's ignore list.",
)
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    default=None,
    help="Read [tool.jettison.lint] from this pyproject.toml, or [lint] from this "
    ".jettison.toml.  [default: the nearest one from the Dockerfile's directory up, else "
    "from the current directory up]",
)
@click.option(
    "--offline",
    is_flag=True,
    help="Do not ask the package index for wheel sizes (savings come from the cache only).",
)
@terminal_options
def lint_cmd(
    paths: tuple[Path, ...],
    context_dir: Path | None,
    src: Path | None,
    image: str | None,
    requirement_files: tuple[Path, ...],
    fmt: str,
    output: Path | None,
    force: bool,
    fail_on: str | None,
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    config_path: Path | None,
    offline: bool,
    color: bool | None,
    width: int | None,
) -> None:
    """Find what makes an AI/ML image big, before building it.

    Lints Dockerfiles (PATH: a Dockerfile or Containerfile of any name, or a directory
    holding one; default: the current directory) with the requirements and code of their
    build context: CUDA and -devel bases in CPU services, torch's CUDA wheels, opencv with
    GUI, dev tools and unused packages in production, caches, baked model weights, missing
    .dockerignore or USER, and hadolint's size rules. A requirements file as PATH is linted
    with the Dockerfile of its directory (or a parent), or alone.

    Each finding has a stable code (docs/rules.md), a severity, a fix and, where it removes
    bytes, an estimated saving measured in the image (--image) or from the wheels' installed
    sizes on the package index (cached; --offline uses the cache only).

    Silence a code in [tool.jettison.lint] (ignore = ["JT108"]), per path
    (per-path-ignores), or inline with "# jettison: ignore=JT108" on the line above the
    instruction or at the end of a requirements line.

    Exit 0 when no finding reaches --fail-on, 1 when one does, 2 on bad input.
    """

    def run() -> int:
        refuse_overwrite(output, force)
        targets = list(paths) or [Path()]
        config = api.lint_config(
            targets,
            config_path=config_path,
            select=_codes(select) if select else None,
            ignore=_codes(ignore),
            fail_on=fail_on,
        )
        with progress_bars(image is not None and sys.stderr.isatty()) as sink:
            report = api.lint(
                targets,
                context_dir=context_dir,
                src=src,
                image=image,
                requirement_files=requirement_files,
                config=config,
                offline=offline,
                progress=sink,
            )
        from jettison.lint.docs import docs_url
        from jettison.render.lint.common import summary_counts
        from jettison.units import human_bytes, plural

        columns, use_color = terminal_look(output, color, width)
        text = render("lint", report, fmt, Look(columns, use_color, docs_url()))
        write_report(text, output, color=use_color)
        if fmt != "tty" or output is not None:  # the terminal report has its own summary
            summary = f"jettison: {plural(len(report.findings), 'finding')}"
            if report.findings:
                summary += f" ({summary_counts(report)})"
            if report.saving_bytes:
                summary += f", up to {human_bytes(report.saving_bytes)} to save"
            click.echo(summary, err=True)
            for notice in report.notices:
                click.echo(f"jettison: note: {notice.message}", err=True)
        failing = report.at_or_above(config.fail_on)
        return EXIT_FAILED if failing else EXIT_OK

    exit_with(run)
