"""Which service Dockerfiles a plan can replay on a shared base image, and how: the
analysis behind :mod:`jettison.plan.generate` (no text of its own beyond the lines it keeps
from the original Dockerfiles).

A service's Dockerfile is replayed instruction by instruction, the image it ships (the final
stage and the stages it is built ``FROM``) on top of its base image: ``RUN`` lines are
sorted into apt, pip and other commands (:mod:`jettison.dockerfile.commands`), ``COPY``
sources rebased to the repository root, a builder stage's virtualenv copy dropped (the bases
install it), a curl/wget health check redone with Python.

A Dockerfile this cannot replay safely (a ``RUN`` that mixes pip with other commands, a stage
copied from that is not a virtualenv, ``COPY . .`` of a context that is not the service's
own folder...) keeps its original Dockerfile: :func:`rewrite_problems` says why.

Base images: ``base`` starts from the slim variant of the services' most common python
image (a service on another Python keeps its Dockerfile: its pins may have no wheels for the
base's); a family base (``ml``, ``pdf``...) starts from ``base``. Only the bases some planned
service is built on are generated. A service whose final image runs on a CUDA image
(``nvidia/cuda`` on Ubuntu, ``pytorch/pytorch``) stays out of the CPU chain: its own chain
starts ``FROM`` the ``-runtime`` variant of that image (``gpu``, then ``gpu-<family>``; one
chain per CUDA image), with Ubuntu's python3 or the image's conda Python (whose torch the
virtualenv sees) under the same ``/opt/venv``.
"""

from __future__ import annotations

import json
import posixpath
import re
import shlex
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from jettison.dockerfile import writer
from jettison.dockerfile.commands.layers import layer_of
from jettison.dockerfile.commands.python import (
    PipInstall,
    PipOption,
    carried,
    handling,
    parse_install,
    pip_argv,
    venv_dirs,
)
from jettison.dockerfile.commands.system import (
    apt_installs,
    package_name,
)
from jettison.dockerfile.images import runtime_base
from jettison.dockerfile.model import Dockerfile, Instruction, Stage
from jettison.dockerfile.shell import Command, split_commands
from jettison.dockerfile.steps import Step, all_steps, assignments
from jettison.dockerfile.steps import chain as stage_chain
from jettison.dockerfile.writer import APP_UID, APP_USER, VENV
from jettison.facts.bases import is_cuda_base
from jettison.facts.system import (
    DEV_RUNTIME_LIBRARIES,
    PYTHON_PACKAGES,
    has_runtime_half,
    is_build_tool,
)
from jettison.fix.bases import (
    CUDA_REPOSITORIES,
    PYTORCH_REPOSITORY,
    CudaTag,
    runtime_variant,
    slim_variant,
)
from jettison.imageref import ImageRef, parse_image
from jettison.notices import Notice
from jettison.plan.discover import normal
from jettison.plan.model import (
    Discovery,
    Group,
    Service,
    ServicePlan,
    Split,
    problem,
)
from jettison.plan.pip_inputs import PipInput, Resolver, Unresolved, is_local

BASE_GROUP = "base"
"""The group every planned service's base image installs (a family base builds on it)."""
_SLIM_MISSING = ("curl", "wget", "git")
"""Tools the full python:X image has and its slim variant lacks: a kept RUN that calls one
gets it installed, as the original image had it."""
_HEALTH_CLIENTS = frozenset({"curl", "wget"})
_GLOB = re.compile(r"[*?[]")
_USER_TOOLS = frozenset({"useradd", "adduser", "groupadd", "addgroup"})
_PIP_TOOLING = frozenset({"pip", "setuptools", "wheel"})


# -- results of the analysis ----------------------------------------------------------------


@dataclass(frozen=True)
class Chain:
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
class Part:
    """Lines of a service Dockerfile, or a slot filled when rendering (``own``, ``apt``)."""

    lines: tuple[str, ...] = ()
    slot: Literal["own", "apt", None] = None
    build_step: bool = False
    """A RUN/COPY/ADD/WORKDIR: ``USER app`` goes after the last one."""
    copied: tuple[Path, ...] = ()
    """A local ``COPY``'s sources in the repository (to drop it when pip alone read them)."""
    what: str = ""
    """The instruction, as comments name it."""


@dataclass(frozen=True)
class Replay:
    """How a service's Dockerfile is replayed on its base image (all but the paths)."""

    service: Service
    plan: ServicePlan
    chain: Chain
    parts: tuple[Part, ...]
    apt_runtime: tuple[str, ...]
    apt_notes: tuple[str, ...]
    build_tools: tuple[str, ...]
    pip_options: tuple[str, ...]
    pip_inputs: tuple[PipInput, ...]
    """Repository paths its pip options name (mounted while the installs run)."""
    index: str
    """Where its requirements come from: :data:`DEFAULT_INDEX`, an index URL, :data:`NO_INDEX`."""
    healthcheck: str | None
    """A HEALTHCHECK to add at the end (the original has none, the port is known)."""
    add_user: bool


@dataclass(frozen=True)
class Analysis:
    chains: tuple[Chain, ...]
    replays: tuple[Replay, ...]
    kept: tuple[Service, ...]
    problems: tuple[Notice, ...]


class _Unsupported(Exception):
    """The service's Dockerfile cannot be replayed safely; carries the Notice's text."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.line = line


def rewrite_problems(discovery: Discovery, split: Split) -> tuple[Notice, ...]:
    """Why each service in :attr:`Generated.kept_original` keeps its original Dockerfile
    (``unsupported-dockerfile`` warnings), for the same inputs as :func:`generate`."""
    return analyse(discovery, split).problems


# -- analysis -------------------------------------------------------------------------------


def analyse(discovery: Discovery, split: Split) -> Analysis:
    plans = {p.service: p for p in split.services}
    candidates: list[tuple[Service, ServicePlan, ImageRef, bool]] = []
    problems: list[Notice] = []
    kept: list[Service] = []

    def keep(service: Service, message: str, line: int | None = None) -> None:
        kept.append(service)
        problems.append(
            problem(
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
        probe = Chain(key="", image="", kind="cuda" if cuda else "cpu", origin="")
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
    replays: list[Replay] = []
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
    agreeing: list[Replay] = []
    for replay, chosen in _index_choices(replays):
        if chosen is None:
            agreeing.append(replay)
            continue
        keep(
            replay.service,
            f"its requirements come from {replay.index}, and the other services on the "
            f"shared base {replay.chain.image} install theirs from {chosen}",
        )
    replays = agreeing
    used = {r.chain.key for r in replays}
    chains = [c for c in (cpu, *gpu_chains.values()) if c is not None and c.key in used]
    return Analysis(
        chains=tuple(chains),
        replays=tuple(sorted(replays, key=lambda r: r.service.name)),
        kept=tuple(sorted(kept, key=lambda s: s.name)),
        problems=tuple(sorted(problems, key=lambda p: (p.subject or "", p.line or 0))),
    )


def _index_choices(replays: Sequence[Replay]) -> list[tuple[Replay, str | None]]:
    """Each replay with None when it may share its chain's bases, else the index the
    chain's bases install from: the one most of its services use (PyPI on a tie), since a
    base installs everything it holds from one index."""
    chosen: dict[str, str] = {}
    for key in dict.fromkeys(r.chain.key for r in replays):
        counts = Counter(r.index for r in replays if r.chain.key == key)
        chosen[key] = max(counts, key=lambda i: (counts[i], i == DEFAULT_INDEX, i))
    return [(r, None if r.index == chosen[r.chain.key] else chosen[r.chain.key]) for r in replays]


def _python_version(ref: ImageRef) -> str | None:
    """``3.11`` for ``python:3.11.9-slim``; None for ``latest``, ``slim``..."""
    first = ref.tag_parts[0] if ref.tag_parts else ""
    if not re.fullmatch(r"\d+(?:\.\d+)*", first):
        return None
    return ".".join(first.split(".")[:2])


def _is_debian_python(ref: ImageRef) -> bool:
    return ref.repository == "python" and not {"alpine", "windowsservercore"} & set(ref.tag_parts)


def _cpu_chain(refs: Iterable[ImageRef]) -> Chain | None:
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
    return Chain(key=BASE_GROUP, image=image, kind="cpu", origin=origin[image])


def _cpu_refusal(ref: ImageRef, cpu: Chain | None) -> str | None:
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


def _gpu_chain(image: str, key: str) -> Chain:
    ref = parse_image(image)
    assert ref is not None
    found = _gpu_image(ref)
    assert found is not None
    return Chain(key=key, image=image, kind=found[1], origin=image)


def groups_by_name(split: Split) -> dict[str, Group]:
    return {g.name: g for g in split.groups}


def base_group(plan: ServicePlan, groups: dict[str, Group]) -> str:
    return plan.base_group if plan.base_group in groups else BASE_GROUP


def uses(replay: Replay, chain: Chain, group: str, groups: dict[str, Group]) -> bool:
    """Whether ``replay``'s image is built on ``chain``'s base image of ``group``."""
    if replay.chain.key != chain.key:
        return False
    return group == BASE_GROUP or base_group(replay.plan, groups) == group


def chain_groups(chain: Chain, replays: Sequence[Replay], groups: dict[str, Group]) -> list[str]:
    """The groups ``chain`` needs a base image of: ``base``, then the services' families in
    the split's order."""
    wanted = {base_group(r.plan, groups) for r in replays if r.chain.key == chain.key}
    out = [BASE_GROUP]
    out.extend(g.name for g in groups.values() if g.name != BASE_GROUP and g.name in wanted)
    return out


# -- replaying a service's Dockerfile -------------------------------------------------------


@dataclass
class _State:
    """The walk over a service Dockerfile's instructions: what it reads and what it collects
    (private, mutable)."""

    dockerfile: Dockerfile
    service: Service
    root: Path
    known: frozenset[str]
    """File names a ``pip install -r`` may give for the requirement files the split read."""
    parts: list[Part] = field(default_factory=list)
    apt: list[str] = field(default_factory=list)
    build_tools: list[str] = field(default_factory=list)
    pip_options: list[str] = field(default_factory=list)
    pip_inputs: list[PipInput] = field(default_factory=list)
    indexes: list[tuple[str, int]] = field(default_factory=list)
    """Where each requirements install gets its packages (:data:`DEFAULT_INDEX`, a URL,
    :data:`NO_INDEX`), with the install's line."""
    step_of: dict[int, Step] = field(default_factory=dict)
    """Each instruction's step (working directory, environment), by ``id``."""
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
    chain: Chain,
    ref: ImageRef,
    root: Path,
) -> Replay:
    dockerfile = service.parsed
    assert dockerfile is not None
    stages = list(reversed(dockerfile.runtime_stages()))
    known = _requirement_names(dockerfile, service)
    state = _State(dockerfile, service, root, known)
    state.step_of = {id(step.instruction): step for step in all_steps(dockerfile)}
    for stage in stages:
        for instruction in stage.instructions:
            _replay_instruction(instruction, state)
    _check_dropped_paths(stages, state.dropped_paths)
    state.parts = _without_pip_input_copies(state.parts, state)
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
        healthcheck = writer.healthcheck(service.port, service.health_path)
    return Replay(
        service=service,
        plan=plan,
        chain=chain,
        parts=tuple(parts),
        apt_runtime=tuple(runtime),
        apt_notes=tuple(apt_notes),
        build_tools=tuple(state.build_tools),
        pip_options=tuple(dict.fromkeys(state.pip_options)),
        pip_inputs=tuple(sorted(set(state.pip_inputs))),
        index=_one_index(state.indexes),
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


def _place_apt(parts: list[Part], *, runtime: bool, notes: bool, up: bool) -> list[Part]:
    """Put the one apt layer where the original first installed packages (before the first
    RUN when a RUN needs a tool the slim image lacks); the other apt RUNs leave a comment."""
    slots = [n for n, p in enumerate(parts) if p.slot == "apt"]
    runs = [n for n, p in enumerate(parts) if p.slot is None and p.build_step and _is_run(p)]
    if not slots and not (runtime or notes):
        return parts
    at = slots[0] if slots else 0
    if up and runs and runs[0] < at:
        at = runs[0]
    out: list[Part] = []
    for index, part in enumerate(parts):
        if index == at and (not slots or index != slots[0]):
            out.append(Part(slot="apt", build_step=runtime))
        if part.slot != "apt":
            out.append(part)
            continue
        (what,) = part.lines
        if not runtime:
            text = writer.change("plan:apt", f"{what}: nothing left to install at run time")
        elif index == slots[0] and index == at:
            text = writer.change("JT101 JT102", f"{what}: one apt layer, no recommended packages")
        else:
            text = writer.change("JT101 JT102", f"{what}: in the one apt layer")
        here = index == at
        out.append(Part((text,), slot="apt" if here else None, build_step=here and runtime))
    if at == len(parts):
        out.append(Part(slot="apt", build_step=runtime))
    return out


def _is_run(part: Part) -> bool:
    return any(line[:4].upper() == "RUN " for line in part.lines)


def _replay_instruction(instruction: Instruction, state: _State) -> None:
    dockerfile, service = state.dockerfile, state.service
    keyword = instruction.keyword
    line = instruction.position.line
    if keyword == "RUN":
        _replay_run(instruction, state)
    elif keyword in {"COPY", "ADD"}:
        _replay_copy(instruction, state)
    elif keyword == "HEALTHCHECK":
        state.has_healthcheck = True
        replaced = _replace_healthcheck(instruction, service)
        if replaced is None:
            state.uses.update(c.name for c in _healthcheck_commands(instruction))
            state.parts.append(Part(_source(instruction, dockerfile)))
        else:
            state.health_replaced = True
            state.parts.append(Part(replaced))
    elif keyword == "USER":
        state.has_user = True
        state.parts.append(Part(_source(instruction, dockerfile)))
    elif keyword in {"CMD", "ENTRYPOINT"}:
        commands = (
            [Command(instruction.args)]
            if instruction.json
            else split_commands(instruction.shell_text)
        )
        state.uses.update(c.name for c in commands)
        state.parts.append(Part(_source(instruction, dockerfile)))
    elif keyword == "ONBUILD":
        raise _Unsupported("ONBUILD runs in images built later", line)
    else:
        state.parts.append(Part(_source(instruction, dockerfile), build_step=keyword == "WORKDIR"))


def _replay_run(instruction: Instruction, state: _State) -> None:
    dockerfile = state.dockerfile
    line = instruction.position.line
    commands = (
        [Command(instruction.args)] if instruction.json else split_commands(instruction.shell_text)
    )
    kinds = [_command_kind(c, line) for c in commands]
    _check_user_commands(commands, line)
    if not commands or set(kinds) == {"other"}:
        state.uses.update(c.name for c in commands)
        state.parts.append(Part(_source(instruction, dockerfile), build_step=True))
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
        state.parts.append(Part((_short(instruction),), slot="apt"))
        return
    if set(kinds) == {"pip"}:
        _replay_pip(instruction, commands, segments, state)
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
    state.parts.append(Part((_short(instruction),), slot="apt"))
    state.uses.update(c.name for c in commands[first_other:])
    state.parts.append(
        Part(
            (
                writer.change("plan:run", "the commands after apt, as written"),
                writer.run(segments[first_other:]),
            ),
            build_step=True,
        )
    )


def _replay_pip(
    instruction: Instruction,
    commands: Sequence[Command],
    segments: Sequence[str] | None,
    state: _State,
) -> None:
    dockerfile = state.dockerfile
    line = instruction.position.line
    roles = [_pip_role(instruction, c, state) for c in commands]
    for role in roles:
        if role.kind == "requirements":
            _add_install(role, state, line)
    others = [n for n, r in enumerate(roles) if r.kind == "other"]
    if others and len(others) < len(roles) and (segments is None or len(segments) != len(commands)):
        raise _Unsupported(
            "one RUN installs requirement files and other packages in a "
            "way plan cannot split (only `&&` chains)",
            line,
        )
    if any(r.kind == "requirements" for r in roles):
        state.parts.append(
            Part(
                (writer.change("plan:requirements", f"replaces {_short(instruction)}"),),
                slot="own",
                build_step=True,
            )
        )
    elif not others:
        state.parts.append(
            Part(
                (
                    writer.change(
                        "plan:requirements", f"the base image has pip: {_short(instruction)}"
                    ),
                )
            )
        )
    if others and len(others) == len(roles):
        state.parts.append(Part(_source(instruction, dockerfile), build_step=True))
    elif others:
        assert segments is not None
        state.parts.append(
            Part(
                (
                    writer.change(
                        "plan:run", "the pip commands that install other packages, as written"
                    ),
                    writer.run([segments[n] for n in others]),
                ),
                build_step=True,
            )
        )


DEFAULT_INDEX = "PyPI"
""":attr:`Replay.index` of installs that name no index (pip's default, or its config's)."""
NO_INDEX = "no index (--no-index)"
""":attr:`Replay.index` of installs that read only their find-links folders."""


@dataclass(frozen=True)
class _PipRole:
    kind: Literal["requirements", "tooling", "other"]
    options: tuple[str, ...] = ()
    """Options carried onto the generated pip install (``--extra-index-url URL``...)."""
    inputs: tuple[PipInput, ...] = ()
    """Repository paths the carried options name (a wheel folder, a constraints file)."""
    index: str = DEFAULT_INDEX
    destinations: tuple[str, ...] = ()
    """``--prefix``/``--target``/``--root`` values (what a builder stage's COPY may copy)."""


def _add_install(role: _PipRole, state: _State, line: int) -> None:
    state.pip_options.extend(role.options)
    state.pip_inputs.extend(role.inputs)
    state.indexes.append((role.index, line))


def _pip_role(instruction: Instruction, command: Command, state: _State) -> _PipRole:
    """What a pip command does: install requirement files the split read, upgrade pip's
    own tooling, or anything else (kept as written)."""
    line = instruction.position.line
    install = parse_install(instruction, command)
    if install is None:
        return _PipRole("other")
    files = install.requirement_files
    positional = list(install.words)
    if files and positional:
        raise _Unsupported(
            f"one pip install names requirement files and packages "
            f"({' '.join(positional)}); give the packages their own pip install",
            line,
        )
    for file in files:
        if posixpath.basename(file) not in state.known:
            raise _Unsupported(
                f"pip installs {file}, a requirements file the plan did not read",
                line,
            )
    destinations = install.destinations
    if files:
        return _requirements_role(instruction, install, state)
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


def _requirements_role(instruction: Instruction, install: PipInstall, state: _State) -> _PipRole:
    """An install of requirement files: the options the generated installs carry, with the
    repository paths they name (found through the copies and mounts before the RUN)."""
    line = instruction.position.line
    step = state.step_of.get(id(instruction))
    resolver = (
        Resolver(state.dockerfile, step, state.service.context, state.root)
        if step is not None
        else None
    )
    options: list[str] = []
    inputs: list[PipInput] = []
    index = DEFAULT_INDEX
    for option in install.options:
        refusal = _refusal(option)
        if refusal is not None:
            raise _Unsupported(refusal, line)
        if option.name in {"-i", "--index-url"} and option.value is not None:
            index = option.value
            options.append(f"--index-url {shlex.quote(option.value)}")
        elif option.name == "--no-index":
            index = NO_INDEX
            options.append(option.name)
        elif is_local(option):
            if resolver is None:
                raise _Unsupported(f"pip option {option.written}: its path is unknown", line)
            try:
                found = resolver.option(option)
            except Unresolved as exc:
                raise _Unsupported(str(exc), line) from exc
            options.append(found.option)
            inputs.append(found.input)
        elif (kept := carried(option)) is not None:
            options.append(kept)
    if resolver is not None:
        for file in install.requirement_files:
            try:
                found_in_file = resolver.requirement_options(file)
            except Unresolved as exc:
                raise _Unsupported(str(exc), line) from exc
            options.extend(f.option for f in found_in_file)
            inputs.extend(f.input for f in found_in_file)
    return _PipRole(
        "requirements",
        tuple(dict.fromkeys(options)),
        tuple(dict.fromkeys(inputs)),
        index,
        install.destinations,
    )


def _refusal(option: PipOption) -> str | None:
    """Why plan cannot carry ``option`` onto the shared bases' install; None when it drops
    or carries it, or reads it itself."""
    if handling(option) == "unknown":
        return f"pip option {option.written} is not one plan can carry"
    if option.missing_value:
        return f"pip option {option.written} has no value"
    return None


def _one_index(indexes: Sequence[tuple[str, int]]) -> str:
    """The one index a service's requirement installs use (they must agree)."""
    first = indexes[0][0] if indexes else DEFAULT_INDEX
    for index, line in indexes:
        if index != first:
            raise _Unsupported(
                f"its pip installs read different indexes ({first}, then {index}); the plan "
                "installs a service's requirements from one",
                line,
            )
    return first


def _command_kind(command: Command, line: int) -> Literal["apt", "pip", "other"]:
    layer = layer_of(command)
    if layer == "unmovable-apt":
        raise _Unsupported(
            f"`{' '.join(command.argv[:3])}` is not an apt step plan can "
            "move (update, install, clean)",
            line,
        )
    if layer == "apt-source":
        raise _Unsupported(
            f"`{command.name}` sets up an apt source; the plan installs the apt packages in "
            "one layer before the other steps, where that source does not exist yet",
            line,
        )
    return layer


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


def _replay_copy(instruction: Instruction, state: _State) -> None:
    dockerfile, service, root = state.dockerfile, state.service, state.root
    line = instruction.position.line
    source_stage = instruction.flag("from")
    if source_stage is not None:
        stage = dockerfile.stage_ref(source_stage)
        if stage is None:  # an image: COPY --from=ghcr.io/... copies from it, as before
            state.parts.append(Part(_source(instruction, dockerfile), build_step=True))
            return
        _drop_venv_copy(instruction, stage, state)
        return
    if instruction.heredocs:
        state.parts.append(Part(_source(instruction, dockerfile), build_step=True))
        return
    sources, dest = list(instruction.args[:-1]), instruction.args[-1]
    if sources and all(_is_requirement_source(s, service) for s in sources):
        state.parts.append(
            Part((writer.change("plan:requirements", f"drops {_short(instruction)}"),))
        )
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
    copied = tuple(normal(service.context / s.lstrip("/")) for s in sources)
    if any("$" in s or "://" in s or _GLOB.search(s) for s in sources):
        copied = ()
    if rebased == sources:
        state.parts.append(
            Part(
                _source(instruction, dockerfile),
                build_step=True,
                copied=copied,
                what=_short(instruction),
            )
        )
        return
    state.rebased = True
    flags = " ".join(instruction.flags)
    words = [*rebased, dest]
    body = json.dumps(words) if instruction.json else " ".join(words)
    state.parts.append(
        Part(
            (
                writer.change(
                    "plan:context", f"{_short(instruction)}: sources from the repository root"
                ),
                f"{instruction.keyword} {flags + ' ' if flags else ''}{body}",
            ),
            build_step=True,
            copied=copied,
            what=_short(instruction),
        )
    )


def _without_pip_input_copies(parts: Sequence[Part], state: _State) -> list[Part]:
    """Parts without the ``COPY`` of what only the replaced pip installs read (a wheel
    folder, a constraints file, next to the requirement files): the generated installs
    mount it from the repository, so the image does not need its copy."""
    read = {normal(state.root / i.source) for i in state.pip_inputs}
    if not read:
        return list(parts)
    read.update(normal(p) for p in state.service.requirement_files)
    out: list[Part] = []
    for part in parts:
        if part.copied and set(part.copied) <= read:
            note = f"drops {part.what}: only pip read it, and the installs mount it now"
            out.append(Part((writer.change("plan:pip", note),)))
        else:
            out.append(part)
    return out


def _is_requirement_source(source: str, service: Service) -> bool:
    """A requirements file the split read (not a pyproject.toml: a later ``pip install .``
    may need it)."""
    candidate = service.context / source.lstrip("/")
    return candidate in service.requirement_files and candidate.suffix in {".txt", ".in"}


def _drop_venv_copy(instruction: Instruction, stage: Stage, state: _State) -> None:
    """Drop ``COPY --from=<stage>`` of the Python environment a builder stage installed
    (the base images and the service's own layer install it); refuse any other copy."""
    dockerfile = state.dockerfile
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
                    role = _pip_role(step, command, state)
                    if role.kind == "other":
                        raise _Unsupported(
                            f"the stage {stage.name or stage.index} "
                            "installs packages besides the requirement files (`"
                            f"{' '.join(command.argv[:4])} ...`), which the bases do not",
                            step.position.line,
                        )
                    if role.kind == "requirements":
                        installs = True
                        _add_install(role, state, line)
                    venvs.update(role.destinations)
                else:
                    venvs.update(d for d in venv_dirs(command) if d.startswith("/"))
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
        Part(
            (
                writer.change(
                    "plan:venv",
                    f"drops {_short(instruction)}: the base images and the "
                    "service's own layer install its requirements",
                ),
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
        writer.change("JT605", f"{_short(instruction)}: the same check with the image's Python"),
        writer.healthcheck(port, path, instruction.flags),
    )


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
