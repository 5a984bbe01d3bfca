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


DOCKER_HUB = "docker.io"
"""The registry a name without a host is on (Docker's rule, and containers' ``docker.io``
default for short names that no alias or search registry resolves)."""
OFFICIAL_NAMESPACE = "library/"
"""Where Docker Hub keeps official images: ``python`` is ``docker.io/library/python``."""

_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
_REPOSITORY = re.compile(rf"^{_COMPONENT}(?:/{_COMPONENT})*$")
_TAG = re.compile(r"^[\w][\w.-]{0,127}$")
_DIGEST = re.compile(r"^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]{32,}$")


@dataclass(frozen=True, slots=True)
class FullName:
    """A reference with its registry host, as a registry client needs it (nothing shortened):
    ``docker.io/library/python:3.11-slim``, ``127.0.0.1:5000/fx@sha256:...``."""

    host: str
    """``docker.io``, ``ghcr.io``, ``127.0.0.1:5000``, ``localhost``."""
    repository: str
    """``library/python``, ``org/app``."""
    tag: str | None = None
    digest: str | None = None

    @property
    def name(self) -> str:
        return f"{self.host}/{self.repository}"

    @property
    def reference(self) -> str:
        """What the registry's manifest endpoint takes: the digest, else the tag."""
        return self.digest or self.tag or "latest"

    @property
    def text(self) -> str:
        out = f"{self.name}:{self.tag}" if self.tag else self.name
        return f"{out}@{self.digest}" if self.digest else out

    def __str__(self) -> str:
        return self.text


def has_host(first_component: str) -> bool:
    """Whether the first ``/`` component of a name is a registry host (Docker's rule: it has a
    ``.`` or ``:``, or is ``localhost``)."""
    return "." in first_component or ":" in first_component or first_component == "localhost"


def full_name(text: str) -> FullName:
    """``text`` normalised as Docker does: no host means Docker Hub, and a one-component
    repository there is an official image (``python`` -> ``docker.io/library/python``); no
    tag and no digest means ``latest``. Raises ValueError for what is not a reference."""
    rest, _, digest = text.strip().partition("@")
    name, tag = rest, None
    if rest.rfind(":") > rest.rfind("/"):
        name, tag = rest.rsplit(":", 1)
    first, sep, remainder = name.partition("/")
    host, repository = (first, remainder) if sep and has_host(first) else (DOCKER_HUB, name)
    host = DOCKER_HUB if host in ("index.docker.io", "registry-1.docker.io") else host
    if host == DOCKER_HUB and "/" not in repository:
        repository = OFFICIAL_NAMESPACE + repository
    if not _REPOSITORY.match(repository):
        raise ValueError(f"{text!r} is not an image reference (repository {repository!r})")
    if tag is not None and not _TAG.match(tag):
        raise ValueError(f"{text!r} is not an image reference (tag {tag!r})")
    if digest and not _DIGEST.match(digest):
        raise ValueError(f"{text!r} is not an image reference (digest {digest!r})")
    if not tag and not digest:
        tag = "latest"
    return FullName(host, repository, tag, digest or None)
