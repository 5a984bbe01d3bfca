"""The base the shipped image is built on (references themselves: :mod:`jettison.imageref`).

Read by lint's base-image rules (JT2xx) and dependency rules, by ``fix`` when it picks a
runtime base, and by ``plan`` when it writes shared bases; what a base ships (CUDA, its own
torch) is :mod:`jettison.facts.bases`'.
"""

from __future__ import annotations

from dataclasses import dataclass

from jettison.dockerfile.model import Dockerfile, Instruction, Stage
from jettison.imageref import ImageRef, parse_image


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
