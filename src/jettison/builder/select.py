"""Pick a builder backend by name, or the first one that works here."""

from __future__ import annotations

from collections.abc import Callable

from jettison.builder.backend import Builder
from jettison.builder.buildah import BuildahBuilder
from jettison.builder.docker import DockerBuilder
from jettison.builder.errors import BuildError
from jettison.builder.options import BUILDER_CHOICES
from jettison.builder.podman import PodmanBuilder

BUILDERS: dict[str, Callable[[], Builder]] = {
    "buildah": BuildahBuilder,
    "podman": PodmanBuilder,
    "docker": DockerBuilder,
}
"""In ``auto``'s order: the daemonless ones first (nothing to start, images read in place)."""
_INSTALL_HINT = "install buildah or podman (apt-get install -y buildah), or start a Docker daemon"


def choose_builder(name: str = "auto") -> Builder:
    """The builder called ``name``; ``auto``: the first of :data:`BUILDERS` that works here
    (buildah, then podman when installed, then docker when a daemon answers)."""
    if name == "auto":
        for make in BUILDERS.values():
            builder = make()
            if builder.available():
                return builder
        raise BuildError(
            "no container builder found (buildah, podman or a Docker daemon)", hint=_INSTALL_HINT
        )
    if name not in BUILDERS:
        raise BuildError(f"unknown builder {name!r}", hint=f"one of {', '.join(BUILDER_CHOICES)}")
    builder = BUILDERS[name]()
    if not builder.available():
        what = "no Docker daemon answers" if name == "docker" else f"{name} is not installed"
        raise BuildError(f"cannot use --builder {name}: {what}", hint=_INSTALL_HINT)
    return builder
