"""``jettison build`` and ``jettison verify``: standalone click commands.

The group in :mod:`jettison.cli.main` registers them (``cli.add_command(build_cmd)``).
``run_guarded`` is imported when a command runs, not at import time, so that ``main`` can
import this module at its top without a circular import.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import click

from jettison.builder.backend import ARCHIVE_FORMATS, ArchiveFormat
from jettison.builder.errors import BuildError
from jettison.cli.output import (
    CONTEXT_SETTINGS,
    Narration,
    builder_option,
    ca_bundle_option,
    check_options,
    context_option,
    format_option,
)
from jettison.render import formats

EXIT_OK, EXIT_FAILED = 0, 1


def _guarded(fn: Callable[[], int]) -> int:
    from jettison.cli.main import run_guarded

    return run_guarded(fn)


@click.command("build", context_settings=CONTEXT_SETTINGS)
@click.argument("path", metavar="PATH", type=click.Path(exists=True, path_type=Path))
@context_option("The build context.  [default: the Dockerfile's directory]")
@click.option(
    "-t", "--tag", default=None, help="Image name.  [default: localhost/CONTEXT-DIR:latest]"
)
@builder_option
@click.option("--build-arg", "build_args", multiple=True, metavar="K=V", help="Repeatable.")
@click.option(
    "--secret",
    "secrets",
    multiple=True,
    metavar="id=ID,src=FILE",
    help="A build secret for RUN --mount=type=secret. Repeatable.",
)
@ca_bundle_option(
    "CA bundle visible to RUN steps at /run/host-ca.crt (e.g. for pip --cert), never "
    "written into the image. buildah mounts it for every RUN; with docker it is the secret "
    "id=ca, which a RUN must mount (RUN --mount=type=secret,id=ca,target=/run/host-ca.crt)."
)
@click.option("--platform", default=None, metavar="OS/ARCH", help="Target platform.")
@click.option("--target", default=None, metavar="STAGE", help="Build up to this stage.")
@click.option(
    "--pull",
    is_flag=True,
    help="Pull missing base images. [default: use only images already in the builder's store]",
)
@click.option(
    "--no-cache",
    is_flag=True,
    help="Run every step again instead of reusing layers cached by earlier builds.",
)
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Also write the image to this archive (replaced if it exists).",
)
@click.option(
    "--format",
    "archive_format",
    type=click.Choice(ARCHIVE_FORMATS),
    default="docker-archive",
    show_default=True,
    help="Archive format of --output.",
)
@click.option("--quiet", "-q", is_flag=True, help="Do not stream the builder's output.")
def build_cmd(
    path: Path,
    context_dir: Path | None,
    tag: str | None,
    builder: str,
    build_args: tuple[str, ...],
    secrets: tuple[str, ...],
    ca_bundle: Path | None,
    platform: str | None,
    target: str | None,
    pull: bool,
    no_cache: bool,
    output: Path | None,
    archive_format: ArchiveFormat,
    quiet: bool,
) -> None:
    """Build an image from PATH (a Dockerfile, or a directory holding one).

    The builder's output streams to stderr, dimmed; a failed build names the failing step
    and shows its last lines. Exit 0 when built, 2 when the build fails.
    """
    from jettison.builder import api as build_api

    show = Narration().line

    def run() -> int:
        try:
            report = build_api.build(
                path,
                context=context_dir,
                tag=tag,
                builder=builder,
                build_args=build_api.parse_build_args(build_args),
                secrets=secrets,
                ca_bundle=ca_bundle,
                platform=platform,
                target=target,
                pull=pull,
                no_cache=no_cache,
                output=output,
                archive_format=archive_format,
                on_line=(lambda _line: None) if quiet else show,
            )
        except BuildError as exc:
            if quiet and exc.log_tail:  # streamed output already shows them otherwise
                for line in exc.log_tail:
                    show(line)
            raise
        click.echo(
            f"jettison: built {report.image} ({report.image_id.removeprefix('sha256:')[:12]}) "
            f"with {report.builder} "
            f"in {report.build_seconds:.1f}s",
            err=True,
        )
        if report.archive is not None:
            click.echo(f"jettison: wrote {report.archive_format} {report.archive}", err=True)
        click.echo(report.image)
        return EXIT_OK

    sys.exit(_guarded(run))


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
    from jettison.builder import api as build_api
    from jettison.render import render

    def run() -> int:
        if len(images) > 2:
            raise BuildError("verify takes one image, or two to compare")
        report = build_api.verify(
            images,
            smoke_command=smoke_command,
            timeout_s=timeout_s,
            expect=expect,
            builder=builder,
            probe=probe,
            port=port,
        )
        click.echo(render("verify", report, fmt), nl=False)
        if not report.verdict.ok:
            click.echo(f"jettison: verification failed: {report.verdict.reason}", err=True)
            return EXIT_FAILED
        return EXIT_OK

    sys.exit(_guarded(run))
