"""The command line: parse arguments, call the facade, render, map errors to exit codes.

Exit codes: 0 success, 1 a budget is broken (inspect) or a finding at or above --fail-on
(lint), 2 bad input or usage (one line and a hint on stderr, never a traceback;
``JETTISON_DEBUG=1`` shows it), 130 interrupted.
"""

from __future__ import annotations

import os
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from jettison import __version__, api
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
from jettison.config import find_config, inspect_budgets_table, load_section
from jettison.errors import ConfigError, JettisonError
from jettison.image.model import Platform
from jettison.inspect.budgets import Budgets, parse_ratio, parse_size
from jettison.render import FORMATS, render
from jettison.render.lint_formats import LINT_FORMATS

EXIT_OK, EXIT_BUDGET, EXIT_ERROR, EXIT_INTERRUPTED = 0, 1, 2, 130


def _fail(message: str, hint: str | None = None) -> None:
    click.echo(f"jettison: error: {message}", err=True)
    if hint:
        click.echo(f"  hint: {hint}", err=True)


def run_guarded(fn: Callable[[], int]) -> int:
    """Run a verb, turning every failure into one line (and a hint) and an exit code."""
    try:
        return fn()
    except JettisonError as exc:
        _fail(str(exc), exc.hint)
        return EXIT_ERROR
    except KeyboardInterrupt:
        click.echo("jettison: interrupted", err=True)
        return EXIT_INTERRUPTED
    except Exception as exc:
        if os.environ.get("JETTISON_DEBUG"):
            traceback.print_exc()
        _fail(
            f"internal error: {type(exc).__name__}: {exc}",
            "this is a bug in jettison; rerun with JETTISON_DEBUG=1 and report the traceback",
        )
        return EXIT_ERROR


@click.group(context_settings=CONTEXT_SETTINGS)
@click.version_option(__version__, "--version", "-V", prog_name="jettison")
def cli() -> None:
    """jettison: find the dead weight in container images of AI/ML services.

    Reads images without a Docker daemon: docker-archive tars (`docker save`,
    `buildah push IMG docker-archive:FILE`), OCI layouts and oci-archive tars, and images
    in the local buildah/podman store.
    """


def _size_option(name: str, help_text: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    return click.option(name, metavar="SIZE", default=None, help=help_text)


@cli.command("inspect")
@click.argument("image", metavar="IMAGE")
@format_option(FORMATS, "Report format: a terminal report, JSON (versioned schema) or Markdown.")
@output_options
@click.option(
    "--platform",
    default=None,
    metavar="OS/ARCH[/VARIANT]",
    help="Image to pick from a multi-platform index.  [default: linux/amd64]",
)
@_size_option("--max-size", "Budget: fail (exit 1) when the image is larger, e.g. 2GB.")
@_size_option("--max-pull-size", "Budget: fail when the compressed (pull) size is larger.")
@click.option(
    "--min-efficiency",
    default=None,
    metavar="RATIO",
    help="Budget: fail when dive's efficiency score is lower, e.g. 0.95 or 95%.",
)
@_size_option("--max-removable", "Budget: fail when removable bytes exceed SIZE, e.g. 300MB.")
@_size_option("--max-shadowed", "Budget: fail when shadowed (hidden) bytes exceed SIZE.")
@_size_option("--max-wasted", "Budget: fail when dive's wasted bytes exceed SIZE.")
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    default=None,
    help="Read budgets from this pyproject.toml ([tool.jettison]) or .jettison.toml. "
    "Default: the nearest one from the current directory up.",
)
@click.option(
    "--verify",
    "verify",
    type=click.Choice(api.VERIFY_MODES),
    default="auto",
    show_default=True,
    help="Digest checks. auto: every digest whose bytes are read anyway (uncompressed layers "
    "are parsed by seeking over file contents and listed as not verified); all: hash every "
    "byte too; none: no checks.",
)
@click.option(
    "--estimate-pull",
    is_flag=True,
    help="Gzip layers stored uncompressed (docker-archive, local store) as a push would, to "
    "report a pull size. Costs a compression pass (minutes for multi-GB images).",
)
@click.option(
    "--no-cache",
    "no_cache",
    is_flag=True,
    help="Read every layer again instead of taking layers scanned before (same digest) from "
    "the layer cache in the cache directory ($JETTISON_CACHE, default ~/.cache/jettison).",
)
@click.option(
    "--progress/--no-progress",
    default=None,
    help="Progress bars on stderr.  [default: when stderr is a terminal]",
)
@terminal_options
def inspect_cmd(
    image: str,
    fmt: str,
    output: Path | None,
    force: bool,
    platform: str | None,
    max_size: str | None,
    max_pull_size: str | None,
    min_efficiency: str | None,
    max_removable: str | None,
    max_shadowed: str | None,
    max_wasted: str | None,
    config_path: Path | None,
    verify: str,
    estimate_pull: bool,
    no_cache: bool,
    progress: bool | None,
    color: bool | None,
    width: int | None,
) -> None:
    """Show where every byte of IMAGE lives and what could go.

    IMAGE is a docker-archive or oci-archive tar, an OCI layout directory, a reference with
    a transport (docker-archive:FILE[:TAG], oci-archive:FILE, oci:DIR[:NAME],
    containers-storage:NAME), or an image name in the local buildah/podman store.

    Reports each layer (instruction, bytes, compressed bytes, files), totals, dive-compatible
    efficiency and wasted bytes, shadowed bytes, removable bytes by cause, and the bytes of
    every Python distribution, Debian package and CUDA library family.

    Budgets (flags, or keys such as max-size = "2GB" in [tool.jettison]) make it a CI gate:
    exit 1 with one line per broken budget.
    """

    def run() -> int:
        refuse_overwrite(output, force)
        budgets = _budgets(
            config_path,
            {
                "max-size": max_size,
                "max-pull-size": max_pull_size,
                "min-efficiency": min_efficiency,
                "max-removable": max_removable,
                "max-shadowed": max_shadowed,
                "max-wasted": max_wasted,
            },
        )
        try:
            chosen = Platform.parse(platform) if platform else None
        except ValueError as exc:
            raise ConfigError(str(exc), hint="e.g. --platform linux/arm64") from exc
        show_progress = sys.stderr.isatty() if progress is None else progress
        with progress_bars(show_progress) as sink:
            report = api.inspect(
                image,
                platform=chosen,
                budgets=budgets,
                progress=sink,
                verify=verify,
                estimate_pull=estimate_pull,
                cache=not no_cache,
            )
        columns, use_color = terminal_look(output, color, width)
        write_report(render(report, fmt, width=columns, color=use_color), output, color=use_color)
        broken = [b for b in report.budgets if not b.ok]
        for b in broken:
            click.echo(
                f"jettison: budget broken: {b.name} is {b.actual}, limit {b.limit}", err=True
            )
        return EXIT_BUDGET if broken else EXIT_OK

    sys.exit(run_guarded(run))


def _codes(values: tuple[str, ...]) -> list[str]:
    return [code for value in values for code in value.replace(",", " ").split()]


@cli.command("lint")
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
    LINT_FORMATS,
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
            report = api.lint_paths(
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
        from jettison.render.lint_common import summary_counts
        from jettison.render.lint_formats import render_lint
        from jettison.render.units import human_bytes, plural

        columns, use_color = terminal_look(output, color, width)
        text = render_lint(report, fmt, width=columns, color=use_color, docs_url=docs_url())
        write_report(text, output, color=use_color)
        if fmt != "tty" or output is not None:  # the terminal report has its own summary
            summary = f"jettison: {plural(len(report.findings), 'finding')}"
            if report.findings:
                summary += f" ({summary_counts(report)})"
            if report.saving_bytes:
                summary += f", up to {human_bytes(report.saving_bytes)} to save"
            click.echo(summary, err=True)
            for note in report.notes:
                click.echo(f"jettison: note: {note}", err=True)
        failing = report.at_or_above(config.fail_on)
        return EXIT_BUDGET if failing else EXIT_OK

    sys.exit(run_guarded(run))


def _budgets(config_path: Path | None, flags: dict[str, str | None]) -> Budgets | None:
    base = Budgets()
    path = config_path or find_config(Path.cwd())
    if path is not None:
        base = Budgets.from_mapping(inspect_budgets_table(load_section(path)), str(path))
    given = {k: v for k, v in flags.items() if v is not None}
    for key, value in given.items():  # validate flags with the option name in the message
        try:
            parse_ratio(value) if key == "min-efficiency" else parse_size(value)
        except ConfigError as exc:
            raise ConfigError(f"--{key}: {exc}", hint=exc.hint) from exc
    merged = base.overridden_by(Budgets.from_mapping(given, "command line"))
    return merged if merged != Budgets() else None


def _register_builder_commands() -> None:
    from jettison.cli.build_cmds import build_cmd, verify_cmd
    from jettison.cli.fix_cmd import fix_cmd
    from jettison.cli.optimize_cmd import optimize_cmd
    from jettison.cli.plan_cmd import plan_cmd

    cli.add_command(optimize_cmd)
    cli.add_command(plan_cmd)
    cli.add_command(fix_cmd)
    cli.add_command(build_cmd)
    cli.add_command(verify_cmd)


_register_builder_commands()


def main() -> None:
    cli(prog_name="jettison")
