"""The files of a plan: split requirements, shared base images, service Dockerfiles, build.sh.

:func:`generate` is pure: from what discovery found and how the requirements split, it
returns every file's path (under ``out_dir``) and text, and the build order. :func:`write`
does the I/O and nothing else.

Every generated image is built with the repository root as its context, so one requirements
file can be copied into a base image that services in different folders build on. A
service's Dockerfile replays the image its original Dockerfile ships (the final stage and the
stages it is built ``FROM``), in order, on top of its base image; what changes is written as
a ``# jettison: CODE ...`` comment above it, the way ``jettison fix`` writes its changes:

- ``FROM`` names the shared base (``plan:base``); the install of the requirements becomes
  the service's own layer, or nothing when the bases install all it needs
  (``plan:requirements``); the ``COPY`` of requirement files goes, and so does a
  ``COPY --from=<builder>`` of the virtualenv a builder stage made (``plan:venv``);
- ``COPY``/``ADD`` sources are rebased from the service's context to the root
  (``plan:context``);
- apt installs become one layer without recommended packages; build tools and ``-dev``
  headers are installed only while pip builds, and purged in the same layer (``JT401``);
- a service without ``USER`` runs as the base image's ``app`` user (``JT601``); one with a
  known port gets a ``HEALTHCHECK`` with the image's own Python (``JT605``), never curl.

A Dockerfile this cannot replay safely (a ``RUN`` that mixes pip with other commands, a stage
copied from that is not a virtualenv, ``COPY . .`` of a context that is not the service's
own folder...) keeps its original Dockerfile: its name is in
:attr:`Generated.kept_original` and :func:`rewrite_problems` says why.

Base images: ``base`` starts from the slim variant of the services' most common python
image (a service on another Python keeps its Dockerfile: its pins may have no wheels for the
base's); a family base (``ml``, ``pdf``...) starts from ``base``. Only the bases some planned
service is built on are generated. A service whose final image runs on a CUDA image
(``nvidia/cuda`` on Ubuntu, ``pytorch/pytorch``) stays out of the CPU chain: its own chain
starts ``FROM`` the ``-runtime`` variant of that image (``gpu``, then ``gpu-<family>``; one
chain per CUDA image), with Ubuntu's python3 or the image's conda Python (whose torch the
virtualenv sees) under the same ``/opt/venv``.

Build contexts: the root, for every generated image. Each generated Dockerfile has a
``Dockerfile.dockerignore`` beside it (BuildKit and buildah read it instead of the root's
``.dockerignore``): a base image sees only the plan's requirement files; a service sees
what its own context's ignore file let through, the patterns rebased to the root, so a
``secret.env`` its ``.dockerignore`` kept out stays out.

``build.sh`` builds the images in order with ``$BUILDER`` (docker by default) and passes its
arguments to every build; with buildah or podman it asks for Docker's image format, the only
one that keeps a ``HEALTHCHECK``.
"""

from __future__ import annotations

import hashlib
import json
import os
import posixpath
import re
import shlex
import shutil
import tempfile
import textwrap
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Literal

from jettison.dockerfile.commands.python import (
    PipOption,
    carried,
    handling,
    parse_install,
    pip_argv,
)
from jettison.dockerfile.commands.system import (
    apt_installs,
    is_apt_cleanup,
    is_apt_tool,
    is_movable_apt,
    package_name,
    sets_apt_source,
)
from jettison.dockerfile.ignore import dockerignore_path, read_dockerignore
from jettison.dockerfile.images import (
    ImageRef,
    name_component,
    parse_image,
    runtime_base,
)
from jettison.dockerfile.model import Dockerfile, Instruction, Stage
from jettison.dockerfile.shell import Command, split_commands
from jettison.dockerfile.steps import assignments
from jettison.dockerfile.steps import chain as stage_chain
from jettison.errors import ConfigError
from jettison.facts.bases import is_cuda_base
from jettison.facts.system import (
    DEV_RUNTIME_LIBRARIES,
    PYTHON_PACKAGES,
    has_runtime_half,
    is_build_tool,
)
from jettison.fix.bases import (
    CONDA_PYTHON,
    CUDA_REPOSITORIES,
    PYTORCH_REPOSITORY,
    CudaTag,
    runtime_variant,
    slim_variant,
)
from jettison.fix.rewrite import APP_USER, VENV
from jettison.plan.model import (
    BuildStep,
    Discovery,
    Generated,
    Group,
    Pin,
    Problem,
    Service,
    ServicePlan,
    Split,
)

MARKER = ".jettison-plan"
"""The file in ``out_dir`` that lists what :func:`write` wrote (``--force`` replaces only
those files)."""
BASE_GROUP = "base"
REQUIREMENTS_IN_IMAGE = "/opt/requirements"
APP_UID = 10001
TAG_SUFFIX = "plan"

_ENV_LINE = (
    f"ENV PIP_NO_CACHE_DIR=1 PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PATH={VENV}/bin:$PATH"
)
_SLIM_MISSING = ("curl", "wget", "git")
"""Tools the full python:X image has and its slim variant lacks: a kept RUN that calls one
gets it installed, as the original image had it."""
_HEALTH_CLIENTS = frozenset({"curl", "wget"})
_USER_TOOLS = frozenset({"useradd", "adduser", "groupadd", "addgroup"})
_VENV_MAKERS = re.compile(r"^(?:python\d*(?:\.\d+)?|virtualenv|uv)$")
_SAFE_PATH = re.compile(r"^/[A-Za-z0-9._~/%&=+,;:@!$-]*$")

_PIP_TOOLING = frozenset({"pip", "setuptools", "wheel"})


# -- results of the analysis ----------------------------------------------------------------


@dataclass(frozen=True)
class _Chain:
    """A chain of base images: ``base`` (CPU) or one per CUDA image (``gpu``, ``gpu2``)."""

    key: str
    image: str
    """The image the chain's first base starts FROM."""
    kind: Literal["cpu", "cuda", "pytorch"]
    origin: str
    """What the services ran on (the comment says where the image comes from)."""

    def base_name(self, group: str) -> str:
        """Folder and tag name of the chain's base image for ``group``."""
        if self.kind == "cpu":
            return group
        return self.key if group == BASE_GROUP else f"{self.key}-{group}"


@dataclass(frozen=True)
class _Part:
    """Lines of a service Dockerfile, or a slot filled when rendering (``own``, ``apt``)."""

    lines: tuple[str, ...] = ()
    slot: Literal["own", "apt", None] = None
    build_step: bool = False
    """A RUN/COPY/ADD/WORKDIR: ``USER app`` goes after the last one."""


@dataclass(frozen=True)
class _Replay:
    """How a service's Dockerfile is replayed on its base image (all but the paths)."""

    service: Service
    plan: ServicePlan
    chain: _Chain
    parts: tuple[_Part, ...]
    apt_runtime: tuple[str, ...]
    apt_notes: tuple[str, ...]
    build_tools: tuple[str, ...]
    pip_options: tuple[str, ...]
    healthcheck: str | None
    """A HEALTHCHECK to add at the end (the original has none, the port is known)."""
    add_user: bool


@dataclass(frozen=True)
class _Analysis:
    chains: tuple[_Chain, ...]
    replays: tuple[_Replay, ...]
    kept: tuple[Service, ...]
    problems: tuple[Problem, ...]


class _Unsupported(Exception):
    """The service's Dockerfile cannot be replayed safely; carries the Problem's text."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.line = line


# -- public API -----------------------------------------------------------------------------


def generate(discovery: Discovery, split: Split, *, out_dir: Path, tag_prefix: str) -> Generated:
    """Every file of the plan (paths relative to ``out_dir``) and the order to build them.

    ``out_dir`` must be inside ``discovery.root``: the generated Dockerfiles copy the
    requirement files from it with the root as build context. Raises :class:`ConfigError`
    otherwise.
    """
    return generate_with_problems(discovery, split, out_dir=out_dir, tag_prefix=tag_prefix)[0]


def generate_with_problems(
    discovery: Discovery, split: Split, *, out_dir: Path, tag_prefix: str
) -> tuple[Generated, tuple[Problem, ...]]:
    """:func:`generate` and :func:`rewrite_problems` from one analysis of the Dockerfiles
    (each one replayed once, not once per question)."""
    root = discovery.root
    out_rel = _out_relative(root, out_dir)
    prefix = tag_prefix.rstrip("/").lower()
    analysis = _analyse(discovery, split)
    groups = _groups(split)
    files: list[tuple[str, str]] = []

    planned = {r.service.name: r for r in analysis.replays}
    files.extend(_requirement_files(split, groups, planned))

    def tag(name: str) -> str:
        return f"{prefix}/{name}:{TAG_SUFFIX}"

    def base_tag(name: str) -> str:
        """``base`` for the common group, ``base-ml``, ``base-gpu``... for the others."""
        return tag(name if name == BASE_GROUP else f"base-{name}")

    steps: list[BuildStep] = []
    for chain in analysis.chains:
        for group_name in _chain_groups(chain, analysis.replays, groups):
            name = chain.base_name(group_name)
            folder = f"bases/{name}"
            parent = None if group_name == BASE_GROUP else base_tag(chain.base_name(BASE_GROUP))
            text = _base_dockerfile(
                chain,
                groups.get(group_name),
                group_name,
                out_rel=out_rel,
                parent=parent,
                replays=[r for r in analysis.replays if _uses(r, chain, group_name, groups)],
            )
            files.append((f"{folder}/Dockerfile", text))
            files.append((f"{folder}/Dockerfile.dockerignore", _base_ignore(out_rel)))
            steps.append(
                BuildStep(
                    tag=base_tag(name),
                    dockerfile=out_dir / folder / "Dockerfile",
                    context=root,
                    service=None,
                    group=group_name,
                )
            )
    service_steps: list[BuildStep] = []
    for replay in analysis.replays:
        folder = f"services/{_safe_name(replay.service.name)}"
        from_tag = base_tag(replay.chain.base_name(_base_group(replay.plan, groups)))
        files.append((f"{folder}/Dockerfile", _service_dockerfile(replay, root, out_rel, from_tag)))
        files.append((f"{folder}/Dockerfile.dockerignore", _service_ignore(replay, root, out_rel)))
        service_steps.append(
            BuildStep(
                tag=tag(_safe_name(replay.service.name)),
                dockerfile=out_dir / folder / "Dockerfile",
                context=root,
                service=replay.service.name,
                group=None,
            )
        )
    for service in analysis.kept:
        service_steps.append(
            BuildStep(
                tag=tag(_safe_name(service.name)),
                dockerfile=service.dockerfile,
                context=service.context,
                service=service.name,
                group=None,
            )
        )
    service_steps.sort(key=lambda s: s.service or "")
    steps.extend(service_steps)
    files.append(("build.sh", _build_script(steps, root, out_rel)))
    generated = Generated(
        out_dir=out_dir,
        files=tuple(Path(p) for p, _ in files),
        contents=tuple(t for _, t in files),
        build_order=tuple(steps),
        kept_original=tuple(sorted(s.name for s in analysis.kept)),
    )
    return generated, analysis.problems


def rewrite_problems(discovery: Discovery, split: Split) -> tuple[Problem, ...]:
    """Why each service in :attr:`Generated.kept_original` keeps its original Dockerfile
    (``unsupported-dockerfile`` warnings), for the same inputs as :func:`generate`."""
    return _analyse(discovery, split).problems


def write(generated: Generated, *, force: bool) -> None:
    """Write ``generated`` into its ``out_dir``, each file atomically.

    Refuses (:class:`ConfigError`, nothing written) when ``out_dir`` is outside the build
    context of the images it generates, or exists and is not empty, unless ``force`` and a
    previous plan wrote it (the ``.jettison-plan`` marker). With ``force``, only the files the
    previous plan wrote are replaced or removed; anything else there is left alone, and a file
    of the user's at a path the plan generates is a refusal. A fresh ``out_dir`` appears at
    once, complete (staged next to it, then renamed).
    """
    out_dir = generated.out_dir
    _check_inside_context(generated)
    files = dict(zip((p.as_posix() for p in generated.files), generated.contents, strict=True))
    for relative in files:
        _check_relative(relative)
    if out_dir.is_symlink() or (out_dir.exists() and not out_dir.is_dir()):
        raise ConfigError(
            f"{out_dir}: exists and is not a directory",
            hint="give --out a new folder inside the repository",
        )
    if not out_dir.exists() or not any(out_dir.iterdir()):
        _write_fresh(out_dir, files)
        return
    previous = _read_marker(out_dir)
    if previous is None:
        raise ConfigError(
            f"{out_dir}: exists, is not empty and was not written by jettison plan",
            hint="give --out a new or empty folder; --force only replaces a previous plan",
        )
    if not force:
        raise ConfigError(
            f"{out_dir}: a previous plan is there",
            hint="add --force to replace the files it wrote (other files are kept)",
        )
    _write_over(out_dir, files, previous)


# -- analysis -------------------------------------------------------------------------------


def _analyse(discovery: Discovery, split: Split) -> _Analysis:
    plans = {p.service: p for p in split.services}
    candidates: list[tuple[Service, ServicePlan, ImageRef, bool]] = []
    problems: list[Problem] = []
    kept: list[Service] = []

    def keep(service: Service, message: str, line: int | None = None) -> None:
        kept.append(service)
        problems.append(
            Problem(
                kind="unsupported-dockerfile",
                severity="warning",
                message=f"{message}; the service keeps its original Dockerfile",
                service=service.name,
                path=service.dockerfile,
                line=line,
            )
        )

    for service in discovery.services:
        if service.parsed is None:
            continue  # discovery reported it; there is nothing to build
        plan = plans.get(service.name)
        base = runtime_base(service.parsed)
        if plan is None:
            keep(service, "the requirements split has no plan for it")
        elif base is None:
            keep(service, "its final image is not built on a named image (scratch or $ARG)")
        elif not service.context.is_relative_to(discovery.root):
            keep(service, f"its build context {service.context} is outside the repository")
        else:
            candidates.append((service, plan, base.ref, is_cuda_base(base.ref)))
    # Which Dockerfiles can be replayed does not depend on the base chosen; the CPU base is
    # chosen among those that can (a kept service does not pick the base of the others).
    viable: list[tuple[Service, ServicePlan, ImageRef, bool]] = []
    for service, plan, ref, cuda in candidates:
        if cuda and _gpu_image(ref) is None:
            keep(
                service,
                f"its CUDA base {ref.text} is not an Ubuntu nvidia/cuda or pytorch/pytorch "
                "image, the GPU bases plan can build",
            )
            continue
        probe = _Chain(key="", image="", kind="cuda" if cuda else "cpu", origin="")
        try:
            _replay(service, plan, probe, ref, discovery.root)
        except _Unsupported as exc:
            keep(service, str(exc), exc.line)
            continue
        viable.append((service, plan, ref, cuda))
    cpu = _cpu_chain(ref for _, _, ref, cuda in viable if not cuda)
    gpu_images = sorted({found[0] for _, _, ref, _ in viable if (found := _gpu_image(ref))})
    gpu_chains = {
        image: _gpu_chain(image, "gpu" if index == 0 else f"gpu{index + 1}")
        for index, image in enumerate(gpu_images)
    }
    replays: list[_Replay] = []
    for service, plan, ref, cuda in viable:
        if cuda:
            found = _gpu_image(ref)
            assert found is not None
            chain = gpu_chains[found[0]]
        else:
            reason = _cpu_refusal(ref, cpu)
            if reason is not None:
                keep(service, reason)
                continue
            assert cpu is not None
            chain = cpu
        replays.append(_replay(service, plan, chain, ref, discovery.root))
    used = {r.chain.key for r in replays}
    chains = [c for c in (cpu, *gpu_chains.values()) if c is not None and c.key in used]
    return _Analysis(
        chains=tuple(chains),
        replays=tuple(sorted(replays, key=lambda r: r.service.name)),
        kept=tuple(sorted(kept, key=lambda s: s.name)),
        problems=tuple(sorted(problems, key=lambda p: (p.service or "", p.line or 0))),
    )


def _python_version(ref: ImageRef) -> str | None:
    """``3.11`` for ``python:3.11.9-slim``; None for ``latest``, ``slim``..."""
    first = ref.tag_parts[0] if ref.tag_parts else ""
    if not re.fullmatch(r"\d+(?:\.\d+)*", first):
        return None
    return ".".join(first.split(".")[:2])


def _is_debian_python(ref: ImageRef) -> bool:
    return ref.name == "python" and not {"alpine", "windowsservercore"} & set(ref.tag_parts)


def _cpu_chain(refs: Iterable[ImageRef]) -> _Chain | None:
    """The CPU base: the slim variant of the services' most common python image."""
    counts: Counter[str] = Counter()
    origin: dict[str, str] = {}
    for ref in refs:
        if _is_debian_python(ref):
            slim = slim_variant(ref)
            counts[slim] += 1
            origin.setdefault(slim, ref.text)
    if not counts:
        return None
    order = list(origin)
    image = max(counts, key=lambda s: (counts[s], -order.index(s)))
    return _Chain(key=BASE_GROUP, image=image, kind="cpu", origin=origin[image])


def _cpu_refusal(ref: ImageRef, cpu: _Chain | None) -> str | None:
    if not _is_debian_python(ref) or cpu is None:
        return (
            f"its base {ref.text} is not a Debian-based python image; plan shares "
            "python:X-slim bases"
        )
    chosen = parse_image(cpu.image)
    assert chosen is not None
    if _python_version(ref) != _python_version(chosen) or (
        _python_version(ref) is None and slim_variant(ref) != cpu.image
    ):
        return f"it runs on {ref.text}, another Python than the shared base {cpu.image}"
    return None


def _gpu_image(ref: ImageRef) -> tuple[str, Literal["cuda", "pytorch"]] | None:
    """The ``-runtime`` variant of a CUDA image plan can build a GPU base on, and its kind:
    an Ubuntu ``nvidia/cuda`` image (apt gives its Python) or ``pytorch/pytorch`` (conda's)."""
    runtime = runtime_variant(ref)
    if runtime is None:
        return None
    if ref.name in CUDA_REPOSITORIES:
        tag = CudaTag.parse(ref.tag)
        return (runtime, "cuda") if tag is not None and tag.os == "ubuntu" else None
    return (runtime, "pytorch") if ref.name == PYTORCH_REPOSITORY else None


def _gpu_chain(image: str, key: str) -> _Chain:
    ref = parse_image(image)
    assert ref is not None
    found = _gpu_image(ref)
    assert found is not None
    return _Chain(key=key, image=image, kind=found[1], origin=image)


def _groups(split: Split) -> dict[str, Group]:
    return {g.name: g for g in split.groups}


def _base_group(plan: ServicePlan, groups: dict[str, Group]) -> str:
    return plan.base_group if plan.base_group in groups else BASE_GROUP


def _uses(replay: _Replay, chain: _Chain, group: str, groups: dict[str, Group]) -> bool:
    """Whether ``replay``'s image is built on ``chain``'s base image of ``group``."""
    if replay.chain.key != chain.key:
        return False
    return group == BASE_GROUP or _base_group(replay.plan, groups) == group


def _chain_groups(chain: _Chain, replays: Sequence[_Replay], groups: dict[str, Group]) -> list[str]:
    """The groups ``chain`` needs a base image of: ``base``, then the services' families in
    the split's order."""
    wanted = {_base_group(r.plan, groups) for r in replays if r.chain.key == chain.key}
    out = [BASE_GROUP]
    out.extend(g.name for g in groups.values() if g.name != BASE_GROUP and g.name in wanted)
    return out


# -- replaying a service's Dockerfile -------------------------------------------------------


@dataclass
class _State:
    """What the walk over a Dockerfile's instructions collects (private, mutable)."""

    parts: list[_Part] = field(default_factory=list)
    apt: list[str] = field(default_factory=list)
    build_tools: list[str] = field(default_factory=list)
    pip_options: list[str] = field(default_factory=list)
    has_user: bool = False
    has_healthcheck: bool = False
    health_replaced: bool = False
    rebased: bool = False
    dropped_paths: list[str] = field(default_factory=list)
    """Where a dropped ``COPY --from`` put a builder's environment (``/venv``)."""
    uses: set[str] = field(default_factory=set)
    """Programs run by kept instructions (curl stays installed when something calls it)."""


def _replay(
    service: Service,
    plan: ServicePlan,
    chain: _Chain,
    ref: ImageRef,
    root: Path,
) -> _Replay:
    dockerfile = service.parsed
    assert dockerfile is not None
    stages = list(reversed(dockerfile.runtime_stages()))
    known = _requirement_names(dockerfile, service)
    state = _State()
    for stage in stages:
        for instruction in stage.instructions:
            _replay_instruction(instruction, dockerfile, service, root, known, state)
    _check_dropped_paths(stages, state.dropped_paths)
    apt_notes: list[str] = []
    runtime: list[str] = []
    for package in dict.fromkeys(state.apt):
        if PYTHON_PACKAGES.match(package_name(package)):
            apt_notes.append(f"plan:base {package} not installed: the base image has Python")
        elif not is_build_tool(package_name(package)):
            runtime.append(package)
        elif package in DEV_RUNTIME_LIBRARIES:
            runtime.append(DEV_RUNTIME_LIBRARIES[package])
        elif package.endswith("-dev") and has_runtime_half(package_name(package)):
            runtime.append(package)  # its runtime library is unknown: keep it, safely
        if is_build_tool(package_name(package)) and package not in state.build_tools:
            state.build_tools.append(package)
    if state.health_replaced:
        for client in sorted(_HEALTH_CLIENTS - state.uses):
            if client in runtime:
                runtime.remove(client)
                apt_notes.append(
                    f"JT605 {client} not installed: the health check uses the image's Python"
                )
    move_up = False
    if chain.kind == "cpu" and "slim" not in ref.tag_parts:
        missing = [t for t in _SLIM_MISSING if t in state.uses and t not in runtime]
        if missing:
            runtime.extend(missing)
            move_up = True
            apt_notes.append(
                f"plan:base installs {' '.join(missing)}: the image runs it, {ref.text} has it "
                f"and {chain.image} does not"
            )
    parts = _place_apt(state.parts, runtime=bool(runtime), notes=bool(apt_notes), up=move_up)
    healthcheck = None
    if not state.has_healthcheck and service.port is not None:
        healthcheck = _healthcheck(service.port, service.health_path, ())
    return _Replay(
        service=service,
        plan=plan,
        chain=chain,
        parts=tuple(parts),
        apt_runtime=tuple(runtime),
        apt_notes=tuple(apt_notes),
        build_tools=tuple(state.build_tools),
        pip_options=tuple(dict.fromkeys(state.pip_options)),
        healthcheck=healthcheck,
        add_user=not state.has_user,
    )


def _check_dropped_paths(stages: Sequence[Stage], dropped: Sequence[str]) -> None:
    """A command that runs ``/venv/bin/python`` needs the environment the plan no longer
    copies there (the base's is at /opt/venv)."""
    for stage in stages:
        for instruction in stage.of("RUN", "CMD", "ENTRYPOINT", "HEALTHCHECK"):
            text = " ".join(instruction.args)
            if instruction.keyword == "RUN" and any(
                pip_argv(c) is not None for c in split_commands(instruction.shell_text)
            ):
                continue  # replaced by the generated pip layer
            for path in dropped:
                if re.search(rf"(?<![\w/.-]){re.escape(path)}(?:/|\b|$)", text):
                    raise _Unsupported(
                        f"{instruction.keyword} uses {path}, where the original copied the "
                        f"builder's environment (the shared bases have it at {VENV})",
                        instruction.position.line,
                    )


def _place_apt(parts: list[_Part], *, runtime: bool, notes: bool, up: bool) -> list[_Part]:
    """Put the one apt layer where the original first installed packages (before the first
    RUN when a RUN needs a tool the slim image lacks); the other apt RUNs leave a comment."""
    slots = [n for n, p in enumerate(parts) if p.slot == "apt"]
    runs = [n for n, p in enumerate(parts) if p.slot is None and p.build_step and _is_run(p)]
    if not slots and not (runtime or notes):
        return parts
    at = slots[0] if slots else 0
    if up and runs and runs[0] < at:
        at = runs[0]
    out: list[_Part] = []
    for index, part in enumerate(parts):
        if index == at and (not slots or index != slots[0]):
            out.append(_Part(slot="apt", build_step=runtime))
        if part.slot != "apt":
            out.append(part)
            continue
        (what,) = part.lines
        if not runtime:
            text = f"# jettison: plan:apt {what}: nothing left to install at run time"
        elif index == slots[0] and index == at:
            text = f"# jettison: JT101 JT102 {what}: one apt layer, no recommended packages"
        else:
            text = f"# jettison: JT101 JT102 {what}: in the one apt layer"
        here = index == at
        out.append(_Part((text,), slot="apt" if here else None, build_step=here and runtime))
    if at == len(parts):
        out.append(_Part(slot="apt", build_step=runtime))
    return out


def _is_run(part: _Part) -> bool:
    return any(line[:4].upper() == "RUN " for line in part.lines)


def _replay_instruction(
    instruction: Instruction,
    dockerfile: Dockerfile,
    service: Service,
    root: Path,
    known: frozenset[str],
    state: _State,
) -> None:
    keyword = instruction.keyword
    line = instruction.position.line
    if keyword == "RUN":
        _replay_run(instruction, dockerfile, known, state)
    elif keyword in {"COPY", "ADD"}:
        _replay_copy(instruction, dockerfile, service, root, known, state)
    elif keyword == "HEALTHCHECK":
        state.has_healthcheck = True
        replaced = _replace_healthcheck(instruction, service)
        if replaced is None:
            state.uses.update(c.name for c in _healthcheck_commands(instruction))
            state.parts.append(_Part(_source(instruction, dockerfile)))
        else:
            state.health_replaced = True
            state.parts.append(_Part(replaced))
    elif keyword == "USER":
        state.has_user = True
        state.parts.append(_Part(_source(instruction, dockerfile)))
    elif keyword in {"CMD", "ENTRYPOINT"}:
        commands = (
            [Command(instruction.args)]
            if instruction.json
            else split_commands(instruction.shell_text)
        )
        state.uses.update(c.name for c in commands)
        state.parts.append(_Part(_source(instruction, dockerfile)))
    elif keyword == "ONBUILD":
        raise _Unsupported("ONBUILD runs in images built later", line)
    else:
        state.parts.append(_Part(_source(instruction, dockerfile), build_step=keyword == "WORKDIR"))


def _replay_run(
    instruction: Instruction, dockerfile: Dockerfile, known: frozenset[str], state: _State
) -> None:
    line = instruction.position.line
    commands = (
        [Command(instruction.args)] if instruction.json else split_commands(instruction.shell_text)
    )
    kinds = [_command_kind(c, line) for c in commands]
    _check_user_commands(commands, line)
    if not commands or set(kinds) == {"other"}:
        state.uses.update(c.name for c in commands)
        state.parts.append(_Part(_source(instruction, dockerfile), build_step=True))
        return
    if instruction.heredocs or instruction.json:
        raise _Unsupported(
            f"a {'heredoc' if instruction.heredocs else 'exec-form'} RUN installs packages",
            line,
        )
    if "pip" in kinds and set(kinds) != {"pip"}:
        raise _Unsupported("one RUN mixes pip with other commands; give pip its own RUN", line)
    segments = _and_chain(instruction.shell_text)
    if set(kinds) == {"apt"}:
        state.apt.extend(p for c in commands for p in apt_installs(c))
        state.parts.append(_Part((_short(instruction),), slot="apt"))
        return
    if set(kinds) == {"pip"}:
        _replay_pip(instruction, dockerfile, commands, segments, known, state)
        return
    # apt then other commands (`apt-get install ... && useradd ...`): the apt part joins the
    # apt layer, the rest stays a RUN of its own, in order. Only plain `&&` chains whose apt
    # commands all come first are split, so nothing runs before the packages it may need.
    first_other = kinds.index("other")
    if segments is None or len(segments) != len(commands) or "apt" in kinds[first_other:]:
        raise _Unsupported(
            "one RUN mixes apt with other commands in a way plan cannot split "
            "(only `apt ... && other ...` chains)",
            line,
        )
    state.apt.extend(p for c in commands[:first_other] for p in apt_installs(c))
    state.parts.append(_Part((_short(instruction),), slot="apt"))
    state.uses.update(c.name for c in commands[first_other:])
    state.parts.append(
        _Part(
            (
                "# jettison: plan:run the commands after apt, as written",
                _run_text(segments[first_other:]),
            ),
            build_step=True,
        )
    )


def _replay_pip(
    instruction: Instruction,
    dockerfile: Dockerfile,
    commands: Sequence[Command],
    segments: Sequence[str] | None,
    known: frozenset[str],
    state: _State,
) -> None:
    line = instruction.position.line
    roles = [_pip_role(instruction, c, known, line) for c in commands]
    for role in roles:
        if role.kind == "requirements":
            state.pip_options.extend(role.options)
    others = [n for n, r in enumerate(roles) if r.kind == "other"]
    if others and len(others) < len(roles) and (segments is None or len(segments) != len(commands)):
        raise _Unsupported(
            "one RUN installs requirement files and other packages in a "
            "way plan cannot split (only `&&` chains)",
            line,
        )
    if any(r.kind == "requirements" for r in roles):
        state.parts.append(
            _Part(
                (f"# jettison: plan:requirements replaces {_short(instruction)}",),
                slot="own",
                build_step=True,
            )
        )
    elif not others:
        state.parts.append(
            _Part((f"# jettison: plan:requirements the base image has pip: {_short(instruction)}",))
        )
    if others and len(others) == len(roles):
        state.parts.append(_Part(_source(instruction, dockerfile), build_step=True))
    elif others:
        assert segments is not None
        state.parts.append(
            _Part(
                (
                    "# jettison: plan:run the pip commands that install other packages, as written",
                    _run_text([segments[n] for n in others]),
                ),
                build_step=True,
            )
        )


@dataclass(frozen=True)
class _PipRole:
    kind: Literal["requirements", "tooling", "other"]
    options: tuple[str, ...] = ()
    """Options carried onto the generated pip install (``--extra-index-url URL``...)."""
    destinations: tuple[str, ...] = ()
    """``--prefix``/``--target``/``--root`` values (what a builder stage's COPY may copy)."""


def _pip_role(
    instruction: Instruction, command: Command, known: frozenset[str], line: int
) -> _PipRole:
    """What a pip command does: install requirement files the split read, upgrade pip's
    own tooling, or anything else (kept as written)."""
    install = parse_install(instruction, command)
    if install is None:
        return _PipRole("other")
    options: list[str] = []
    for option in install.options:
        refusal = _refusal(option)
        if refusal is not None:
            raise _Unsupported(refusal, line)
        kept = carried(option)
        if kept is not None:
            options.append(kept)
    files = install.requirement_files
    positional = list(install.words)
    if files and positional:
        raise _Unsupported(
            f"one pip install names requirement files and packages "
            f"({' '.join(positional)}); give the packages their own pip install",
            line,
        )
    for file in files:
        if posixpath.basename(file) not in known:
            raise _Unsupported(
                f"pip installs {file}, a requirements file the plan did not read",
                line,
            )
    destinations = install.destinations
    if files:
        return _PipRole("requirements", tuple(options), destinations)
    names = {re.split(r"[<>=!~\[ ;@]", p, maxsplit=1)[0].lower() for p in positional}
    if names and names <= _PIP_TOOLING:
        return _PipRole("tooling", destinations=destinations)
    if any(o.name == "--user" for o in install.options):
        raise _Unsupported(
            "`pip install --user` fails in the shared bases' virtualenv (user site-packages "
            "are not visible there)",
            line,
        )
    return _PipRole("other", destinations=destinations)


def _refusal(option: PipOption) -> str | None:
    """Why plan cannot carry ``option`` onto the shared bases' install; None when it drops
    or carries it, or reads it itself."""
    if handling(option) == "unknown":
        return f"pip option {option.written} is not one plan can carry"
    if option.missing_value or option.value is None:
        return None if not option.missing_value else f"pip option {option.written} has no value"
    value = option.value
    if option.name in {"-c", "--constraint"}:
        return (
            f"pip installs under the constraints file {value}, which the shared bases would not use"
        )
    if option.name in {"-i", "--index-url"}:
        return (
            f"pip installs from the index {value} instead of PyPI, which the shared bases "
            "would not use"
        )
    if option.name in {"-f", "--find-links"} and "://" not in value:
        return f"pip finds links in the local folder {value}"
    return None


def _command_kind(command: Command, line: int) -> Literal["apt", "pip", "other"]:
    if is_apt_tool(command):
        if not is_movable_apt(command):
            raise _Unsupported(
                f"`{' '.join(command.argv[:3])}` is not an apt step plan can "
                "move (update, install, clean)",
                line,
            )
        return "apt"
    if is_apt_cleanup(command):
        return "apt"
    if pip_argv(command) is not None:
        return "pip"
    if sets_apt_source(command):
        raise _Unsupported(
            f"`{command.name}` sets up an apt source; the plan installs the apt packages in "
            "one layer before the other steps, where that source does not exist yet",
            line,
        )
    return "other"


def _check_user_commands(commands: Sequence[Command], line: int) -> None:
    """A Dockerfile that creates the user ``app`` or uid 10001 would collide with the base's."""
    for command in commands:
        if command.name not in _USER_TOOLS:
            continue
        args = list(command.args)
        ids = {args[n + 1] for n, a in enumerate(args[:-1]) if a in {"-u", "--uid", "-g", "--gid"}}
        ids |= {a.split("=", 1)[1] for a in args if a.startswith(("--uid=", "--gid="))}
        words = command.words()
        if (words and words[-1] == APP_USER) or str(APP_UID) in ids:
            raise _Unsupported(
                f"creates the user or group `{APP_USER}`/{APP_UID}, which the "
                "shared base image already has",
                line,
            )


def _and_chain(script: str) -> list[str] | None:
    """The commands of a plain ``a && b && c`` script, as written; None for anything else
    (``;``, ``||``, pipes, subshells, command substitution, comments outside quotes), which
    plan does not split."""
    out: list[str] = []
    buffer: list[str] = []
    quote: str | None = None
    text = script.replace("\\\n", " ")
    index = 0
    while index < len(text):
        char = text[index]
        if quote is not None:
            buffer.append(char)
            if char == "\\" and quote == '"' and index + 1 < len(text):
                buffer.append(text[index + 1])
                index += 2
                continue
            if char == quote:
                quote = None
            index += 1
            continue
        if char in "'\"":
            quote = char
        elif char == "\\":
            buffer.append(text[index : index + 2])
            index += 2
            continue
        elif text.startswith("&&", index):
            out.append("".join(buffer).strip())
            buffer = []
            index += 2
            continue
        elif char in ";|&()`\n#" or text.startswith("$(", index):
            return None
        buffer.append(char)
        index += 1
    if quote is not None:
        return None
    out.append("".join(buffer).strip())
    if any(not s or len(split_commands(s)) != 1 for s in out):
        return None
    return out


def _run_text(segments: Sequence[str]) -> str:
    return "RUN " + " \\\n    && ".join(segments)


def _requirement_names(dockerfile: Dockerfile, service: Service) -> frozenset[str]:
    """File names a ``pip install -r`` may give for the requirement files the split read:
    their own names and the names the Dockerfile copies them to."""
    names = {p.name for p in service.requirement_files}
    for stage in dockerfile.stages:
        for copy in stage.of("COPY", "ADD"):
            if copy.flag("from") is not None or copy.heredocs or len(copy.args) < 2:
                continue
            sources, dest = copy.args[:-1], copy.args[-1]
            if (
                len(sources) == 1
                and _is_requirement_source(sources[0], service)
                and not dest.endswith("/")
                and dest not in {".", "./"}
            ):
                names.add(posixpath.basename(dest))
    return frozenset(names)


def _replay_copy(
    instruction: Instruction,
    dockerfile: Dockerfile,
    service: Service,
    root: Path,
    known: frozenset[str],
    state: _State,
) -> None:
    line = instruction.position.line
    source_stage = instruction.flag("from")
    if source_stage is not None:
        stage = dockerfile.stage_ref(source_stage)
        if stage is None:  # an image: COPY --from=ghcr.io/... copies from it, as before
            state.parts.append(_Part(_source(instruction, dockerfile), build_step=True))
            return
        _drop_venv_copy(instruction, dockerfile, stage, known, state)
        return
    if instruction.heredocs:
        state.parts.append(_Part(_source(instruction, dockerfile), build_step=True))
        return
    sources, dest = list(instruction.args[:-1]), instruction.args[-1]
    if sources and all(_is_requirement_source(s, service) for s in sources):
        state.parts.append(_Part((f"# jettison: plan:requirements drops {_short(instruction)}",)))
        return
    context_rel = service.context.relative_to(root)
    own_folder = service.context == service.dockerfile.parent
    rebased: list[str] = []
    for source in sources:
        if source.startswith(("<<", "git@")) or "://" in source:
            rebased.append(source)
            continue
        if "$" in source:
            if context_rel != Path():
                raise _Unsupported(
                    f"COPY source {source} names a variable plan cannot rebase",
                    line,
                )
            rebased.append(source)
            continue
        relative = posixpath.normpath(source.lstrip("/") or ".")
        if relative == "." and not own_folder:
            raise _Unsupported(
                f"{instruction.keyword} copies the whole build context "
                f"{service.context}, which is not the service's own folder",
                line,
            )
        if relative == ".." or relative.startswith("../"):
            raise _Unsupported(f"COPY source {source} is outside the context", line)
        if context_rel == Path():
            rebased.append(source)  # the context is the root already: as written
            continue
        joined = posixpath.join(context_rel.as_posix(), relative).removesuffix("/.")
        rebased.append(joined + "/" if source.endswith("/") else joined)
    if rebased == sources:
        state.parts.append(_Part(_source(instruction, dockerfile), build_step=True))
        return
    state.rebased = True
    flags = " ".join(instruction.flags)
    words = [*rebased, dest]
    body = json.dumps(words) if instruction.json else " ".join(words)
    state.parts.append(
        _Part(
            (
                f"# jettison: plan:context {_short(instruction)}: sources from the repository root",
                f"{instruction.keyword} {flags + ' ' if flags else ''}{body}",
            ),
            build_step=True,
        )
    )


def _is_requirement_source(source: str, service: Service) -> bool:
    """A requirements file the split read (not a pyproject.toml: a later ``pip install .``
    may need it)."""
    candidate = service.context / source.lstrip("/")
    return candidate in service.requirement_files and candidate.suffix in {".txt", ".in"}


def _drop_venv_copy(
    instruction: Instruction,
    dockerfile: Dockerfile,
    stage: Stage,
    known: frozenset[str],
    state: _State,
) -> None:
    """Drop ``COPY --from=<stage>`` of the Python environment a builder stage installed
    (the base images and the service's own layer install it); refuse any other copy."""
    line = instruction.position.line
    venvs: set[str] = {"/root/.local", "/usr/local"}
    installs = False
    for ancestor in stage_chain(dockerfile, stage):
        for step in ancestor.instructions:
            if step.keyword == "ENV" and (venv := assignments(step).get("VIRTUAL_ENV")):
                venvs.add(venv)
            if step.keyword != "RUN":
                continue
            commands = split_commands(step.shell_text)
            for command in commands:
                if _command_kind(command, step.position.line) == "apt":
                    for package in apt_installs(command):
                        if (
                            is_build_tool(package_name(package))
                            and package not in state.build_tools
                        ):
                            state.build_tools.append(package)
                elif pip_argv(command) is not None:
                    role = _pip_role(step, command, known, step.position.line)
                    if role.kind == "other":
                        raise _Unsupported(
                            f"the stage {stage.name or stage.index} "
                            "installs packages besides the requirement files (`"
                            f"{' '.join(command.argv[:4])} ...`), which the bases do not",
                            step.position.line,
                        )
                    if role.kind == "requirements":
                        installs = True
                        state.pip_options.extend(role.options)
                    venvs.update(role.destinations)
                elif _VENV_MAKERS.match(command.name) and "venv" in command.argv:
                    venvs.update(a for a in command.argv[1:] if a.startswith("/"))
    sources = [s.rstrip("/") or "/" for s in instruction.args[:-1]]
    if not installs or not all(
        "site-packages" in s or any(s == v or s.startswith(v + "/") for v in venvs) for s in sources
    ):
        raise _Unsupported(
            f"copies {' '.join(sources)} from the stage "
            f"{stage.name or stage.index}, which is not a Python environment plan rebuilds",
            line,
        )
    destination = instruction.args[-1].rstrip("/") or "/"
    if destination != VENV and destination.startswith("/"):
        state.dropped_paths.append(destination)
    state.parts.append(
        _Part(
            (
                f"# jettison: plan:venv drops {_short(instruction)}: the base images and the "
                "service's own layer install its requirements",
            ),
            slot="own",
            build_step=True,
        )
    )


def _healthcheck_commands(instruction: Instruction) -> list[Command]:
    if not instruction.args or instruction.args[0].upper() != "CMD":
        return []
    rest = instruction.args[1:]
    if instruction.json:
        return [Command(tuple(rest))]
    return split_commands(" ".join(rest))


_URL = re.compile(r"(https?)://[^/\s:'\"]+(?::(\d+))?(/[^\s'\"]*)?")


def _replace_healthcheck(instruction: Instruction, service: Service) -> tuple[str, ...] | None:
    """A curl/wget health check, redone with Python (slim images have no curl): the same
    URL's port and path when it names one, else the service's."""
    commands = _healthcheck_commands(instruction)
    if not any(c.name in _HEALTH_CLIENTS for c in commands):
        return None
    port, path = service.port, service.health_path
    url = _URL.search(" ".join(instruction.args[1:]))
    if url is not None:
        scheme, number, found = url.groups()
        port = int(number) if number else (443 if scheme == "https" else 80)
        path = (found or "/") if scheme == "http" else None  # https: no certificate for 127.0.0.1
    if port is None:
        return None
    return (
        f"# jettison: JT605 {_short(instruction)}: the same check with the image's Python",
        _healthcheck(port, path, instruction.flags),
    )


def _healthcheck(port: int, path: str | None, flags: Sequence[str]) -> str:
    options = " ".join(flags) or "--interval=30s --timeout=5s --start-period=30s --retries=3"
    if path is not None and _SAFE_PATH.match(path):
        probe = (
            "import urllib.request; "
            f"urllib.request.urlopen('http://127.0.0.1:{port}{path}', timeout=4)"
        )
    else:
        # A TCP connect, as `jettison fix` writes it: no guess at a health path.
        probe = f"import socket; socket.create_connection(('127.0.0.1', {port}), 4).close()"
    return f'HEALTHCHECK {options} CMD ["python", "-c", "{probe}"]'


def _source(instruction: Instruction, dockerfile: Dockerfile | None) -> tuple[str, ...]:
    """The instruction as written in the file (continuation lines kept), else as parsed."""
    if dockerfile is not None and dockerfile.lines:
        start = instruction.position.line
        end = instruction.position.end_line or start
        lines = dockerfile.lines[start - 1 : end]
        if lines and lines[0].lstrip().upper().startswith(instruction.keyword):
            return tuple(lines)
    return (instruction.original,)


def _short(instruction: Instruction, width: int = 60) -> str:
    """``line 12 `RUN pip install -r requirements.txt``` for comments."""
    text = " ".join(instruction.original.split())
    if len(text) > width:
        text = text[: width - 3] + "..."
    return f"line {instruction.position.line} `{text}`"


# -- rendering ------------------------------------------------------------------------------


def _normal(path: Path) -> Path:
    """``path`` absolute, ``..`` resolved lexically (``root/../x`` is not inside root)."""
    return Path(os.path.normpath(path.absolute()))


def _out_relative(root: Path, out_dir: Path) -> PurePosixPath:
    root, out_dir = _normal(root), _normal(out_dir)
    if not out_dir.is_relative_to(root) or out_dir == root:
        raise ConfigError(
            f"{out_dir}: not a folder inside {root}",
            hint="the plan's images are built with the repository root as context: give "
            "--out a folder inside it (default: jettison-plan/)",
        )
    return PurePosixPath(out_dir.relative_to(root).as_posix())


def _relative(path: Path, root: Path) -> str:
    return Path(os.path.relpath(path, root)).as_posix()


def _safe_name(name: str) -> str:
    """A service name as a path component and an image name (lower case, ``[a-z0-9._-]``);
    a name that had to change gets a short hash of itself, so two names never meet."""
    cleaned = name_component(name, "service")
    if cleaned == name:
        return name
    return f"{cleaned}-{hashlib.sha256(name.encode()).hexdigest()[:6]}"


def _comment(text: str) -> list[str]:
    return textwrap.wrap(text, width=96, initial_indent="# ", subsequent_indent="# ")


def _pin_lines(pins: Iterable[Pin]) -> list[str]:
    """Pins as written; a line the split joined with newlines gets its continuations back."""
    out = []
    for pin in pins:
        parts = [p.strip() for p in pin.line.split("\n") if p.strip()]
        out.append(" \\\n    ".join(p.removesuffix("\\").rstrip() for p in parts))
    return out


def _requirement_files(
    split: Split, groups: dict[str, Group], planned: dict[str, _Replay]
) -> list[tuple[str, str]]:
    files: list[tuple[str, str]] = []
    options = list(split.options)
    base = groups.get(BASE_GROUP)
    base_services = sorted(planned)
    header = _comment(
        "requirements/base.txt, generated by `jettison plan`: the shared base image installs "
        "these, once, for every planned service"
        + (f" ({', '.join(base_services)})." if base_services else ".")
    )
    if base is not None and base.reason:
        header += _comment(base.reason)
    files.append(
        ("requirements/base.txt", _text(header, options, _pin_lines(base.pins if base else ())))
    )
    for group in groups.values():
        if group.name == BASE_GROUP:
            continue
        users = sorted(n for n, r in planned.items() if r.plan.base_group == group.name)
        header = _comment(
            f"requirements/{group.name}.txt, generated by `jettison plan`: the `{group.name}` "
            "base image installs these on top of base, for the services that need them"
            + (
                f" ({', '.join(users)})."
                if users
                else ". Not installed yet: those services keep their original Dockerfile."
            )
        )
        if group.reason:
            header += _comment(group.reason)
        files.append(
            (f"requirements/{group.name}.txt", _text(header, options, _pin_lines(group.pins)))
        )
    for plan in sorted(split.services, key=lambda p: p.service):
        if not plan.own:
            continue
        name = _safe_name(plan.service)
        if plan.service in planned:
            text = (
                f"requirements/services/{name}.txt, generated by `jettison plan`: only "
                f"{plan.service} installs these, in its own layer on its "
                f"`{planned[plan.service].chain.base_name(_base_group(plan, groups))}` base "
                "image."
            )
        else:
            text = (
                f"requirements/services/{name}.txt, generated by `jettison plan`: what "
                f"{plan.service} needs besides its base images. Not installed yet: the "
                "service keeps its original Dockerfile (see the plan's problems)."
            )
        files.append(
            (
                f"requirements/services/{name}.txt",
                _text(_comment(text), options, _pin_lines(plan.own)),
            )
        )
    dev = _comment(
        "requirements/dev.txt, generated by `jettison plan`: no image installs this file. "
        "`pip install -r requirements/dev.txt` gives a developer the shared requirements "
        "and the development tools and unused packages no service needs, each with why."
    )
    lines = ["-r base.txt"]
    lines.extend(f"-r {g.name}.txt" for g in groups.values() if g.name != BASE_GROUP)
    for pin, dropped in split.dev:
        why = f"{dropped.reason}: {dropped.detail}" if dropped.detail else dropped.reason
        lines.extend(_comment(why))
        lines.extend(_pin_lines([pin]))
    files.append(("requirements/dev.txt", _text(dev, [], lines)))
    return files


def _copy_line(source: str, destination: str) -> str:
    """``COPY a b``; the JSON form when a path has a space (an --out folder may)."""
    if any(c.isspace() for c in source + destination):
        return f"COPY {json.dumps([source, destination])}"
    return f"COPY {source} {destination}"


def _text(header: Sequence[str], options: Sequence[str], lines: Sequence[str]) -> str:
    return "\n".join([*header, *options, *lines]) + "\n"


def _apt_install(packages: Sequence[str], *, noninteractive: bool) -> str:
    frontend = "DEBIAN_FRONTEND=noninteractive " if noninteractive else ""
    return (
        "RUN apt-get update \\\n"
        f"    && {frontend}apt-get install -y --no-install-recommends {' '.join(packages)} \\\n"
        "    && rm -rf /var/lib/apt/lists/*"
    )


def _pip_install(
    file: str, options: Sequence[str], build_tools: Sequence[str], *, noninteractive: bool
) -> list[str]:
    """The RUN that installs one requirements file; with build tools, they are installed for
    the build and purged in the same layer, so none of them ships."""
    opts = "".join(f" {o}" for o in options)
    pip = f"pip install --no-compile{opts} -r {file}"
    if not build_tools:
        return [f"RUN {pip}"]
    tools = " ".join(build_tools)
    frontend = "DEBIAN_FRONTEND=noninteractive " if noninteractive else ""
    return [
        f"# jettison: JT401 build tools only while pip builds, purged in the same layer: {tools}",
        "RUN apt-get update \\\n"
        f"    && {frontend}apt-get install -y --no-install-recommends {tools} \\\n"
        f"    && {pip} \\\n"
        f"    && apt-get purge -y --auto-remove {tools} \\\n"
        "    && rm -rf /var/lib/apt/lists/*",
    ]


def _chain_options(replays: Sequence[_Replay]) -> list[str]:
    return list(dict.fromkeys(o for r in replays for o in r.pip_options))


def _chain_tools(replays: Sequence[_Replay]) -> list[str]:
    return list(dict.fromkeys(t for r in replays for t in r.build_tools))


def _base_dockerfile(
    chain: _Chain,
    group: Group | None,
    group_name: str,
    *,
    out_rel: PurePosixPath,
    parent: str | None,
    replays: Sequence[_Replay],
) -> str:
    services = ", ".join(r.service.name for r in replays)
    name = chain.base_name(group_name)
    out = _comment(
        f"Shared base image `{name}` generated by `jettison plan`: "
        + (
            "the Python environment and the requirements most services need, installed "
            "once so every service image shares these layers."
            if parent is None
            else f"base plus the `{group_name}` requirements, for the services that need them."
        )
        + f" Services built on it: {services}."
    )
    noninteractive = chain.kind != "cpu"
    if parent is not None:
        out.append(f"# jettison: plan:base on the shared base image {parent}")
        out.append(f"FROM {parent}")
    else:
        if chain.kind == "cpu":
            if chain.image != chain.origin:
                out.append(
                    f"# jettison: JT201 on {chain.image}, the slim variant of the services' "
                    f"most common base {chain.origin}: no compilers, headers or VCS tools"
                )
            else:
                out.append(f"# jettison: plan:base on the services' most common base {chain.image}")
        else:
            out.append(
                f"# jettison: JT202 on {chain.image}, the CUDA runtime (no compiler or headers) "
                "of the GPU services' base"
            )
        out.append(f"FROM {chain.image}")
        out.append(_ENV_LINE)
        python = "python"
        venv_flags = ""
        if chain.kind == "cuda":
            out.append("# jettison: plan:python the CUDA image has no Python: Ubuntu's python3")
            out.append(_apt_install(["python3", "python3-venv"], noninteractive=True))
            python = "python3"
        elif chain.kind == "pytorch":
            out.append(
                "# jettison: JT307 the virtualenv sees the image's own torch (no second copy)"
            )
            python = CONDA_PYTHON
            venv_flags = " --system-site-packages"
        out.append(f"# jettison: JT601 an unprivileged user `{APP_USER}` for the services")
        out.append(
            "# jettison: removable:bytecode the venv without the bytecode ensurepip compiles "
            "for pip"
        )
        out.append(
            f"RUN useradd --create-home --uid {APP_UID} {APP_USER} \\\n"
            f"    && {python} -m venv{venv_flags} {VENV} \\\n"
            f"    && find {VENV} -depth -type d -name __pycache__ -exec rm -rf {{}} +"
        )
    pins = group.pins if group is not None else ()
    if pins:
        file = f"{REQUIREMENTS_IN_IMAGE}/{group_name}.txt"
        out.append(_copy_line(f"{out_rel}/requirements/{group_name}.txt", file))
        out.extend(
            _pip_install(
                file, _chain_options(replays), _chain_tools(replays), noninteractive=noninteractive
            )
        )
    return "\n".join(out) + "\n"


def _base_ignore(out_rel: PurePosixPath) -> str:
    """A base image reads only the requirement files from the repository."""
    return (
        "# Generated by `jettison plan`: the base image only copies the requirement files.\n"
        f"*\n!{out_rel}/requirements\n"
    )


def _service_ignore(replay: _Replay, root: Path, out_rel: PurePosixPath) -> str:
    """The service's own ignore patterns, rebased to the root, so the same files stay out
    of its image; plus the plan's requirement files, which its Dockerfile copies."""
    service = replay.service
    lines = _comment(
        "Generated by `jettison plan`: the ignore patterns of the service's own build "
        "context, from the repository root, so the same files stay out of its image."
    )
    found = dockerignore_path(service.dockerfile, service.context)
    context_rel = service.context.relative_to(root).as_posix()
    if found is not None:
        lines.append(f"# from {_relative(found, root)}")
        for pattern in read_dockerignore(found):
            negated = pattern.startswith("!")
            body = pattern[1:] if negated else pattern
            body = body.lstrip("/")
            if context_rel != ".":
                body = f"{context_rel}/{body}"
            lines.append(("!" if negated else "") + body)
    lines.append(f"!{out_rel}/requirements")
    return "\n".join(lines) + "\n"


def _service_dockerfile(replay: _Replay, root: Path, out_rel: PurePosixPath, base_tag: str) -> str:
    service = replay.service
    dockerfile = service.parsed
    assert dockerfile is not None
    plan = replay.plan
    noninteractive = replay.chain.kind != "cpu"
    out = _comment(
        f"Service `{service.name}` generated by `jettison plan` from "
        f"{_relative(service.dockerfile, root)} (context "
        f"{_relative(service.context, root)}): the image it ships, replayed on a shared base "
        "image."
    )
    out.append("# Every change is a `# jettison: CODE what` comment above it.")
    out.extend(i.original for i in dockerfile.global_args)
    out.append(f"# jettison: plan:base on the shared base image {base_tag}")
    out.append(f"FROM {base_tag}")
    own_lines: list[str] = []
    if plan.own:
        file = f"{REQUIREMENTS_IN_IMAGE}/services/{_safe_name(service.name)}.txt"
        own_lines.append(
            _copy_line(f"{out_rel}/requirements/services/{_safe_name(service.name)}.txt", file)
        )
        own_lines.extend(
            _pip_install(
                file, replay.pip_options, replay.build_tools, noninteractive=noninteractive
            )
        )
    elif replay.build_tools:
        own_lines.append(
            f"# jettison: JT401 build tools not installed: {' '.join(replay.build_tools)}"
        )
    apt_lines = [f"# jettison: {note}" for note in replay.apt_notes]
    if replay.apt_runtime:
        apt_lines.append(_apt_install(replay.apt_runtime, noninteractive=noninteractive))
    parts = list(replay.parts)
    if not any(p.slot == "own" for p in parts) and own_lines:
        parts.insert(0, _Part(slot="own", build_step=True))
    # USER app after the last build step (at the end when there is none)
    last_step = max((n for n, p in enumerate(parts) if p.build_step), default=len(parts) - 1)
    user_lines = [
        f"# jettison: JT601 the unprivileged user `{APP_USER}` runs the service",
        f"USER {APP_USER}",
    ]
    own_done = False
    for index, part in enumerate(parts):
        out.extend(part.lines)
        if part.slot == "own" and not own_done:
            out.extend(
                own_lines or ["# jettison: plan:requirements its base images install all it needs"]
            )
            own_done = True
        elif part.slot == "apt":
            out.extend(apt_lines)
        if index == last_step and replay.add_user:
            out.extend(user_lines)
    if not parts and replay.add_user:
        out.extend(user_lines)
    if replay.healthcheck is not None:
        port = service.port
        what = "answers on" if service.health_path else "accepts connections on"
        where = f"{service.health_path} at port {port}" if service.health_path else f"port {port}"
        out.append(f"# jettison: JT605 HEALTHCHECK: the service {what} {where}")
        out.append(replay.healthcheck)
    return "\n".join(out) + "\n"


def _build_script(steps: Sequence[BuildStep], root: Path, out_rel: PurePosixPath) -> str:
    up = "/".join([".."] * len(out_rel.parts))
    lines = [
        "#!/usr/bin/env bash",
        "# Generated by `jettison plan`: builds the shared base images (parents before",
        "# children), then every service. BUILDER=docker|podman|buildah (default docker);",
        "# arguments are passed to every build (./build.sh --pull=never -v CA:/run/ca.crt:ro).",
        "set -euo pipefail",
        "BUILDER=${BUILDER:-docker}",
        "# buildah and podman write OCI images unless told otherwise, and OCI images have no",
        "# HEALTHCHECK: ask them for Docker's format.",
        "FORMAT=()",
        'case "$(basename "$BUILDER")" in buildah | podman) FORMAT=(--format docker) ;; esac',
        f'cd "$(dirname "$0")/{up}"',
    ]
    for step in steps:
        lines.append(
            f'"$BUILDER" build ${{FORMAT[@]+"${{FORMAT[@]}}"}} "$@" -t {shlex.quote(step.tag)} '
            f"-f {shlex.quote(_relative(step.dockerfile, root))} "
            f"{shlex.quote(_relative(step.context, root))}"
        )
    return "\n".join(lines) + "\n"


# -- writing --------------------------------------------------------------------------------


def _check_inside_context(generated: Generated) -> None:
    """The generated images copy from ``out_dir`` with their context: it must be inside."""
    out_dir = generated.out_dir
    for step in generated.build_order:
        if step.service in generated.kept_original:
            continue  # built from its own Dockerfile and context, as before
        context = _normal(step.context)
        if not _normal(out_dir).is_relative_to(context) or _normal(out_dir) == context:
            raise ConfigError(
                f"{out_dir}: not a folder inside the build context {step.context}",
                hint="give --out a folder inside the repository (default: jettison-plan/)",
            )


def _check_relative(relative: str) -> None:
    path = PurePosixPath(relative)
    if path.is_absolute() or ".." in path.parts or not path.parts or relative == MARKER:
        raise ConfigError(f"{relative}: not a file path plan may write under its folder")


def _read_marker(out_dir: Path) -> frozenset[str] | None:
    """The files a previous plan wrote in ``out_dir``, None when it did not write it."""
    marker = out_dir / MARKER
    if marker.is_symlink() or not marker.is_file():
        return None
    try:
        data = json.loads(marker.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("generator") != "jettison plan":
        return None
    files = data.get("files")
    if not isinstance(files, list):
        return None
    out = set()
    for item in files:
        if isinstance(item, str):
            path = PurePosixPath(item)
            if item and not path.is_absolute() and ".." not in path.parts:
                out.add(item)
    return frozenset(out)


def _marker_text(files: Iterable[str]) -> str:
    return json.dumps({"generator": "jettison plan", "files": sorted(files)}, indent=2) + "\n"


def _put(directory: Path, relative: str, text: str) -> None:
    target = directory / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    if relative.endswith(".sh"):
        target.chmod(0o755)


def _write_fresh(out_dir: Path, files: dict[str, str]) -> None:
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.tmp-", dir=out_dir.parent))
    try:
        for relative, text in files.items():
            _put(stage, relative, text)
        _put(stage, MARKER, _marker_text(files))
        stage.chmod(0o755)
        if out_dir.exists():
            out_dir.rmdir()  # empty (checked): the rename needs the name free
        stage.rename(out_dir)
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise


def _inside(out_dir: Path, relative: str) -> Path:
    """``out_dir/relative``, refusing paths that leave ``out_dir`` through a symlink."""
    target = out_dir / relative
    real = out_dir.resolve()
    parent = target.parent.resolve()
    if not parent.is_relative_to(real) or target.is_symlink():
        raise ConfigError(
            f"{target}: leads outside {out_dir} (a symbolic link)",
            hint="remove the link or give --out a new folder",
        )
    return target


def _write_over(out_dir: Path, files: dict[str, str], previous: frozenset[str]) -> None:
    """Replace a previous plan's files; a user's file at a generated path is a refusal."""
    for relative in files:
        target = _inside(out_dir, relative)
        if target.exists() and relative not in previous:
            raise ConfigError(
                f"{target}: not written by jettison plan; --force would overwrite it",
                hint="move the file away, or give --out a new folder",
            )
        if target.exists() and not target.is_file():
            raise ConfigError(f"{target}: not a regular file", hint="move it away first")
    stale = [r for r in sorted(previous - set(files)) if (out_dir / r).is_file()]
    for relative in stale:
        _inside(out_dir, relative)
    stage = Path(tempfile.mkdtemp(prefix=".jettison-plan.tmp-", dir=out_dir))
    try:
        for relative, text in files.items():
            _put(stage, relative, text)
        for relative in files:
            target = out_dir / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            (stage / relative).replace(target)
        for relative in stale:
            (out_dir / relative).unlink()
            _remove_empty_parents(out_dir, out_dir / relative)
        _put(stage, MARKER, _marker_text(files))
        (stage / MARKER).replace(out_dir / MARKER)
    finally:
        shutil.rmtree(stage, ignore_errors=True)


def _remove_empty_parents(out_dir: Path, path: Path) -> None:
    parent = path.parent
    while parent != out_dir and parent.is_relative_to(out_dir):
        try:
            parent.rmdir()
        except OSError:
            return
        parent = parent.parent
