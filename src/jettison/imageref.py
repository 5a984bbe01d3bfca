"""Image references as people write them: ``[registry/]repository[:tag][@digest]``.

The reference grammar is shared by what reads Dockerfiles (``FROM``), the facts about base
images and what names the images jettison builds; it knows no Dockerfile.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_HUB_PREFIXES = ("docker.io/", "index.docker.io/", "registry-1.docker.io/")


_MIRROR_PATHS = ("docker/library/", "library/")
"""How registries that mirror Docker Hub's official images spell them (ECR, GCR, Harbor)."""


@dataclass(frozen=True, slots=True)
class ImageRef:
    """``[registry/]repository[:tag][@digest]`` split, Docker Hub names shortened the way
    people write them (``docker.io/library/python`` is ``python``)."""

    name: str
    """Repository with its registry, lower-case: ``python``, ``nvidia/cuda``,
    ``nvcr.io/nvidia/pytorch``."""
    tag: str
    """``latest`` when none is written (and no digest)."""
    digest: str | None = None

    @property
    def text(self) -> str:
        out = f"{self.name}:{self.tag}" if self.tag else self.name
        return f"{out}@{self.digest}" if self.digest else out

    @property
    def repository(self) -> str:
        """The repository without a registry host or a mirror's path: ``python`` for
        ``mirror.gcr.io/library/python``, ``public.ecr.aws/docker/library/python``,
        ``localhost/python`` and ``registry.example.com:5000/python``, as for ``python``."""
        first, sep, rest = self.name.partition("/")
        name = rest if sep and ("." in first or ":" in first or first == "localhost") else self.name
        for prefix in _MIRROR_PATHS:
            name = name.removeprefix(prefix)
        return name

    @property
    def tag_parts(self) -> tuple[str, ...]:
        """The tag split on ``-`` (``3.9-slim-buster`` -> ``3.9``, ``slim``, ``buster``)."""
        return tuple(self.tag.lower().split("-")) if self.tag else ()


def parse_image(text: str) -> ImageRef | None:
    """The reference ``text`` names; None for ``scratch``, unresolved ``$VARS`` and blanks."""
    text = text.strip()
    if not text or "$" in text or text.lower() == "scratch":
        return None
    digest: str | None = None
    if "@" in text:
        text, digest = text.split("@", 1)
    name, tag = text, ""
    slash = text.rfind("/")
    colon = text.rfind(":")
    if colon > slash:
        name, tag = text[:colon], text[colon + 1 :]
    name = name.lower()
    for prefix in _HUB_PREFIXES:
        if name.startswith(prefix):
            name = name[len(prefix) :]
    name = name.removeprefix("library/")
    if not tag and digest is None:
        tag = "latest"
    return ImageRef(name=name, tag=tag, digest=digest)


_NOT_NAME = re.compile(r"[^a-z0-9]+")


def name_component(text: str, fallback: str) -> str:
    """``text`` as one path component of an image name (``localhost/<this>:tag``).

    The reference grammar allows lower-case letters and digits joined by ``.``, ``_``,
    ``__`` or any run of ``-``, and nothing at either end; every other run of characters
    becomes ``-`` (so ``My_-App`` is ``my-app``). ``fallback`` when nothing is left.
    """

    def separator(match: re.Match[str]) -> str:
        run = match.group(0)
        return run if run in {".", "_", "__"} or set(run) == {"-"} else "-"

    return _NOT_NAME.sub(separator, text.lower()).strip("._-") or fallback
