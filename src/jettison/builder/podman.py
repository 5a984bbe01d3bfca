"""The podman backend: daemonless builds into the containers/storage store buildah uses too.

Builds run ``podman build --layers`` with the flags buildah's ``bud`` takes
(:class:`~jettison.builder._containers.StoreBuilder`: the CA bundle and the request's
``mounts`` are bind-mounted read-only, never written into a layer). Commands run in
``podman run --rm --network none`` containers, whose output podman passes on whole (unlike
``buildah run`` with chroot isolation), and which podman stops, with everything they
started, when they end.

Images are read in place in the store (``containers-storage:<id>``), as buildah's are.
``root``/``runroot`` select a private store (``podman --root``).

The OCI runtime, default ulimits and the like come from podman's own configuration
(``containers.conf``, or the file ``CONTAINERS_CONF`` names): a machine whose containers
cannot raise their limits (no ``CAP_SYS_RESOURCE``) sets ``default_ulimits`` there, one
whose cgroups crun rejects sets ``runtime = "runc"``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from jettison.builder import _config, _process
from jettison.builder._containers import StoreBuilder
from jettison.builder.backend import ArchiveFormat, Network, RunResult


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


class PodmanBuilder(StoreBuilder):
    NAME = "podman"
    BUILD_VERB = "build"
    INSPECT = ("image", "inspect")
    ID_TEMPLATE = "{{.Id}}"

    def export(self, image: str, dest: Path, fmt: ArchiveFormat) -> Path:
        return _process.write_archive(
            dest,
            lambda tmp: self.command("save", "--quiet", "--format", fmt, "-o", str(tmp), image),
            self._env,
            f"podman save {image} ({fmt})",
        )

    def run(
        self, image: str, argv: Sequence[str], *, timeout_s: float, network: Network = "none"
    ) -> RunResult:
        return _process.run_container(
            lambda name: self.command(*run_argv(image, argv, name=name, network=network)),
            lambda name: self.command("rm", "--force", "--time", "0", name),
            self._env,
            timeout_s=timeout_s,
        )

    def _config(self, image: str) -> dict[str, Any]:
        return _config.parse(self.inspect_image(image, "{{json .Config}}"), image)

    def image_command(self, image: str) -> tuple[str, ...]:
        return _config.command(self._config(image))

    def exposed_ports(self, image: str) -> tuple[str, ...]:
        return _config.exposed_ports(self._config(image))
