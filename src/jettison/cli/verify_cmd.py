"""``jettison verify``: parse flags, call :func:`jettison.api.verify`, print the runs and
the verdict, exit 1 when verification fails."""

from __future__ import annotations

import click

from jettison import api
from jettison.builder.errors import BuildError
from jettison.cli.exits import EXIT_FAILED, EXIT_OK, exit_with
from jettison.cli.output import (
    CONTEXT_SETTINGS,
    builder_option,
    check_from_flags,
    check_options,
    format_option,
)
from jettison.render import formats, render


@click.command("verify", context_settings=CONTEXT_SETTINGS)
@click.argument("images", metavar="IMAGE [IMAGE2]", nargs=-1, required=True)
@check_options("the image", timeout_s=60)
@builder_option
@format_option(formats("verify"))
def verify_cmd(
    images: tuple[str, ...],
    smoke_command: str | None,
    probe: str | None,
    port: int | None,
    timeout_s: float,
    expect: str | None,
    builder: str,
    fmt: str,
) -> None:
    """Run a smoke command in IMAGE, or in IMAGE and IMAGE2 and compare them.

    IMAGE names an image in the builder's store. Commands run without network. With one
    image the command must exit 0 in time (and match --expect); with two, both must give the
    same exit code and the same stdout (or both match --expect). With --probe the command
    is a service, asked over HTTP from inside its container (with the image's python, curl
    or wget). Exit 0 when verification passes, 1 when it fails, 2 on bad input.
    """

    def run() -> int:
        if len(images) > 2:
            raise BuildError("verify takes one image, or two to compare")
        check = check_from_flags(smoke_command, probe, port, timeout_s, expect)
        report = api.verify(images, check, builder=builder)
        click.echo(render("verify", report, fmt), nl=False)
        if not report.verdict.ok:
            click.echo(f"jettison: verification failed: {report.verdict.reason}", err=True)
            return EXIT_FAILED
        return EXIT_OK

    exit_with(run)
