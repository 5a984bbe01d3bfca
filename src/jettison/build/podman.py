"""The podman backend: daemonless builds into the containers/storage store buildah uses too.

Builds run ``podman build --layers``; the CA bundle and the request's ``mounts`` are
bind-mounted read-only for RUN steps (``-v FILE:/run/host-ca.crt:ro``), as with buildah,
so they never land in a layer. Commands run in ``podman run --rm --network none``
containers, whose output podman passes on whole (unlike ``buildah run`` with chroot
isolation), and which podman stops, with everything they started, when they end.

Images are read in place in the store (``containers-storage:<id>``), as buildah's are.
``root``/``runroot`` select a private store (``podman --root``).

The OCI runtime, default ulimits and the like come from podman's own configuration
(``containers.conf``, or the file ``CONTAINERS_CONF`` names): a machine whose containers
cannot raise their limits (no ``CAP_SYS_RESOURCE``) sets ``default_ulimits`` there, one
whose cgroups crun rejects sets ``runtime = "runc"``.
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from jettison.build import _config, _process
from jettison.build._store import Store
from jettison.build.backend import (
    CA_MOUNT_TARGET,
    ArchiveFormat,
    BuildRequest,
    BuildResult,
    Network,
    RunResult,
)
from jettison.build.errors import BuildError

_DEFAULT_DRIVER = "overlay"


def build_argv(request: BuildRequest, iidfile: Path | None = None) -> list[str]:
    """The ``podman build`` arguments for ``request`` (after ``podman`` and its global options)."""
    # --force-rm: a failed build leaves no working container behind.
    # --format docker: the OCI image format has no HEALTHCHECK, which buildah would drop.
    argv = ["build", "--layers", "--force-rm", "--format", "docker"]
    argv.append(f"--pull={'missing' if request.pull else 'never'}")
    if request.no_cache:
        argv.append("--no-cache")
    if iidfile is not None:
        argv += ["--iidfile", str(iidfile)]
    argv += ["-f", str(request.dockerfile), "-t", request.tag]
    for key, value in request.build_args.items():
        argv += ["--build-arg", f"{key}={value}"]
    for secret in request.secrets:
        argv += ["--secret", secret]
    if request.platform:
        argv += ["--platform", request.platform]
    if request.target:
        argv += ["--target", request.target]
    if request.ca_bundle is not None:
        argv += ["-v", f"{request.ca_bundle.resolve()}:{CA_MOUNT_TARGET}:ro"]
    for host, target in request.mounts:
        argv += ["-v", f"{host.resolve()}:{target}:ro"]
    argv.append(str(request.context))
    return argv


def run_argv(image: str, argv: Sequence[str], *, name: str, network: Network) -> list[str]:
    """The ``podman run`` arguments that run ``argv`` (empty: the image's own command).

    ``--entrypoint`` takes a JSON array, so that ``argv[0]`` is one word whatever it holds.
    """
    cmd = ["run", "--rm", "--pull=never", "--name", name, "--network", network]
    if argv:
        cmd += ["--entrypoint", json.dumps([argv[0]]), image, *argv[1:]]
    else:
        cmd.append(image)
    return cmd


class PodmanBuilder:
    def __init__(
        self,
        *,
        binary: str = "podman",
        root: Path | None = None,
        runroot: Path | None = None,
        env: Mapping[str, str] | None = None,
    ) -> None:
        self._binary = binary
        self._env = dict(os.environ if env is None else env)
        self._store = Store(root, runroot, self._env.get("STORAGE_DRIVER") or _DEFAULT_DRIVER)

    @property
    def name(self) -> str:
        return "podman"

    def available(self) -> bool:
        return shutil.which(self._binary, path=self._env.get("PATH")) is not None

    def command(self, *rest: str) -> list[str]:
        """``podman [--root R --runroot RR --storage-driver D] REST...``."""
        return [self._binary, *self._store.global_args(), *rest]

    def store_reference(self, image: str) -> str:
        """``image`` as a containers-storage reference that jettison's reader opens."""
        return self._store.reference(image)

    def build(self, request: BuildRequest, on_line: Callable[[str], None]) -> BuildResult:
        return _process.build_image(
            "podman",
            request.tag,
            lambda iidfile: self.command(*build_argv(request, iidfile)),
            self._env,
            on_line,
        )

    def export(self, image: str, dest: Path, fmt: ArchiveFormat) -> Path:
        dest = dest.resolve()
        tmp = dest.with_name(f".{dest.name}.{uuid.uuid4().hex[:8]}.tmp")
        try:
            _process.check(
                self.command("save", "--quiet", "--format", fmt, "-o", str(tmp), image),
                self._env,
                f"podman save {image} ({fmt})",
            )
            tmp.replace(dest)
        finally:
            tmp.unlink(missing_ok=True)
        return dest

    def run(
        self, image: str, argv: Sequence[str], *, timeout_s: float, network: Network = "none"
    ) -> RunResult:
        name = f"jettison-verify-{uuid.uuid4().hex[:12]}"

        def stop() -> None:  # the CLI is killed, the container may not be; kill it now
            _process.run(
                self.command("rm", "--force", "--time", "0", name), self._env, timeout_s=60
            )

        done = _process.run(
            self.command(*run_argv(image, argv, name=name, network=network)),
            self._env,
            timeout_s=timeout_s,
            on_timeout=stop,
        )
        return RunResult(done.exit_code, done.stdout, done.stderr, done.seconds, done.timed_out)

    def _inspect(self, image: str, template: str) -> str:
        return _process.check(
            self.command("image", "inspect", "--format", template, image),
            self._env,
            f"podman image inspect {image}",
        )

    def _config(self, image: str) -> dict[str, Any]:
        return _config.parse(self._inspect(image, "{{json .Config}}"), image)

    def image_command(self, image: str) -> tuple[str, ...]:
        return _config.command(self._config(image))

    def exposed_ports(self, image: str) -> tuple[str, ...]:
        return _config.exposed_ports(self._config(image))

    def image_id(self, image: str) -> str:
        """The full ID of ``image`` (a name or an ID) in the store."""
        found = self._inspect(image, "{{.Id}}").strip()
        if not found:
            raise BuildError(f"podman image inspect {image} gave no image ID")
        return found

    def image_reference(self, image: str, scratch: Path) -> str:
        """``containers-storage:<id>`` in this builder's store (``scratch`` is not used)."""
        return self.store_reference(self.image_id(image))

    def remove_image(self, image: str) -> None:
        _process.run(self.command("rmi", image), self._env, timeout_s=60)
