"""``jettison build``: parse flags, call :func:`jettison.api.build`, stream the builder's
output (stderr) and print the image built."""

from __future__ import annotations

from pathlib import Path

import click

from jettison import api
from jettison.builder.backend import ARCHIVE_FORMATS, ArchiveFormat
from jettison.builder.errors import BuildError
from jettison.builder.options import parse_build_args
from jettison.cli.exits import EXIT_OK, exit_with
from jettison.cli.output import (
    CONTEXT_SETTINGS,
    Narration,
    builder_option,
    ca_bundle_option,
    context_option,
    tls_verify_option,
)
from jettison.render import formats, render


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
@click.option(
    "--report-format",
    type=click.Choice(formats("build")),
    default="tty",
    show_default=True,
    help="What goes to stdout: the image's name (tty), or a JSON report (versioned schema).",
)
@click.option(
    "--push",
    is_flag=True,
    help="Push the image to the registry its tag names (-t HOST[:PORT]/REPO:TAG).",
)
@tls_verify_option("With --push: check the registry's TLS certificate (buildah, podman).")
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
    report_format: str,
    push: bool,
    tls_verify: bool,
    quiet: bool,
) -> None:
    """Build an image from PATH (a Dockerfile, or a directory holding one).

    The builder's output streams to stderr, dimmed; a failed build names the failing step
    and shows its last lines. Exit 0 when built, 2 when the build fails.
    """
    show = Narration().line

    def run() -> int:
        options = api.BuildOptions(
            builder=builder,
            ca_bundle=ca_bundle,
            build_args=parse_build_args(build_args),
            secrets=secrets,
            platform=platform,
            pull=pull,
            no_cache=no_cache,
        )
        try:
            report = api.build(
                path,
                context_dir=context_dir,
                tag=tag,
                target=target,
                options=options,
                output=output,
                archive_format=archive_format,
                on_line=(lambda _line: None) if quiet else show,
                push=push,
                tls_verify=tls_verify,
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
        if report.pushed is not None:
            click.echo(f"jettison: pushed {report.pushed}", err=True)
        click.echo(render("build", report, report_format), nl=False)
        return EXIT_OK

    exit_with(run)
