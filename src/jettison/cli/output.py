"""What the verbs share: the report's destination and look, and the progress bars.

``inspect`` and ``lint`` take the same ``--output``/``--force`` and ``--color``/``--width``
options and treat them the same way; they are declared and applied here once.
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from jettison.build.select import BUILDER_CHOICES
from jettison.errors import ConfigError

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


def output_options(command: Command) -> Command:
    """``--output FILE`` and ``--force``, in that order."""
    output = click.option(
        "--output",
        "-o",
        type=click.Path(dir_okay=False, path_type=Path),
        default=None,
        help="Write the report to FILE instead of stdout (refuses to overwrite without --force).",
    )
    force = click.option(
        "--force", is_flag=True, help="Allow --output to replace an existing file."
    )
    return output(force(command))


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
