"""Split production requirements into a runtime file and a development file.

A requirement goes to the development file when it is a development or test tool (JT301's
list) that the shipped code does not import, a torch add-on the code never imports (JT303),
or a package the code never imports (JT309) that no kept package depends on and that is not
on the list of packages used without an import (servers, drivers, plug-ins). Without an
import scan (no Python source found) only development tools move: everything else stays.

Every line of the input lands in exactly one output: requirement lines verbatim (pins,
markers, hashes and continuations kept), comments, blank lines and options in the runtime
file. The development file includes the runtime file (``-r``) so that a developer still
gets everything with one install. On a CPU target, ``opencv-python`` and ``tensorflow``
become their CPU/headless variants in the runtime file (JT304, JT305). A package the base
image already provides (torch on ``pytorch/pytorch``) goes to the development file too,
imported or not: the image uses the base's copy, a developer without the base installs it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from jettison.facts.packages import (
    COMMON_DEPENDENTS,
    HEADLESS_OPENCV,
    TORCH_ADDONS,
    dev_tool_kind,
    used_without_import,
)
from jettison.requirements.model import Requirement
from jettison.requirements.requirements_txt import physical_groups

CPU_RENAMES: Mapping[str, tuple[str, str, str]] = {
    **{
        gui: (headless, "JT304", "no GUI libraries in a service")
        for gui, headless in HEADLESS_OPENCV.items()
    },
    "tensorflow": ("tensorflow-cpu", "JT305", "CPU target: no CUDA libraries"),
}
"""Runtime renames on a CPU target: name -> (replacement, lint code, reason)."""


@dataclass(frozen=True, slots=True)
class Moved:
    """A requirement sent to the development file, and why."""

    name: str
    code: str
    reason: str


@dataclass(frozen=True, slots=True)
class Renamed:
    """A requirement written under another name (its CPU or headless build), and why."""

    name: str
    replacement: str
    code: str
    reason: str

    @property
    def comment(self) -> str:
        """The line written above the renamed requirement."""
        return f"# jettison: {self.code} {self.name} -> {self.replacement} ({self.reason})"


@dataclass(frozen=True)
class RequirementsSplit:
    runtime_text: str
    dev_text: str
    moved: tuple[Moved, ...]
    renamed: tuple[Renamed, ...]
    runtime_lines: tuple[str, ...]
    """The runtime requirement lines (after renames), as written in the runtime file."""
    runtime_names: tuple[str, ...]
    """Canonical names of the runtime requirements (after renames), in file order."""


def _decide(
    requirement: Requirement,
    used: frozenset[str],
    *,
    have_imports: bool,
    keep: frozenset[str],
    provided: Mapping[str, tuple[str, str]],
) -> Moved | None:
    name = requirement.name
    if name in provided:
        code, reason = provided[name]
        return Moved(name, code, reason)
    if name in used or name in keep:
        return None
    kind = dev_tool_kind(name)
    if kind is not None:
        return Moved(name, "JT301", f"{kind}, not imported by the shipped code")
    if not have_imports:
        return None  # no source to judge by: keep rather than guess
    if name in TORCH_ADDONS:
        return Moved(name, "JT303", "torch add-on the shipped code never imports")
    if used_without_import(name):
        return None
    return Moved(name, "JT309", "declared but never imported by the shipped code")


def rename_requirement(
    lines: Sequence[str],
    name: str,
    renames: Mapping[str, tuple[str, str, str]] = CPU_RENAMES,
) -> tuple[Renamed, list[str]] | None:
    """The requirement ``name`` (canonical) under its name in ``renames``: the rename
    and its physical lines with only the name replaced (pins, extras, markers, hashes and
    continuations kept: ``opencv-python==4.10`` -> ``opencv-python-headless==4.10``); None
    when ``name`` has no CPU or headless build of its own."""
    rename = renames.get(name)
    if rename is None:
        return None
    replacement, code, reason = rename
    return Renamed(name, replacement, code, reason), _renamed(lines, name, replacement)


def _renamed(lines: Sequence[str], name: str, replacement: str) -> list[str]:
    pattern = re.compile(r"^(\s*)" + r"[-_.]".join(map(re.escape, re.split(r"[-_.]", name))), re.I)
    first = pattern.sub(lambda m: m.group(1) + replacement, lines[0], count=1)
    return [first, *lines[1:]]


def split_requirements(
    text: str,
    requirements: Sequence[Requirement],
    used: frozenset[str],
    *,
    have_imports: bool,
    keep: frozenset[str] = frozenset(),
    renames: Mapping[str, tuple[str, str, str]] | None = None,
    runtime_name: str = "requirements.runtime.txt",
    pins: Mapping[str, tuple[str, str]] | None = None,
    provided: Mapping[str, tuple[str, str]] | None = None,
) -> RequirementsSplit:
    """Split ``text`` (one requirements file) whose parsed requirements are ``requirements``.

    ``used`` holds the distributions the shipped code and CMD/ENTRYPOINT use; ``keep`` names
    kept whatever the analysis says; ``renames`` (e.g. :data:`CPU_RENAMES`) rewrites names in
    the runtime file; ``pins`` maps a name to the line that replaces its requirement in the
    runtime file and the comment written above it (a version a local wheel folder has);
    ``provided`` maps a name the base image provides to the (code, reason) of its move.
    """
    by_line = {r.line: r for r in requirements}
    decisions = {
        r.line: _decide(r, used, have_imports=have_imports, keep=keep, provided=provided or {})
        for r in requirements
    }
    kept = {r.name for r in requirements if decisions[r.line] is None} | set(used)
    # a package kept ones depend on stays, with its pin: removing the line would not
    # uninstall it, only let its version float
    for line, moved in list(decisions.items()):
        if (
            moved is not None
            and moved.code == "JT309"
            and COMMON_DEPENDENTS.get(moved.name, frozenset()) & kept
        ):
            decisions[line] = None
    runtime: list[str] = []
    dev = [
        "# Development requirements split off by `jettison fix`; the image does not install",
        "# them. `pip install -r` this file for a development environment.",
        f"-r {runtime_name}",
    ]
    moved_all: list[Moved] = []
    renamed_all: list[Renamed] = []
    runtime_lines: list[str] = []
    runtime_names: list[str] = []
    for start, lines in physical_groups(text):
        requirement = by_line.get(start)
        if requirement is None:
            runtime.extend(lines)
            continue
        moved = decisions[start]
        if moved is not None:
            dev.append(f"# jettison: {moved.code} {moved.reason}")
            dev.extend(lines)
            moved_all.append(moved)
            continue
        name = requirement.name
        renamed = (
            rename_requirement(lines, name, renames)
            if renames and requirement.url is None
            else None
        )
        if renamed is not None:
            done, lines = renamed
            runtime.append(done.comment)
            renamed_all.append(done)
            name = done.replacement
        pin = (pins or {}).get(name)
        if pin is not None:
            runtime.append(pin[1])
            lines = [pin[0]]
        runtime.extend(lines)
        runtime_lines.append("\n".join(lines))
        runtime_names.append(name)
    return RequirementsSplit(
        runtime_text="\n".join(runtime).rstrip("\n") + "\n",
        dev_text="\n".join(dev) + "\n",
        moved=tuple(moved_all),
        renamed=tuple(renamed_all),
        runtime_lines=tuple(runtime_lines),
        runtime_names=tuple(runtime_names),
    )
