"""The builder interface: build an image, export it, run a command in it, remove it.

Each backend (``buildah``, ``podman``, ``docker``) is its own module implementing :class:`Builder`;
requests and results are frozen dataclasses shared by all of them, and
:func:`request_flags` spells a request the way all three CLIs take it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, Protocol

from jettison.builder.options import BuildOptions

ArchiveFormat = Literal["docker-archive", "oci-archive"]
Network = Literal["none", "host"]
ARCHIVE_FORMATS: tuple[ArchiveFormat, ...] = ("docker-archive", "oci-archive")
CA_MOUNT_TARGET = "/run/host-ca.crt"
"""Where RUN steps find the ``--ca-bundle`` file (as the stand-in bases' pip.conf expects)."""


@dataclass(frozen=True)
class BuildRequest:
    """What to build: a Dockerfile in a context, tagged, up to a stage, with the verb's
    :class:`~jettison.builder.options.BuildOptions` (the CA bundle is made visible to RUN
    steps at :data:`CA_MOUNT_TARGET`; ``no_cache`` makes an image's layers its own, as on a
    fresh CI machine, base images still taken from the store)."""

    context: Path
    dockerfile: Path
    tag: str
    target: str | None = None
    options: BuildOptions = field(default_factory=BuildOptions)


def request_flags(
    request: BuildRequest, iidfile: Path | None, *, extra_secrets: Sequence[str] = ()
) -> list[str]:
    """The build flags ``buildah bud``, ``podman build`` and ``docker build`` take alike:
    ``--iidfile``, ``-f``, ``-t``, ``--build-arg``, ``--secret`` (the request's, then
    ``extra_secrets``), ``--platform`` and ``--target``.

    What differs (the CA bundle, mounts, pulling, the context) each backend adds around them.
    """
    argv = ["--iidfile", str(iidfile)] if iidfile is not None else []
    argv += ["-f", str(request.dockerfile), "-t", request.tag]
    options = request.options
    for key, value in options.build_args:
        argv += ["--build-arg", f"{key}={value}"]
    for secret in (*options.secrets, *extra_secrets):
        argv += ["--secret", secret]
    if options.platform:
        argv += ["--platform", options.platform]
    if request.target:
        argv += ["--target", request.target]
    return argv


@dataclass(frozen=True)
class BuildResult:
    image: str
    image_id: str
    seconds: float
    log_tail: tuple[str, ...]


@dataclass(frozen=True)
class RunResult:
    """One command run in an image. ``exit_code`` is -1 when it timed out."""

    exit_code: int
    stdout: str
    stderr: str
    seconds: float
    timed_out: bool


class Builder(Protocol):
    @property
    def name(self) -> str:
        """``buildah``, ``docker``: what the user passes to ``--builder``."""
        ...

    def available(self) -> bool:
        """Whether this builder can work here (its CLI is installed; a daemon answers)."""
        ...

    def build(self, request: BuildRequest, on_line: Callable[[str], None]) -> BuildResult:
        """Build ``request``, passing each output line to ``on_line``; raise BuildError."""
        ...

    def export(self, image: str, dest: Path, fmt: ArchiveFormat) -> Path:
        """Write ``image`` to the archive ``dest`` (written whole or not at all)."""
        ...

    def run(
        self, image: str, argv: Sequence[str], *, timeout_s: float, network: Network
    ) -> RunResult:
        """Run ``argv`` in a throwaway container of ``image``; kill it after ``timeout_s``."""
        ...

    def image_command(self, image: str) -> tuple[str, ...]:
        """The image's default command: ENTRYPOINT followed by CMD, as Docker joins them."""
        ...

    def exposed_ports(self, image: str) -> tuple[str, ...]:
        """The image config's ``ExposedPorts`` keys (``8000/tcp``), sorted."""
        ...

    def image_reference(self, image: str, scratch: Path) -> str:
        """A reference to ``image`` that :func:`jettison.image.sources.open_image` reads.

        A builder whose store jettison reads in place (buildah, podman) names the image by
        its ID there (``containers-storage:<id>``: no copy, and a tag moved later does not
        change what is read); others export a docker-archive into the folder ``scratch``,
        which the caller owns and removes.
        """
        ...

    def remove_image(self, image: str) -> None:
        """Remove ``image`` from the builder's store (a missing image is not an error)."""
        ...

    def push(self, image: str, destination: str, *, tls_verify: bool = True) -> str:
        """Push ``image`` to the registry reference ``destination`` (``HOST/REPO:TAG``);
        returns the manifest digest the registry stored. ``tls_verify=False``: a registry
        with an untrusted certificate or plain HTTP."""
        ...
