"""What buildah and podman share: the containers/storage store, and one build command.

podman builds with buildah's own code, so ``buildah bud`` and ``podman build`` take the
same flags; both CLIs take the same global options for a private store
(:class:`~jettison.builder._store.Store`), and jettison reads an image of either in place by
its ID. :class:`StoreBuilder` holds that once; :mod:`jettison.builder.buildah` and
:mod:`jettison.builder.podman` keep only what differs: how a command runs in a container,
how an image is exported, and how its ID and config are asked for.
"""

from __future__ import annotations

import os
import shlex
import shutil
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import ClassVar

from jettison.builder import _process
from jettison.builder._store import Store
from jettison.builder.backend import CA_MOUNT_TARGET, BuildRequest, BuildResult, request_flags
from jettison.builder.errors import BuildError

DEFAULT_DRIVER = "overlay"


class StoreBuilder:
    """The part of the :class:`~jettison.builder.backend.Builder` interface that buildah and
    podman implement alike.

    A subclass says what differs in class attributes: ``NAME`` (``--builder`` and the
    default binary), ``BUILD_VERB`` (``bud``, ``build``), ``INSPECT`` (the words that
    inspect an image, before ``--format``), ``ID_TEMPLATE`` (the ``--format`` that prints an
    image's full ID) and ``ENV_DEFAULTS`` (variables set unless the environment sets them).
    ``root``/``runroot`` select a private store (``--root``); its storage driver is
    ``STORAGE_DRIVER``, else overlay.
    """

    NAME: ClassVar[str]
    BUILD_VERB: ClassVar[str]
    INSPECT: ClassVar[tuple[str, ...]]
    ID_TEMPLATE: ClassVar[str]
    ENV_DEFAULTS: ClassVar[Mapping[str, str]] = {}

    def __init__(
        self,
        *,
        binary: str | None = None,
        root: Path | None = None,
        runroot: Path | None = None,
        env: Mapping[str, str] | None = None,
    ) -> None:
        self._binary = binary or self.NAME
        self._env = {**self.ENV_DEFAULTS, **(os.environ if env is None else env)}
        self._store = Store(root, runroot, self._env.get("STORAGE_DRIVER") or DEFAULT_DRIVER)

    @property
    def name(self) -> str:
        return self.NAME

    def available(self) -> bool:
        return shutil.which(self._binary, path=self._env.get("PATH")) is not None

    def command(self, *rest: str) -> list[str]:
        """``BINARY [--root R --runroot RR --storage-driver D] REST...``."""
        return [self._binary, *self._store.global_args(), *rest]

    def store_reference(self, image: str) -> str:
        """``image`` as a containers-storage reference that jettison's reader opens."""
        return self._store.reference(image)

    def build_argv(self, request: BuildRequest, iidfile: Path | None = None) -> list[str]:
        """The build command's arguments for ``request`` (after the binary and its global
        options). The CA bundle and the request's ``mounts`` are bind-mounted read-only for
        RUN steps (``-v FILE:/run/host-ca.crt:ro``), so they never land in a layer."""
        # --force-rm: a failed build leaves no working container behind.
        # --format docker: the OCI image format has no HEALTHCHECK, which buildah would drop.
        argv = [self.BUILD_VERB, "--layers", "--force-rm", "--format", "docker"]
        argv.append(f"--pull={'missing' if request.options.pull else 'never'}")
        if request.options.no_cache:
            argv.append("--no-cache")
        argv += request_flags(request, iidfile)
        if request.options.ca_bundle is not None:
            argv += ["-v", f"{request.options.ca_bundle.resolve()}:{CA_MOUNT_TARGET}:ro"]
        for host, target in request.options.mounts:
            argv += ["-v", f"{host.resolve()}:{target}:ro"]
        argv.append(str(request.context))
        return argv

    def build(self, request: BuildRequest, on_line: Callable[[str], None]) -> BuildResult:
        return _process.build_image(
            self.NAME,
            request.tag,
            lambda iidfile: self.command(*self.build_argv(request, iidfile)),
            self._env,
            on_line,
        )

    def inspect_image(self, image: str, template: str) -> str:
        """What the CLI prints about ``image`` (a name or an ID) with ``--format template``."""
        return _process.check(
            self.command(*self.INSPECT, "--format", template, image),
            self._env,
            f"{shlex.join([self.NAME, *self.INSPECT])} {image}",
        )

    def image_id(self, image: str) -> str:
        """The full ID of ``image`` (a name or an ID) in the store."""
        found = self.inspect_image(image, self.ID_TEMPLATE).strip()
        if not found:
            raise BuildError(f"{self.NAME} inspect {image} gave no image ID")
        return found

    def image_reference(self, image: str, scratch: Path) -> str:
        """``containers-storage:<id>`` in this builder's store (``scratch`` is not used)."""
        return self.store_reference(self.image_id(image))

    def remove_image(self, image: str) -> None:
        _process.run(self.command("rmi", image), self._env, timeout_s=60)

    def push(self, image: str, destination: str, *, tls_verify: bool = True) -> str:
        """``push --digestfile F [--tls-verify=false] IMAGE docker://DESTINATION``."""
        with tempfile.TemporaryDirectory(prefix="jettison-push-") as tmp:
            digestfile = Path(tmp) / "digest"
            argv = ["push", "--quiet", "--digestfile", str(digestfile)]
            if not tls_verify:
                argv.append("--tls-verify=false")
            _process.check(
                self.command(*argv, image, f"docker://{destination}"),
                self._env,
                f"{self.NAME} push {image} to {destination}",
            )
            return digestfile.read_text().strip()
