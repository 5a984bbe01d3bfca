"""Lint's requirement fixes, applied to the requirement files a plan writes, as ``fix``
applies them to the runtime requirements it writes (pure).

- **JT304**: ``opencv-python`` (``-contrib``) becomes its ``-headless`` build when no
  service installing the file calls an OpenCV window function; a service whose OpenCV is
  then headless everywhere does not install the GUI libraries (``libgl1``, ``libsm6``...)
  any more, unless it needs a package that loads OpenGL itself (:data:`OPENGL_USERS`).
- **JT305**: ``tensorflow`` becomes ``tensorflow-cpu`` when no service installing the file
  shows a GPU and they all install from PyPI.
- **JT302**: torch, torchvision and torchaudio pinned to one version (``==2.5.1``) become its
  CPU build (``==2.5.1+cpu``) from PyTorch's CPU index (``--extra-index-url``, which the
  file gets), when no service installing the file shows a GPU and they all install from
  PyPI (not a private index, not ``--no-index``). A pin of a range, or with ``--hash``
  values, is left as it is, and a notice says why. (``fix``'s restructure installs torch
  from that index in a pip step of its own; a file that several images install carries the
  choice itself instead, in the form JT302's message gives.)

"Shows a GPU" is lint's reading (:func:`jettison.lint.packages.gpu_in_code` on the code the
service ships, :func:`~jettison.lint.packages.gpu_in_dockerfile` on its ENV, LABEL, CMD
and ENTRYPOINT lines) plus the plan's own: a service on a CUDA chain. The renames are
``fix``'s (:func:`jettison.fix.requirements.rename_requirement`: the same table, line
rewriting and comment).

A file installs for the services whose images are built from it: ``base.txt`` for every
replayed service, a family's file for the services on that family's base, a service's own
file for that service. A file no image installs yet is written as the split made it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from jettison.dockerfile import writer
from jettison.facts.packages import HEADLESS_OPENCV, OPENGL_USERS, TORCH_CPU_INDEX, TORCH_FAMILY
from jettison.fix.requirements import rename_requirement
from jettison.lint.packages import gpu_in_dockerfile, is_gui_apt_package
from jettison.notices import Notice
from jettison.plan.model import Group, Pin, ServiceImports, Split, problem
from jettison.plan.replay import DEFAULT_INDEX, Analysis, Replay, base_group, groups_by_name

HEADLESS_CODE = "JT304"
_EXACT = re.compile(
    r"^(?P<name>[^=<>!~;\s\[]+(?:\[[^\]]*\])?)\s*==\s*(?P<version>[\w.!]+)(?P<rest>\s*(?:;.*)?)$"
)
_DOCKERFILE_GPU_KEYWORDS = frozenset({"ENV", "LABEL", "CMD", "ENTRYPOINT"})


@dataclass(frozen=True, slots=True)
class Rewritten:
    """One requirement line a fix changed."""

    name: str
    code: str
    comment: str
    """The line written above it: what changed and why (``# jettison: JT304 opencv-python
    -> opencv-python-headless (no GUI...)``)."""
    lines: tuple[str, ...]
    """The requirement's new physical lines."""


@dataclass(frozen=True)
class FileFixes:
    """The fixes of one generated requirements file."""

    rewritten: Mapping[str, Rewritten] = field(default_factory=dict)
    """Canonical name -> its new line."""
    options: tuple[str, ...] = ()
    """Option lines the file gets (``--extra-index-url`` of PyTorch's CPU builds)."""


@dataclass(frozen=True)
class LintFixes:
    files: Mapping[str, FileFixes]
    """By file: ``group:<name>`` (a base's requirements), ``service:<name>`` (its own)."""
    apt_dropped: Mapping[str, tuple[str, ...]]
    """Service -> the GUI libraries it no longer installs (its OpenCV is headless)."""
    problems: tuple[Notice, ...]


NO_FIXES = LintFixes({}, {}, ())


def lint_fixes(analysis: Analysis, split: Split, imports: Sequence[ServiceImports]) -> LintFixes:
    """The fixes of every requirements file the replayed services install."""
    groups = groups_by_name(split)
    by_service = {i.service: i for i in imports}
    gpu = {r.service.name: _gpu(r, by_service.get(r.service.name)) for r in analysis.replays}
    gui = {
        r.service.name: getattr(by_service.get(r.service.name), "opencv_gui", None)
        for r in analysis.replays
    }
    global_index = any(o.startswith(("--index-url", "-i ")) for o in split.options)
    files: dict[str, FileFixes] = {}
    problems: list[Notice] = []
    for key, pins, installers in _files(analysis.replays, split, groups):
        fixes, found = _file_fixes(
            pins,
            installers,
            gpu=gpu,
            gui=gui,
            cpu_index_given=any(TORCH_CPU_INDEX in o for o in split.options),
            own_index=global_index,
        )
        files[key] = fixes
        problems.extend(found)
    return LintFixes(files, _apt_dropped(analysis.replays, files, groups), tuple(problems))


def _files(
    replays: Sequence[Replay], split: Split, groups: dict[str, Group]
) -> list[tuple[str, tuple[Pin, ...], list[Replay]]]:
    out: list[tuple[str, tuple[Pin, ...], list[Replay]]] = []
    for group in split.groups:
        installers = [
            r for r in replays if group.name == "base" or base_group(r.plan, groups) == group.name
        ]
        if installers:
            out.append((f"group:{group.name}", group.pins, installers))
    for replay in replays:
        if replay.plan.own:
            out.append((f"service:{replay.service.name}", replay.plan.own, [replay]))
    return out


def _gpu(replay: Replay, imports: ServiceImports | None) -> str | None:
    """Why the service looks like it uses a GPU, or None (see the module docstring)."""
    if replay.chain.kind != "cpu":
        return f"it runs on the CUDA image {replay.chain.image}"
    dockerfile = replay.service.parsed
    if dockerfile is not None:
        for stage in dockerfile.runtime_stages():
            for instruction in stage.instructions:
                if instruction.keyword in _DOCKERFILE_GPU_KEYWORDS and gpu_in_dockerfile(
                    instruction.original
                ):
                    return f"line {instruction.position.line} of its Dockerfile mentions a GPU"
    if imports is None or not imports.files:
        return "no code was found to tell (as lint's JT302 needs)"
    return imports.gpu


def _file_fixes(
    pins: Sequence[Pin],
    installers: Sequence[Replay],
    *,
    gpu: Mapping[str, str | None],
    gui: Mapping[str, str | None],
    cpu_index_given: bool,
    own_index: bool,
) -> tuple[FileFixes, list[Notice]]:
    names = [r.service.name for r in installers]
    gpu_users = [f"{n}: {gpu[n]}" for n in names if gpu[n]]
    gui_users = [n for n in names if gui[n]]
    declared = {p.name for p in pins}
    pypi = all(r.index == DEFAULT_INDEX for r in installers) and not own_index
    rewritten: dict[str, Rewritten] = {}
    for pin in pins:
        renamed = None if "://" in pin.line else rename_requirement(pin.line.split("\n"), pin.name)
        if renamed is None or renamed[0].replacement in declared:
            continue
        done, lines = renamed
        cpu_build = done.code != HEADLESS_CODE and not gpu_users and pypi
        if (done.code == HEADLESS_CODE and not gui_users) or cpu_build:
            rewritten[pin.name] = Rewritten(pin.name, done.code, done.comment, tuple(lines))
    torch = [p for p in pins if p.name in TORCH_FAMILY and not _explicit_build(p.line)]
    problems: list[Notice] = []
    options: tuple[str, ...] = ()
    if torch and not gpu_users and pypi:
        cpu = {p.name: _cpu_pin(p.line) for p in torch}
        unfit = [p for p in torch if cpu[p.name] is None]
        if unfit:
            problems.append(_torch_left(unfit, names))
        else:
            for pin in torch:
                line = cpu[pin.name]
                assert line is not None
                description = (
                    f"{pin.name} -> its CPU build {line.split(';')[0].strip()} from "
                    f"{TORCH_CPU_INDEX}: no GPU in {', '.join(names)}"
                )
                comment = writer.change("JT302", description)
                rewritten[pin.name] = Rewritten(pin.name, "JT302", comment, (line,))
            options = () if cpu_index_given else (f"--extra-index-url {TORCH_CPU_INDEX}",)
    return FileFixes(rewritten, options), problems


def _explicit_build(line: str) -> bool:
    """A torch line that already names its build (``+cpu``, ``+cu121``) or a URL."""
    return bool(re.search(r"\+(?:cpu|cu\d+|rocm[\d.]*)\b", line)) or "://" in line


def _cpu_pin(line: str) -> str | None:
    """``torch==2.5.1`` -> ``torch==2.5.1+cpu``; None for a range, hashes, continuations."""
    if "\n" in line or "--hash" in line:
        return None
    text = line.split(" #", 1)[0].strip()
    match = _EXACT.match(text)
    if match is None or "*" in match.group("version"):
        return None
    return f"{match.group('name')}=={match.group('version')}+cpu{match.group('rest')}"


def _torch_left(unfit: Sequence[Pin], services: Sequence[str]) -> Notice:
    lines = ", ".join(f"`{p.line.splitlines()[0]}`" for p in unfit)
    return problem(
        "lint-fix-skipped",
        "info",
        f"JT302 not applied: {lines} is not pinned to one version without hashes, so its CPU "
        f"build cannot be named; {', '.join(services)} install PyPI's CUDA build of torch "
        "(pin torch==X.Y.Z to get the CPU build)",
        path=unfit[0].source,
        line=unfit[0].lineno,
    )


def _apt_dropped(
    replays: Sequence[Replay], files: Mapping[str, FileFixes], groups: dict[str, Group]
) -> dict[str, tuple[str, ...]]:
    """Per service, the GUI libraries it installs for an OpenCV that is headless now."""
    out: dict[str, tuple[str, ...]] = {}
    for replay in replays:
        needed = replay.plan.needed
        opencv = set(HEADLESS_OPENCV)
        if not needed & opencv or needed & OPENGL_USERS:
            continue
        keys = [
            "group:base",
            f"group:{base_group(replay.plan, groups)}",
            f"service:{replay.service.name}",
        ]
        renamed = {
            name
            for key in keys
            if key in files
            for name, fixed in files[key].rewritten.items()
            if fixed.code == HEADLESS_CODE
        }
        if needed & opencv <= renamed:
            dropped = tuple(p for p in replay.apt_runtime if is_gui_apt_package(p))
            if dropped:
                out[replay.service.name] = dropped
    return out


__all__ = ["NO_FIXES", "FileFixes", "LintFixes", "Rewritten", "lint_fixes"]
