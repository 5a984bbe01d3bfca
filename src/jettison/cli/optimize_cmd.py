"""``jettison optimize``: a standalone click command (the group in :mod:`jettison.cli.main`
registers it). Parses flags, calls :func:`jettison.optimize.core.optimize`, writes the report
(stdout or ``--output``) and the steps (stderr)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal, cast

import click

from jettison import api
from jettison.cli.exits import EXIT_FAILED, EXIT_OK, exit_with
from jettison.cli.output import (
    CONTEXT_SETTINGS,
    Narration,
    builder_option,
    ca_bundle_option,
    check_from_flags,
    check_options,
    context_option,
    format_option,
    output_option,
    quiet_option,
    refuse_overwrite,
    runtime_base_option,
    target_option,
)
from jettison.render import formats, render


@click.command(
    "optimize",
    context_settings=CONTEXT_SETTINGS,
)
@click.argument("path", metavar="PATH", type=click.Path(exists=True, path_type=Path))
@context_option("The build context.  [default: the Dockerfile's directory]")
@check_options("the original image", timeout_s=120)
@target_option
@click.option(
    "--torch-index",
    metavar="URL|DIR",
    default=None,
    help="Where the CPU target gets torch: an index URL, or a local folder of wheels "
    "(absolute path or file:// URL; mounted read-only at /wheels during the build, never "
    "copied into the image; buildah only).  [default: PyTorch's CPU index]",
)
@runtime_base_option
@builder_option
@ca_bundle_option()
@click.option("--keep-images", is_flag=True, help="Keep both images in the builder's store.")
@format_option(formats("optimize"), short=False)
@output_option
@click.option(
    "--force",
    is_flag=True,
    help="Replace an existing --output file, and the files of an earlier fix.",
)
@quiet_option
def optimize_cmd(
    path: Path,
    context_dir: Path | None,
    smoke_command: str | None,
    probe: str | None,
    port: int | None,
    timeout_s: float,
    expect: str | None,
    target: str,
    torch_index: str | None,
    runtime_base: str | None,
    builder: str,
    ca_bundle: Path | None,
    keep_images: bool,
    fmt: str,
    output: Path | None,
    force: bool,
    quiet: bool,
) -> None:
    """Rewrite the Dockerfile PATH (or the one in directory PATH), build the original and
    the optimized image, inspect both and verify that the smoke command behaves the same.

    The optimized files are written next to the original (Dockerfile.jettison,
    requirements.runtime.txt, requirements-dev.txt); the original is never changed.
    Exit 0 when optimized and verified, 1 when verification fails, 2 on bad input or a
    failed build.
    """
    narration = Narration(quiet)

    def run() -> int:
        refuse_overwrite(output, force)
        report = api.optimize(
            path,
            context_dir=context_dir,
            check=check_from_flags(smoke_command, probe, port, timeout_s, expect),
            build=api.BuildOptions(builder=builder, ca_bundle=ca_bundle),
            target=cast(Literal["cpu", "gpu", "auto"], target),
            torch_index=torch_index,
            runtime_base=runtime_base,
            keep_images=keep_images,
            force=force,
            on_step=narration.step,
            on_line=narration.line,
        )
        text = render("optimize", report, fmt)
        if output is None:
            click.echo(text, nl=False)
        else:
            output.write_text(text, encoding="utf-8")
            click.echo(f"jettison: wrote {output}", err=True)
        if not report.verified:
            click.echo(f"jettison: the optimized image failed: {report.verdict}", err=True)
            return EXIT_FAILED
        return EXIT_OK

    exit_with(run)
