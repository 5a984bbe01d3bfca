"""What the production image installs, and what the shipped code shows: the JT3xx rules use
this, and fix and plan reuse it so they act on exactly what lint reports.

Production packages are the requirements of group ``main`` plus the packages named on
``pip install`` lines of the production stages: the final stage, the stages it is built
``FROM``, and the stages whose Python environment it copies (``COPY --from=builder
/opt/venv ...``), since a virtualenv built in a builder ships in full.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from jettison.dockerfile.commands.python import PipInstall, pip_installs, sets_pip_config
from jettison.dockerfile.images import runtime_base
from jettison.dockerfile.model import Dockerfile, Instruction, Stage
from jettison.dockerfile.shell import split_commands
from jettison.dockerfile.steps import assignment_items
from jettison.facts.bases import is_cuda_base
from jettison.facts.packages import TORCH_CPU_INDEX as TORCH_CPU_INDEX  # the CLI reads it here
from jettison.lint.model import Finding, LintContext, Rule, Saving, Severity
from jettison.requirements.model import Requirement

_ENV_PATH = re.compile(
    r"venv|site-packages|dist-packages|/root/\.local|^/usr/local/?$|^/usr/local/lib|/opt/conda"
)
"""Paths that hold an installed Python environment (wheels to install later do not count)."""
_CPU_INDEX = re.compile(r"download\.pytorch\.org/whl/(?:nightly/)?cpu\b")
_CUDA_INDEX = re.compile(r"download\.pytorch\.org/whl/(?:nightly/)?(?:cu\d+|rocm)")
_INDEX_ENV = frozenset(
    {
        "PIP_INDEX_URL",
        "PIP_EXTRA_INDEX_URL",
        "PIP_FIND_LINKS",
        "UV_INDEX_URL",
        "UV_EXTRA_INDEX_URL",
        "UV_INDEX",
        "UV_DEFAULT_INDEX",
        "UV_TORCH_BACKEND",
    }
)


def production_stages(dockerfile: Dockerfile | None) -> list[Stage]:
    """Runtime stages plus the stages whose Python environment a runtime stage copies."""
    if dockerfile is None:
        return []
    chosen: list[Stage] = []
    pending = list(dockerfile.runtime_stages())
    while pending:
        stage = pending.pop(0)
        if stage in chosen:
            continue
        chosen.append(stage)
        for copy in stage.of("COPY"):
            source_stage = dockerfile.stage_ref(copy.flag("from") or "")
            if source_stage is None or source_stage in chosen:
                continue
            if any(_copies_environment(source_stage, src) for src in copy.args[:-1]):
                pending.append(source_stage)
                parent = dockerfile.stage_named(source_stage.base_expanded)
                while parent is not None and parent not in chosen and parent not in pending:
                    pending.append(parent)
                    parent = dockerfile.stage_named(parent.base_expanded)
    return sorted(chosen, key=lambda s: s.index)


def _copies_environment(stage: Stage, source: str) -> bool:
    """Whether ``source`` (copied out of ``stage``) is a Python environment: a virtualenv,
    site-packages, ``/usr/local``, or the ``--prefix``/``--target`` of a pip install there."""
    if _ENV_PATH.search(source):
        return True
    targets = {
        destination.rstrip("/")
        for run in stage.of("RUN")
        for install in pip_installs(run)
        for destination in install.destinations
    }
    return source.rstrip("/") in targets


def production_instructions(ctx: LintContext, *keywords: str) -> list[Instruction]:
    """Instructions of the production stages, in file order."""
    out: list[Instruction] = []
    for stage in production_stages(ctx.dockerfile):
        out.extend(stage.of(*keywords))
    return sorted(out, key=lambda i: i.position.line)


def production_installs(ctx: LintContext) -> list[PipInstall]:
    return [i for run in production_instructions(ctx, "RUN") for i in pip_installs(run)]


@dataclass(frozen=True, slots=True)
class Declared:
    """A package the production image installs: a requirement line or a ``pip install``
    argument."""

    name: str
    specifier: str
    raw: str
    extras: tuple[str, ...] = ()
    url: str | None = None
    requirement: Requirement | None = None
    install: PipInstall | None = None

    @property
    def pinned(self) -> bool:
        if self.requirement is not None:
            return self.requirement.pinned
        spec = self.specifier.replace(" ", "")
        if self.url:
            return True
        return spec.startswith(("==", "===")) and "," not in spec and "*" not in spec

    @property
    def line(self) -> int:
        if self.requirement is not None:
            return self.requirement.line
        assert self.install is not None
        return self.install.instruction.position.line

    def where(self, ctx: LintContext) -> str:
        """``requirements.txt:3`` or ``Dockerfile:12``, for messages."""
        return f"{self.file(ctx).name}:{self.line}"

    def file(self, ctx: LintContext) -> Path:
        if self.requirement is not None:
            return self.requirement.file
        assert ctx.dockerfile is not None
        return ctx.dockerfile.path

    def sort_key(self) -> tuple[int, str, int, str]:
        # requirement files first (what pip installs from them), then RUN lines
        kind = 0 if self.requirement is not None else 1
        path = str(self.requirement.file) if self.requirement is not None else ""
        return (kind, path, self.line, self.name)


def production_packages(ctx: LintContext) -> list[Declared]:
    """Group-``main`` requirements, then ``pip install`` arguments of production stages."""
    out = [
        Declared(
            name=r.name,
            specifier=r.specifier,
            raw=r.raw,
            extras=r.extras,
            url=r.url,
            requirement=r,
        )
        for r in ctx.requirements.main()
    ]
    for install in production_installs(ctx):
        out.extend(
            Declared(
                name=p.name,
                specifier=p.specifier,
                raw=p.raw,
                extras=p.extras,
                url=p.url,
                install=install,
            )
            for p in install.packages
        )
    return out


def finding_at(
    rule: Rule,
    ctx: LintContext,
    declared: Declared,
    message: str,
    *,
    fix: str | None = None,
    saving: Saving | None = None,
    severity: Severity | None = None,
) -> Finding:
    """A finding at the requirement's line, or at the ``RUN`` instruction."""
    at: Instruction | int = (
        declared.line if declared.install is None else declared.install.instruction
    )
    return rule.finding(declared.file(ctx), at, message, fix=fix, saving=saving, severity=severity)


def names(items: Iterable[Declared]) -> str:
    """``a, b and c`` of the distinct names, in order."""
    unique = list(dict.fromkeys(d.name for d in items))
    if len(unique) <= 1:
        return "".join(unique)
    return ", ".join(unique[:-1]) + " and " + unique[-1]


def by_location(items: Iterable[Declared]) -> Iterator[list[Declared]]:
    """Group by where they are declared (a requirement file, or one RUN instruction)."""
    groups: dict[tuple[int, str, int], list[Declared]] = {}
    for item in sorted(items, key=Declared.sort_key):
        if item.requirement is not None:
            key = (0, str(item.requirement.file), 0)
        else:
            key = (1, "", item.line)
        groups.setdefault(key, []).append(item)
    yield from groups.values()


# -- which torch build an install gets ------------------------------------------------------


def torch_variant(ctx: LintContext, declared: Declared) -> str:
    """``cpu``, ``cuda`` (an explicit CUDA/ROCm index or local version) or ``default``
    (PyPI's, whose Linux x86_64 wheels are CUDA builds pulling the ``nvidia-*`` wheels)."""
    texts = [declared.specifier, declared.url or ""]
    if declared.requirement is not None:
        texts.append(declared.requirement.index_url or "")
        texts.extend(ctx.requirements.index_urls)
    if declared.install is not None:
        texts.extend(declared.install.index_urls)
        if declared.install.torch_backend:
            texts.append(f"backend:{declared.install.torch_backend}")
    texts.extend(_global_index_texts(ctx, for_requirement_files=declared.requirement is not None))
    joined = " ".join(texts).lower()
    if _CPU_INDEX.search(joined) or "+cpu" in joined or "backend:cpu" in joined:
        return "cpu"
    if _CUDA_INDEX.search(joined) or re.search(r"\+(?:cu\d+|rocm)", joined):
        return "cuda"
    if re.search(r"backend:(?:cu\d+|rocm|auto)", joined):
        return "cuda"
    return "default"


def env_pairs(instruction: Instruction) -> list[tuple[str, str]]:
    """(name, value) pairs an ``ENV`` sets or an ``ARG`` declares (``""`` without a
    default), quotes removed."""
    if instruction.keyword not in ("ENV", "ARG"):
        return []
    return [(name, value or "") for name, value in assignment_items(instruction)]


def _global_index_texts(ctx: LintContext, *, for_requirement_files: bool) -> list[str]:
    """Index settings that apply to every install of the production stages: ``ENV
    PIP_INDEX_URL=...``, ``pip config set``, and (for requirement files) the index options
    of the ``pip install -r`` lines that read them."""
    out: list[str] = []
    for env in production_instructions(ctx, "ENV", "ARG"):
        for name, value in env_pairs(env):
            if name in _INDEX_ENV:
                out.append(value if name != "UV_TORCH_BACKEND" else f"backend:{value}")
    for run in production_instructions(ctx, "RUN"):
        for command in split_commands(run.shell_text):
            if sets_pip_config(command):
                out.extend(command.argv)
    if for_requirement_files:
        for install in production_installs(ctx):
            if install.requirement_files:
                out.extend(install.index_urls)
                if install.torch_backend:
                    out.append(f"backend:{install.torch_backend}")
    return out


# -- the shipped code ------------------------------------------------------------------------

MAX_SOURCE_BYTES = 2 << 20


@functools.lru_cache(maxsize=1024)
def _read(path: str, stamp: tuple[int, int]) -> str:
    del stamp  # part of the cache key only
    try:
        with open(path, "rb") as handle:
            return handle.read(MAX_SOURCE_BYTES).decode("utf-8", "replace")
    except OSError:
        return ""


def source_texts(ctx: LintContext) -> list[tuple[Path, str]]:
    """(file, text) of the shipped Python files the import scan read."""
    out: list[tuple[Path, str]] = []
    seen: set[Path] = set()
    for imported in ctx.imports:
        path = imported.file
        candidates = [path] if path.is_absolute() else [ctx.context_dir / path, path]
        for candidate in candidates:
            if candidate in seen:
                break
            try:
                stat = candidate.stat()
            except OSError:
                continue
            seen.add(candidate)
            out.append((candidate, _read(str(candidate), (stat.st_mtime_ns, stat.st_size))))
            break
    return out


_GPU_CODE = re.compile(
    r"cuda|\bgpus?\b|use_gpu|device_map\s*=|\bdevice\s*=\s*0\b|\.to\(\s*0\s*\)", re.IGNORECASE
)
_GPU_DOCKERFILE = re.compile(r"cuda|nvidia|\bgpus?\b", re.IGNORECASE)
_OPENCV_GUI_CALLS = re.compile(
    r"\b(?:imshow|namedWindow|waitKey|setMouseCallback|createTrackbar|selectROI|"
    r"destroyAllWindows|startWindowThread)\s*\("
)
_GUI_APT = re.compile(r"^(?:libgl1(?:-mesa-glx)?|libsm6|libxext6|libxrender1|libx11-6)(?:[:=].*)?$")


def gpu_in_code(text: str) -> str | None:
    """What in shipped code says it uses a GPU (``cuda``, ``device_map=``...), or None."""
    match = _GPU_CODE.search(text)
    return match.group(0) if match else None


def gpu_in_dockerfile(text: str) -> bool:
    """An ENV/LABEL/CMD/ENTRYPOINT line that mentions CUDA, NVIDIA or a GPU."""
    return _GPU_DOCKERFILE.search(text) is not None


def opencv_gui_call(text: str) -> str | None:
    """An OpenCV window call in shipped code (``imshow(``, ``waitKey(``...), or None: only
    those need the GUI build of ``opencv-python``."""
    match = _OPENCV_GUI_CALLS.search(text)
    return match.group(0).rstrip("( ") if match else None


def is_gui_apt_package(word: str) -> bool:
    """An apt package the GUI build of OpenCV needs and its ``-headless`` build does not
    (``libgl1``, ``libsm6``, ``libxext6``...)."""
    return _GUI_APT.match(word) is not None


def gpu_evidence(ctx: LintContext, code: str) -> str | None:
    """Why the service looks like it uses a GPU (for the message), or None when nothing
    says so. ``options = { <code> = { gpu = true|false } }`` overrides the guess."""
    forced = ctx.option(code, "gpu")
    if isinstance(forced, bool):
        return "the gpu option is set" if forced else None
    base = runtime_base(ctx.dockerfile)
    if base is not None and is_cuda_base(base.ref):
        return f"the base image {base.ref.text} brings CUDA"
    for instruction in production_instructions(ctx, "ENV", "LABEL", "CMD", "ENTRYPOINT"):
        if gpu_in_dockerfile(instruction.original):
            return f"line {instruction.position.line} of the Dockerfile mentions a GPU"
    for path, text in source_texts(ctx):
        found = gpu_in_code(text)
        if found:
            return f"{path.name} mentions {found!r}"
    return None


def replacement_saving(ctx: LintContext, declared: Declared, replacement: str) -> Saving | None:
    """Installed size of ``declared``'s wheel minus that of ``replacement`` at the same
    version specifier, both measured by the sizes provider; None unless both are known."""
    if ctx.sizes is None:
        return None
    old = ctx.sizes(declared.name, declared.specifier)
    new = ctx.sizes(replacement, declared.specifier)
    if old is None or new is None or old <= new:
        return None
    spec = declared.specifier
    return Saving(
        old - new,
        f"installed size of {declared.name}{spec} minus {replacement}{spec} wheels (package index)",
    )
