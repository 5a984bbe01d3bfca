"""Image references and the base the shipped image is built on.

Read by lint's base-image rules (JT2xx) and dependency rules, by ``fix`` when it picks a
runtime base, and by ``plan`` when it writes shared bases; what a base ships (CUDA, its own
torch) is :mod:`jettison.facts.bases`'.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from jettison.dockerfile.model import Dockerfile, Instruction, Stage

_HUB_PREFIXES = ("docker.io/", "index.docker.io/", "registry-1.docker.io/")


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


@dataclass(frozen=True, slots=True)
class RuntimeBase:
    """The external image under the final stage (following ``FROM <stage>`` chains)."""

    ref: ImageRef
    stage: Stage
    """The stage whose ``FROM`` names the image."""

    @property
    def at(self) -> Instruction:
        return self.stage.from_instruction


def runtime_base(dockerfile: Dockerfile | None) -> RuntimeBase | None:
    """The image the shipped image starts from, None for ``scratch``/unresolved bases."""
    if dockerfile is None:
        return None
    chain = dockerfile.runtime_stages()
    if not chain:
        return None
    stage = chain[-1]
    ref = parse_image(stage.base_expanded)
    return RuntimeBase(ref, stage) if ref is not None else None


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
