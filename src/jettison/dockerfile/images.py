"""The base the shipped image is built on (references themselves: :mod:`jettison.imageref`).

Read by lint's base-image rules (JT2xx) and dependency rules, by ``fix`` when it picks a
runtime base, and by ``plan`` when it writes shared bases; what a base ships (CUDA, its own
torch) is :mod:`jettison.facts.bases`'.
"""

from __future__ import annotations

from dataclasses import dataclass

from jettison.dockerfile.model import Dockerfile, Instruction, Stage
from jettison.dockerfile.steps import chain
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


def shipped_base(dockerfile: Dockerfile | None) -> RuntimeBase | None:
    """:func:`runtime_base`, and for a final image built ``FROM scratch`` whose first step
    copies another stage's whole filesystem (``COPY --from=base / /``), the image under
    that stage: the shipped files are its files, flattened into one layer."""
    found = runtime_base(dockerfile)
    if found is not None or dockerfile is None:
        return found
    seen: set[int] = set()
    stages = dockerfile.runtime_stages()
    while stages and stages[-1].base_expanded.strip().lower() == "scratch":
        source = _flattened_from(dockerfile, stages[-1])
        if source is None or source.index in seen:
            return None
        seen.add(source.index)
        stages = chain(dockerfile, source)[::-1]
    if not stages:
        return None
    ref = parse_image(stages[-1].base_expanded)
    return RuntimeBase(ref, stages[-1]) if ref is not None else None


def _flattened_from(dockerfile: Dockerfile, stage: Stage) -> Stage | None:
    """The stage whose root a ``FROM scratch`` stage starts by copying whole."""
    for instruction in stage.instructions:
        if instruction.keyword in {"ARG", "LABEL", "ENV"}:
            continue
        source = instruction.flag("from") if instruction.keyword == "COPY" else None
        if source is None or [a.rstrip("/") for a in instruction.args] != ["", ""]:
            return None
        return dockerfile.stage_ref(source)
    return None


_TREES = frozenset(
    {"/", "/opt", "/usr", "/usr/local", "/usr/lib", "/usr/local/lib", "/root/.local"}
)
_TREE_PARENTS = ("/opt",)
_TREE_NAMES = ("venv", ".venv", "site-packages", ".local", "conda", "miniconda", "miniforge")


@dataclass(frozen=True, slots=True)
class CopiedTree:
    """A software tree the final image takes whole from another stage
    (``COPY --from=builder /opt/conda /opt/conda``)."""

    instruction: Instruction
    source: Stage
    path: str


def copied_trees(dockerfile: Dockerfile | None) -> list[CopiedTree]:
    """The installed-software trees (``/``, ``/usr/local``, ``/opt/<prefix>``, a virtualenv,
    a conda prefix) the final image copies from other stages, in file order. What such a
    stage installs there ships as if the final image had installed it."""
    if dockerfile is None:
        return []
    runtime = {s.index for s in dockerfile.runtime_stages()}
    out: list[CopiedTree] = []
    for stage in sorted(dockerfile.runtime_stages(), key=lambda s: s.index):
        for instruction in stage.of("COPY"):
            name = instruction.flag("from")
            source = dockerfile.stage_ref(name) if name else None
            if source is None or source.index in runtime or len(instruction.args) < 2:
                continue
            for path in instruction.args[:-1]:
                if is_software_tree(path):
                    out.append(CopiedTree(instruction, source, path))
    return out


def is_software_tree(path: str) -> bool:
    """``/``, ``/usr/local``, ``/opt/conda``, ``/app/.venv``: where installed software lives."""
    clean = "/" + path.strip().strip("/") if path.strip().strip("/") else "/"
    if clean in _TREES:
        return True
    parent, name = clean.rsplit("/", 1)
    if name in _TREE_NAMES:
        return True
    return (parent or "/") in _TREE_PARENTS and "." not in name  # /opt/conda, not /opt/x.txt


def feeding_stages(dockerfile: Dockerfile | None) -> frozenset[int]:
    """Indexes of the stages whose files can reach the final image: its own chain, and
    every stage it copies from (``COPY --from``, ``RUN --mount=from=``), transitively, with
    the stages those are built on. A stage outside this set costs build time only."""
    if dockerfile is None:
        return frozenset()
    chosen: set[int] = set()
    pending = list(dockerfile.runtime_stages())
    while pending:
        stage = pending.pop()
        if stage.index in chosen:
            continue
        chosen.add(stage.index)
        pending.extend(chain(dockerfile, stage))
        for instruction in stage.instructions:
            for name in _sources_of(instruction):
                source = dockerfile.stage_ref(name)
                if source is not None and source.index not in chosen:
                    pending.append(source)
    return frozenset(chosen)


def _sources_of(instruction: Instruction) -> list[str]:
    names = []
    if instruction.keyword in {"COPY", "ADD"} and instruction.flag("from"):
        names.append(instruction.flag("from") or "")
    for mount in instruction.flag_values("mount"):
        for part in mount.split(","):
            key, _, value = part.partition("=")
            if key.strip() == "from" and value:
                names.append(value.strip())
    return names
