"""The facade for ``build`` and ``verify``: one function per verb, each returning a report.

Raises :class:`jettison.builder.errors.BuildError` (or another ``JettisonError``) on failure;
never prints.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from jettison.builder import probe as probe_script
from jettison.builder import select
from jettison.builder.backend import ArchiveFormat, Builder, BuildRequest, RunResult
from jettison.builder.errors import BuildError
from jettison.builder.options import BuildOptions, CheckOptions
from jettison.builder.verify import Verdict, compare, smoke
from jettison.builder.verify import check as check_run
from jettison.builder.verify import probe as probe_run
from jettison.dockerfile.discover import dockerfiles_in, locate
from jettison.errors import ConfigError, DockerfileError
from jettison.imageref import has_host, name_component


@dataclass(frozen=True)
class BuildReport:
    builder: str
    image: str
    image_id: str
    build_seconds: float
    archive: Path | None
    archive_format: ArchiveFormat | None
    pushed: str | None = None
    """``HOST/REPO:TAG@sha256:...``: where ``--push`` put the image, and the digest the
    registry stored."""


@dataclass(frozen=True)
class SmokeRun:
    image: str
    command: tuple[str, ...] | None
    """The command given, or None when the image's own ENTRYPOINT/CMD ran (with a probe:
    the service's command)."""
    result: RunResult


@dataclass(frozen=True)
class HttpProbe:
    """``GET http://127.0.0.1:PORT/PATH``, sent from inside the container."""

    path: str
    port: int


@dataclass(frozen=True)
class VerifyReport:
    builder: str
    runs: tuple[SmokeRun, ...]
    """One run per image, in the order given (before, after)."""
    expect: str | None
    verdict: Verdict
    probe: HttpProbe | None = None
    """Set when the runs probed an HTTP service instead of running a command to its end."""


def resolve_dockerfile(
    path: Path, context: Path | None, *, verb: str = "build"
) -> tuple[Path, Path]:
    """``(dockerfile, context)`` for a Dockerfile or a directory holding one, found and
    inferred as ``jettison lint`` finds them (:mod:`jettison.dockerfile.discover`); the
    builder's errors are configuration errors."""
    if path.is_dir() and not dockerfiles_in(path):
        raise ConfigError(
            f"{path} holds no Dockerfile or Containerfile",
            hint="give its path (any name), e.g. docker/app.Dockerfile",
        )
    try:
        return locate(path, context, verb=verb)
    except DockerfileError as exc:
        raise ConfigError(str(exc), hint=exc.hint) from exc


def default_tag(context: Path) -> str:
    return f"localhost/{name_component(context.resolve().name, 'image')}:latest"


def backend(builder: str | Builder) -> Builder:
    """The backend a ``--builder`` choice names (``auto`` picks one), or the object given."""
    return select.choose_builder(builder) if isinstance(builder, str) else builder


def build(
    path: Path,
    *,
    context_dir: Path | None = None,
    tag: str | None = None,
    target: str | None = None,
    options: BuildOptions | None = None,
    output: Path | None = None,
    archive_format: ArchiveFormat = "docker-archive",
    on_line: Callable[[str], None] = lambda _line: None,
    push: bool = False,
    tls_verify: bool = True,
) -> BuildReport:
    """Build the Dockerfile at ``path`` (or in the directory ``path``) up to the stage
    ``target``, optionally export it to ``output``; with ``push``, push it to the registry
    its tag names (``HOST/REPO:TAG``)."""
    dockerfile, ctx = resolve_dockerfile(path, context_dir)
    options = options or BuildOptions()
    options.validate()
    image = tag or default_tag(ctx)
    if push:
        require_registry(image)
    chosen = backend(options.builder)
    request = BuildRequest(ctx, dockerfile, image, target, options)
    result = chosen.build(request, on_line)
    archive = chosen.export(result.image, output, archive_format) if output else None
    pushed = None
    if push:
        digest = chosen.push(result.image, result.image, tls_verify=tls_verify)
        pushed = f"{result.image}@{digest}"
    return BuildReport(
        chosen.name,
        result.image,
        result.image_id,
        result.seconds,
        archive,
        archive_format if archive else None,
        pushed,
    )


def require_registry(image: str) -> None:
    """ConfigError unless ``image`` names a registry to push to (``HOST[:PORT]/REPO:TAG``)."""
    first, sep, _ = image.partition("/")
    if not sep or not has_host(first) or first == "localhost":
        raise ConfigError(
            f"--push needs a tag that names a registry, not {image!r}",
            hint="tag it for the registry: -t registry.example.com/team/app:1 "
            "(or 127.0.0.1:5000/app:1 for a local one)",
        )


def verify(
    images: Sequence[str],
    check: CheckOptions | None = None,
    *,
    builder: str | Builder = "auto",
) -> VerifyReport:
    """Run the smoke command in one image (it must pass) or two (they must agree).

    With ``check.probe`` (a URL path), the command (default: the image's ENTRYPOINT + CMD)
    starts a service instead, and ``GET http://127.0.0.1:PORT/PROBE`` must answer 2xx
    within ``check.timeout_s`` (two images: with the same status and body). The port
    defaults to the first image's lowest exposed TCP port.
    """
    if len(images) not in (1, 2):
        raise ConfigError("verify takes one image, or two to compare")
    check = check or CheckOptions()
    check.validate()
    chosen = backend(builder)
    argv = check.smoke
    target = None
    if check.probe is not None:
        port = check.port if check.port is not None else default_port(chosen, images[0])
        target = HttpProbe(check.probe, port)

    def run(image: str) -> RunResult:
        if target is None:
            return smoke(chosen, image, argv, check.timeout_s)
        return probe_run(
            chosen,
            image,
            path=target.path,
            port=target.port,
            command=argv,
            timeout_s=check.timeout_s,
        )

    runs = tuple(SmokeRun(image, argv, run(image)) for image in images)
    probed = target is not None
    if len(runs) == 1:
        verdict = check_run(runs[0].result, check.expect, probe=probed)
    else:
        verdict = compare(runs[0].result, runs[1].result, check.expect, probe=probed)
    return VerifyReport(chosen.name, runs, check.expect, verdict, target)


def default_port(builder: Builder, image: str) -> int:
    """The port a probe of ``image`` asks when none is given: its lowest exposed TCP port."""
    found = probe_script.first_port(builder.exposed_ports(image))
    if found is None:
        raise ConfigError(
            f"{image} exposes no TCP port to probe", hint="give the port with --port N"
        )
    return found


__all__ = [
    "BuildError",
    "BuildReport",
    "HttpProbe",
    "SmokeRun",
    "VerifyReport",
    "backend",
    "build",
    "default_port",
    "verify",
]
