"""The docker backend: builds through the ``docker`` CLI with BuildKit, when a daemon answers.

``DOCKER_HOST`` is honoured (the CLI reads it). Builds use ``--network host`` (containers
here have no bridge network) and ``--progress plain`` (one line per event, parseable).

The CA bundle is passed as a BuildKit secret (``--secret id=ca,src=FILE``). Unlike buildah's
bind mount, which every RUN step sees at ``/run/host-ca.crt`` without asking, a secret is
visible only to RUN steps that mount it, so the Dockerfile must say
``RUN --mount=type=secret,id=ca,target=/run/host-ca.crt pip install ...``.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from jettison.builder import _config, _process
from jettison.builder.backend import (
    ArchiveFormat,
    BuildRequest,
    BuildResult,
    Network,
    RunResult,
    request_flags,
)
from jettison.builder.errors import BuildError

CA_SECRET_ID = "ca"


def build_argv(request: BuildRequest, iidfile: Path | None = None) -> list[str]:
    """The ``docker build`` arguments for ``request`` (after ``docker``)."""
    if request.options.mounts:
        raise BuildError(
            "local wheel folders need buildah (docker build cannot bind-mount host directories)",
            hint="build with --builder buildah, or give --torch-index an index URL",
        )
    argv = ["build", "--network", "host", "--progress", "plain"]
    if request.options.pull:
        argv.append("--pull")
    if request.options.no_cache:
        argv.append("--no-cache")
    ca_secret = []
    if request.options.ca_bundle is not None:
        ca_secret.append(f"id={CA_SECRET_ID},src={request.options.ca_bundle.resolve()}")
    argv += request_flags(request, iidfile, extra_secrets=ca_secret)
    argv.append(str(request.context))
    return argv


class DockerBuilder:
    def __init__(self, *, binary: str = "docker", env: Mapping[str, str] | None = None) -> None:
        self._binary = binary
        self._env = {**dict(os.environ if env is None else env), "DOCKER_BUILDKIT": "1"}

    @property
    def name(self) -> str:
        return "docker"

    def available(self) -> bool:
        if shutil.which(self._binary, path=self._env.get("PATH")) is None:
            return False
        return _process.run([self._binary, "info"], self._env, timeout_s=15).exit_code == 0

    def build(self, request: BuildRequest, on_line: Callable[[str], None]) -> BuildResult:
        return _process.build_image(
            "docker",
            request.tag,
            lambda iidfile: [self._binary, *build_argv(request, iidfile)],
            self._env,
            on_line,
        )

    def export(self, image: str, dest: Path, fmt: ArchiveFormat) -> Path:
        if fmt != "docker-archive":
            raise BuildError(
                f"docker save writes docker-archives only, not {fmt}",
                hint="use --format docker-archive, or --builder buildah",
            )
        return _process.write_archive(
            dest,
            lambda tmp: [self._binary, "save", "-o", str(tmp), image],
            self._env,
            f"docker save {image}",
        )

    def run(
        self, image: str, argv: Sequence[str], *, timeout_s: float, network: Network = "none"
    ) -> RunResult:
        def run_argv(name: str) -> list[str]:
            cmd = [self._binary, "run", "--rm", "--name", name, "--network", network]
            return cmd + (["--entrypoint", argv[0], image, *argv[1:]] if argv else [image])

        return _process.run_container(
            run_argv,
            lambda name: [self._binary, "rm", "--force", name],
            self._env,
            timeout_s=timeout_s,
        )

    def _config(self, image: str) -> dict[str, Any]:
        out = _process.check(
            [self._binary, "image", "inspect", "--format", "{{json .Config}}", image],
            self._env,
            f"docker image inspect {image}",
        )
        return _config.parse(out, image)

    def image_command(self, image: str) -> tuple[str, ...]:
        return _config.command(self._config(image))

    def exposed_ports(self, image: str) -> tuple[str, ...]:
        return _config.exposed_ports(self._config(image))

    def image_reference(self, image: str, scratch: Path) -> str:
        """A docker-archive of ``image`` in ``scratch`` (the daemon's store is not readable
        from here); named after the image, so asking twice rewrites one file."""
        digest = hashlib.sha256(image.encode()).hexdigest()[:16]
        return str(self.export(image, scratch / f"image-{digest}.tar", "docker-archive"))

    def remove_image(self, image: str) -> None:
        _process.run([self._binary, "rmi", image], self._env, timeout_s=60)
