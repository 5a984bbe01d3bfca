"""Open an image from whatever the user names; every source returns the same ``Image``.

References:

- ``PATH`` to a docker-archive or oci-archive tar, or an OCI layout directory (sniffed);
- ``docker-archive:PATH[:TAG]``, ``oci-archive:PATH[:NAME]``, ``oci:DIR[:NAME]``;
- ``containers-storage:NAME`` or a bare image name found in the local buildah/podman store;
- ``registry://HOST/REPO[:TAG][@DIGEST]``: straight from a registry (``registry.py``);
- ``docker://NAME`` or ``docker-daemon:NAME``: from a Docker Engine's export, as it streams
  (``docker_daemon.py``).
"""

from __future__ import annotations

import re
import tarfile
from pathlib import Path
from typing import TYPE_CHECKING

from jettison.errors import ImageFormatError, ImageNotFoundError
from jettison.hostpaths import exists, is_dir, is_file
from jettison.image.layer_reader import normalize_path
from jettison.image.model import Image, Platform
from jettison.image.sources._common import ends_cleanly, tar_error
from jettison.image.sources.docker_archive import open_docker_archive
from jettison.image.sources.oci import open_oci_archive, open_oci_layout

if TYPE_CHECKING:
    from jettison.image.distribution.transport import Transport

TRANSPORTS = ("docker-archive", "oci-archive", "oci", "containers-storage")
_IMAGE_NAME = re.compile(r"^[a-z0-9][a-z0-9._/-]*(:[\w][\w.-]{0,127})?(@sha256:[0-9a-f]{64})?$")


def _split_suffix(rest: str) -> tuple[Path, str | None]:
    """``PATH[:NAME]``: the suffix is a name only when PATH-with-it does not exist.

    NAME may itself hold colons (``docker-archive:img.tar:repo/app:v1``), so PATH ends at the
    first colon that leaves an existing path; when none does, at the first colon.
    """
    if exists(Path(rest)) or ":" not in rest:
        return Path(rest), None
    colons = [i for i, char in enumerate(rest) if char == ":"]
    cut = next((i for i in colons if exists(Path(rest[:i]))), colons[0])
    return Path(rest[:cut]), rest[cut + 1 :] or None


def open_image(
    reference: str, platform: Platform | None = None, network: Transport | None = None
) -> Image:
    """Open ``reference`` without a daemon; raises an :class:`ImageError` subclass on failure.

    ``network``: how registries are reached (TLS verification, timeouts, retries)."""
    if reference.startswith("registry://"):
        from jettison.image.sources.registry import open_registry

        return open_registry(reference.removeprefix("registry://"), reference, platform, network)
    for prefix in ("docker://", "docker-daemon:"):
        if reference.startswith(prefix):
            from jettison.image.sources.docker_daemon import open_daemon

            return open_daemon(reference.removeprefix(prefix), reference, platform)
    transport, sep, rest = reference.partition(":")
    if sep and transport in TRANSPORTS:
        if transport == "containers-storage":
            return _open_store(rest, reference, platform)
        path, name = _split_suffix(rest)
        _must_exist(path, reference)
        if transport == "docker-archive":
            return open_docker_archive(path, reference, name)
        if transport == "oci-archive":
            return open_oci_archive(path, reference, platform, name)
        return open_oci_layout(path, reference, platform, name)

    path = Path(reference)
    if is_dir(path):
        if (path / "index.json").is_file() or (path / "oci-layout").is_file():
            return open_oci_layout(path, reference, platform, None)
        raise ImageFormatError(
            f"{reference} is a directory but not an OCI image layout (no index.json)",
            hint="export the image with `buildah push IMAGE oci:DIR` or `skopeo copy`",
        )
    if is_file(path):
        return _open_archive_file(path, reference, platform)
    if _IMAGE_NAME.match(reference):
        return _open_store(reference, reference, platform)
    raise ImageNotFoundError(f"{reference}: no such file, directory or image")


def _must_exist(path: Path, reference: str) -> None:
    if not exists(path):
        raise ImageNotFoundError(f"{reference}: {path} does not exist")


def _open_archive_file(path: Path, reference: str, platform: Platform | None) -> Image:
    try:
        with tarfile.open(path, mode="r:*") as tar:
            names = set()
            for member in tar:
                names.add(normalize_path(member.name) or "")
                if "manifest.json" in names or {"index.json", "oci-layout"} <= names:
                    break
    except (tarfile.TarError, EOFError, OSError) as exc:
        raise ImageFormatError(
            f"{reference}: {tar_error(exc, path)}",
            hint="give a docker-archive (`docker save`) or oci-archive tar, "
            "or an OCI layout directory",
        ) from exc
    if "manifest.json" in names:
        return open_docker_archive(path, reference)
    if "index.json" in names:
        return open_oci_archive(path, reference, platform, None)
    if not names:
        raise ImageFormatError(f"{reference}: an empty tar archive, not an image")
    if not ends_cleanly(path):
        raise ImageFormatError(
            f"{reference}: the archive is cut short (no end-of-archive marker) and the part "
            "that is there holds no manifest.json or index.json",
            hint="the file is truncated; copy or export the image again",
        )
    raise ImageFormatError(
        f"{reference}: a tar archive without manifest.json or index.json: not an image "
        "(a plain root filesystem?)",
        hint="import it first (`buildah import`/`docker import`), then save the image",
    )


def _open_store(name: str, reference: str, platform: Platform | None) -> Image:
    from jettison.image.sources.containers_storage import open_from_store

    return open_from_store(name, reference, platform)
