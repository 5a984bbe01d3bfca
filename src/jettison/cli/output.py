"""What the verbs share: their common options, the report's destination and look, the
progress bars, and the steps a long verb tells on stderr.

An option that several verbs take (``--format``, ``--output``, ``--builder``, ``--ca-bundle``,
the smoke/probe options of ``verify`` and ``optimize``...) is declared here once, so that
it reads and behaves the same everywhere.
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from jettison.builder.options import BUILDER_CHOICES, CheckOptions, smoke_argv
from jettison.errors import ConfigError
from jettison.image.model import Platform

if TYPE_CHECKING:
    from jettison.cli.progress import RichProgress

Command = TypeVar("Command", bound=Callable[..., Any])

_DEFAULT_WIDTH = 100


CONTEXT_SETTINGS: dict[str, Any] = {"help_option_names": ["-h", "--help"], "max_content_width": 100}
"""For the group and every command: click caches a command's help option, so a command
invoked on its own must offer the same options as through ``jettison``."""


builder_option = click.option(
    "--builder",
    type=click.Choice(BUILDER_CHOICES),
    default="auto",
    show_default=True,
    help="Builder backend. auto: buildah, else podman when installed, else docker when a daemon "
    "answers.",
)
"""``--builder``: which backend builds and runs images (build, verify, optimize)."""


def context_option(help_text: str) -> Callable[[Command], Command]:
    """``--context DIR``: the build context, as every Dockerfile-reading command takes it."""
    return click.option(
        "--context",
        "context_dir",
        metavar="DIR",
        type=click.Path(file_okay=False, exists=True, path_type=Path),
        default=None,
        help=help_text,
    )


target_option = click.option(
    "--target",
    type=click.Choice(["cpu", "gpu", "auto"]),
    default="auto",
    show_default=True,
    help="auto: gpu when the base or the code uses CUDA, else cpu.",
)
"""``--target``: which accelerator the rewritten image is for (fix, optimize)."""

runtime_base_option = click.option(
    "--runtime-base",
    metavar="IMAGE",
    default=None,
    help="Image of the runtime stage instead of the slim one fix picks; it must run the "
    "builder's Python at the same path (nvidia/cuda bases: an image of the same Ubuntu "
    "release with apt; pytorch/pytorch: the same conda Python and torch).",
)
"""``--runtime-base``: the rewritten Dockerfile's runtime image (fix, optimize)."""


_CA_BUNDLE_HELP = (
    "CA bundle visible to RUN steps at /run/host-ca.crt (e.g. for pip behind a "
    "TLS-intercepting proxy), never written into the images."
)


def ca_bundle_option(help_text: str = _CA_BUNDLE_HELP) -> Callable[[Command], Command]:
    """``--ca-bundle FILE``: made visible to RUN steps, never baked (build, optimize, plan)."""
    return click.option(
        "--ca-bundle",
        type=click.Path(dir_okay=False, exists=True, path_type=Path),
        default=None,
        help=help_text,
    )


def tls_verify_option(help_text: str) -> Callable[[Command], Command]:
    """``--tls-verify[=true|false]`` (skopeo's spelling): check registries' certificates."""
    return click.option(
        "--tls-verify",
        "tls_verify",
        type=click.BOOL,
        default=True,
        is_flag=False,
        flag_value=True,
        metavar="[true|false]",
        show_default=True,
        help=help_text,
    )


def format_option(
    choices: Sequence[str], help_text: str = "Report format.", *, short: bool = True
) -> Callable[[Command], Command]:
    """``--format`` (``-f`` too when ``short``) among ``choices``, default ``tty``."""
    return click.option(
        *(("--format", "-f") if short else ("--format",)),
        "fmt",
        type=click.Choice(choices),
        default="tty",
        show_default=True,
        help=help_text,
    )


output_option = click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write the report to FILE instead of stdout (refuses to overwrite without --force).",
)
"""``--output FILE``: where the report goes; see :func:`refuse_overwrite`."""


def output_options(command: Command) -> Command:
    """``--output FILE`` and ``--force``, in that order."""
    force = click.option(
        "--force", is_flag=True, help="Allow --output to replace an existing file."
    )
    return output_option(force(command))


def check_options(image: str, timeout_s: float) -> Callable[[Command], Command]:
    """``--smoke``, ``--probe``, ``--port``, ``--timeout`` and ``--expect``: how ``verify``
    and ``optimize`` check an image. ``image`` names the one whose command and ports are
    the defaults (``the image``); ``timeout_s`` is ``--timeout``'s default."""
    options = (
        click.option(
            "--smoke",
            "smoke_command",
            metavar='"CMD"',
            default=None,
            help="Command to run (split like a shell would).  "
            f"[default: {image}'s ENTRYPOINT + CMD]",
        ),
        click.option(
            "--probe",
            metavar="PATH",
            default=None,
            help="Start the command as a service and GET http://127.0.0.1:PORT/PATH from inside "
            "the container; it must answer 2xx (with two images: the same status and body).",
        ),
        click.option(
            "--port",
            type=click.IntRange(1, 65535),
            default=None,
            help=f"Port --probe asks.  [default: {image}'s lowest exposed TCP port]",
        ),
        click.option(
            "--timeout",
            "timeout_s",
            type=click.FloatRange(min=0, min_open=True),
            default=timeout_s,
            show_default=True,
            help="Seconds before the command is killed (with --probe: to wait for an answer).",
        ),
        click.option(
            "--expect",
            metavar="REGEX",
            default=None,
            help="Instead of identical output, require the output to match REGEX (in both "
            "images; with --probe: the status line and body).",
        ),
    )

    def apply(command: Command) -> Command:
        for option in reversed(options):  # the first listed is the first in --help
            command = option(command)
        return command

    return apply


def check_from_flags(
    smoke: str | None, probe: str | None, port: int | None, timeout_s: float, expect: str | None
) -> CheckOptions:
    """What :func:`check_options` parsed, as the facade takes it (``--smoke`` split like a
    shell would)."""
    return CheckOptions(
        smoke=smoke_argv(smoke), probe=probe, port=port, timeout_s=timeout_s, expect=expect
    )


quiet_option = click.option(
    "--quiet", "-q", is_flag=True, help="Do not show the steps and the builder output."
)
"""``--quiet``: no :class:`Narration` (optimize, plan)."""


@dataclass(frozen=True)
class Narration:
    """What a long verb tells on stderr while it works: its steps (``jettison: ...``) and
    the builder's output lines, dimmed (coloured only when stderr is a terminal). Nothing
    when ``quiet``."""

    quiet: bool = False
    color: bool = field(default_factory=lambda: sys.stderr.isatty())

    def step(self, message: str) -> None:
        if not self.quiet:
            click.echo(f"jettison: {message}", err=True)

    def line(self, text: str) -> None:
        if not self.quiet:
            click.echo(click.style(text, dim=True), err=True, color=self.color)


def terminal_options(command: Command) -> Command:
    """``--color/--no-color`` and ``--width``, in that order."""
    color = click.option(
        "--color/--no-color",
        default=None,
        help="Colour the terminal report.  [default: when stdout is a terminal]",
    )
    width = click.option(
        "--width",
        type=click.IntRange(60, 400),
        default=None,
        help="Width of the terminal report.  [default: the terminal's, or 100]",
    )
    return color(width(command))


def platform_choice(platform: str | None) -> Platform | None:
    """``--platform os/arch[/variant]`` as a Platform, None when not given."""
    try:
        return Platform.parse(platform) if platform else None
    except ValueError as exc:
        raise ConfigError(str(exc), hint="e.g. --platform linux/arm64") from exc


def refuse_overwrite(output: Path | None, force: bool) -> None:
    """Fail before any work when ``--output`` names an existing file and ``--force`` is off."""
    if output is not None and output.exists() and not force:
        raise ConfigError(f"{output} exists; not overwriting it", hint="pass --force to replace it")


@contextmanager
def progress_bars(show: bool) -> Iterator[RichProgress | None]:
    """A progress sink drawing bars on stderr when ``show``, else ``None``; closed on exit."""
    if not show:
        yield None
        return
    from jettison.cli.progress import RichProgress  # rich only when bars are shown

    sink = RichProgress()
    try:
        yield sink
    finally:
        sink.close()


def terminal_look(output: Path | None, color: bool | None, width: int | None) -> tuple[int, bool]:
    """(width, colour) of the report: the flags, else the terminal's when stdout is one."""
    to_terminal = output is None and sys.stdout.isatty()
    use_color = to_terminal if color is None else color
    columns = width or (shutil.get_terminal_size().columns if to_terminal else _DEFAULT_WIDTH)
    return columns, use_color


def write_report(text: str, output: Path | None, *, color: bool) -> None:
    """``text`` to stdout, or to ``output`` with a line on stderr saying so."""
    if output is None:
        if text:
            # click.echo strips ANSI codes off a pipe unless told: --color must survive `| less -R`.
            click.echo(text, nl=not text.endswith("\n"), color=color)
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot write {output}: {exc.strerror}") from exc
    click.echo(f"jettison: report written to {output}", err=True)
