"""The command line: parse arguments, call the facade, render, map errors to exit codes.

Exit codes: 0 success, 1 a budget is broken, 2 bad input or usage (one line and a hint on
stderr, never a traceback; ``JETTISON_DEBUG=1`` shows it), 130 interrupted.
"""

from __future__ import annotations

import os
import shutil
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from jettison import __version__, api
from jettison.config import find_config, inspect_budgets_table, load_section
from jettison.errors import ConfigError, JettisonError
from jettison.image.model import Platform
from jettison.inspect.budgets import Budgets, parse_ratio, parse_size
from jettison.render import FORMATS, render

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


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
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
@click.option(
    "--format",
    "-f",
    "fmt",
    type=click.Choice(FORMATS),
    default="tty",
    show_default=True,
    help="Report format: a terminal report, JSON (versioned schema) or Markdown.",
)
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write the report to FILE instead of stdout (refuses to overwrite without --force).",
)
@click.option("--force", is_flag=True, help="Allow --output to replace an existing file.")
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
    "--progress/--no-progress",
    default=None,
    help="Progress bars on stderr.  [default: when stderr is a terminal]",
)
@click.option(
    "--color/--no-color",
    default=None,
    help="Colour the terminal report.  [default: when stdout is a terminal]",
)
@click.option(
    "--width",
    type=click.IntRange(60, 400),
    default=None,
    help="Width of the terminal report.  [default: the terminal's, or 100]",
)
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
        if output is not None and output.exists() and not force:
            raise ConfigError(
                f"{output} exists; not overwriting it", hint="pass --force to replace it"
            )
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
        sink = None
        if show_progress:
            from jettison.cli.progress import RichProgress  # rich only when bars are shown

            sink = RichProgress()
        try:
            report = api.inspect(
                image,
                platform=chosen,
                budgets=budgets,
                progress=sink,
                verify=verify,
                estimate_pull=estimate_pull,
            )
        finally:
            if sink is not None:
                sink.close()
        to_terminal = output is None and sys.stdout.isatty()
        use_color = to_terminal if color is None else color
        text = render(
            report,
            fmt,
            width=width or (shutil.get_terminal_size().columns if to_terminal else 100),
            color=use_color,
        )
        if output is None:
            # click.echo strips ANSI codes off a pipe unless told: --color must survive `| less -R`.
            click.echo(text, nl=not text.endswith("\n"), color=use_color)
        else:
            try:
                output.write_text(text, encoding="utf-8")
            except OSError as exc:
                raise ConfigError(f"cannot write {output}: {exc.strerror}") from exc
            click.echo(f"jettison: report written to {output}", err=True)
        broken = [b for b in report.budgets if not b.ok]
        for b in broken:
            click.echo(
                f"jettison: budget broken: {b.name} is {b.actual}, limit {b.limit}", err=True
            )
        return EXIT_BUDGET if broken else EXIT_OK

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


def main() -> None:
    cli(prog_name="jettison")
