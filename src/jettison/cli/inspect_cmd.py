"""``jettison inspect``: parse flags and budgets, call :func:`jettison.api.inspect`, render,
and exit 1 when a budget is broken."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

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
    tls_verify_option,
    write_report,
)
from jettison.config import find_config, inspect_budgets_table, load_section
from jettison.errors import ConfigError
from jettison.inspect.budgets import Budgets, parse_ratio, parse_size
from jettison.render import Look, formats, render


def _size_option(name: str, help_text: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    return click.option(name, metavar="SIZE", default=None, help=help_text)


@click.command("inspect", context_settings=CONTEXT_SETTINGS)
@click.argument("image", metavar="IMAGE")
@format_option(
    formats("inspect"),
    "Report format: a terminal report, JSON (versioned schema), Markdown, or one "
    "self-contained HTML file (a treemap of the image, sortable tables).",
)
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
    help="Digest checks. auto: each layer by the digest of bytes read anyway (a compressed "
    "layer by its digest as stored; uncompressed layers are parsed by seeking over file "
    "contents and listed as not verified); all: hash every byte too, the diff_id of each "
    "compressed layer's inflated stream included; none: no checks.",
)
@click.option(
    "--estimate-pull",
    is_flag=True,
    help="Gzip layers stored uncompressed (docker-archive, local store) as a push would, to "
    "report a pull size. Costs a compression pass (minutes for multi-GB images).",
)
@tls_verify_option(
    "Check a registry's TLS certificate (registry://). --tls-verify=false also allows "
    "plain HTTP (always allowed on loopback addresses, as Docker does)."
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
    tls_verify: bool,
    no_cache: bool,
    progress: bool | None,
    color: bool | None,
    width: int | None,
) -> None:
    """Show where every byte of IMAGE lives and what could go.

    IMAGE is a docker-archive or oci-archive tar, an OCI layout directory, a reference with
    a transport (docker-archive:FILE[:TAG], oci-archive:FILE, oci:DIR[:NAME],
    containers-storage:NAME, registry://HOST/REPO[:TAG|@DIGEST], docker://NAME for an image
    in a Docker Engine), or an image name in the local buildah/podman store (a short name
    resolves as buildah resolves it).

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
        chosen = platform_choice(platform)
        show_progress = sys.stderr.isatty() if progress is None else progress
        with progress_bars(show_progress) as sink:
            report = api.inspect(
                image,
                platform=chosen,
                budgets=budgets,
                progress=sink,
                verify=verify,
                estimate_pull=estimate_pull,
                tree=fmt == "html",
                cache=not no_cache,
                tls_verify=tls_verify,
            )
        columns, use_color = terminal_look(output, color, width)
        text = render("inspect", report, fmt, Look(columns, use_color))
        write_report(text, output, color=use_color)
        broken = [b for b in report.budgets if not b.ok]
        for b in broken:
            click.echo(
                f"jettison: budget broken: {b.name} is {b.actual}, limit {b.limit}", err=True
            )
        return EXIT_FAILED if broken else EXIT_OK

    exit_with(run)


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
