"""What the production image installs, and what the shipped code shows: the JT3xx rules use
this, and fix and plan reuse it so they act on exactly what lint reports.

Production packages are the requirements of group ``main`` plus the packages named on
``pip install`` lines of the production stages: the final stage, the stages it is built
``FROM``, and the stages whose Python environment it copies (``COPY --from=builder
/opt/venv ...``), since a virtualenv built in a builder ships in full.
"""

from __future__ import annotations

import functools
import posixpath
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from packaging.markers import InvalidMarker, Marker, UndefinedEnvironmentName
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import InvalidVersion

from jettison.dockerfile.commands.options import option_values
from jettison.dockerfile.commands.python import (
    PipInstall,
    env_install,
    parse_install,
    pip_installs,
    sets_pip_config,
)
from jettison.dockerfile.copies import context_source, copy_parts
from jettison.dockerfile.images import runtime_base
from jettison.dockerfile.launch import launches
from jettison.dockerfile.model import Dockerfile, Instruction, Stage
from jettison.dockerfile.shell import (
    Command,
    expand_words,
    live_commands,
    shell_assignments,
    split_commands,
)
from jettison.dockerfile.steps import assignment_items, default_build_env, runtime_steps, steps
from jettison.facts.bases import is_cuda_base
from jettison.facts.packages import TORCH_CPU_INDEX as TORCH_CPU_INDEX  # the CLI reads it here
from jettison.facts.packages import TORCH_FAMILY
from jettison.hostpaths import is_file
from jettison.imports.mapping import used_distributions
from jettison.lint.model import Finding, LintContext, Rule, Saving, Severity
from jettison.requirements.model import Requirement

_ENV_PATH = re.compile(
    r"venv|site-packages|dist-packages|/root/\.local|^/usr/local/?$|^/usr/local/lib|/opt/conda"
    r"|^/$"
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


_T = TypeVar("_T")
_K = TypeVar("_K")
_COMMANDS: dict[int, tuple[object, object]] = {}
_PACKAGES: dict[int, tuple[object, object]] = {}
_CACHED = 32


def _by_identity(cache: dict[int, tuple[object, object]], key: _K, make: Callable[[_K], _T]) -> _T:
    """``make(key)``, remembered for the same (immutable) object: the rules of one lint run
    ask for the same production view many times."""
    found = cache.get(id(key))
    if found is not None and found[0] is key:
        return found[1]  # type: ignore[return-value]
    value = make(key)
    if len(cache) >= _CACHED:
        cache.pop(next(iter(cache)))
    cache[id(key)] = (key, value)
    return value


def production_instructions(ctx: LintContext, *keywords: str) -> list[Instruction]:
    """Instructions of the production stages, in file order."""
    out: list[Instruction] = []
    for stage in production_stages(ctx.dockerfile):
        out.extend(stage.of(*keywords))
    return sorted(out, key=lambda i: i.position.line)


def production_installs(ctx: LintContext) -> list[PipInstall]:
    """The ``pip install`` commands of the production stages that a default build runs."""
    return [
        parsed
        for run, command in production_commands(ctx)
        if (parsed := parse_install(run, command)) is not None
    ]


def production_commands(ctx: LintContext) -> list[tuple[Instruction, Command]]:
    """(RUN, command) of the production stages, in file order, as a default build runs
    them: less the commands it skips (``if [ "$TEST_ENV" = "true" ]`` with ``ARG TEST_ENV``
    unset), with the variables it knows expanded (ARG defaults, ENV, and what the script
    sets itself: ``ARGS="--no-dev" && uv sync $ARGS``)."""
    if ctx.dockerfile is None:
        return []
    return list(_by_identity(_COMMANDS, ctx.dockerfile, _production_commands))


def _production_commands(dockerfile: Dockerfile) -> list[tuple[Instruction, Command]]:
    out: list[tuple[Instruction, Command]] = []
    for stage in production_stages(dockerfile):
        for step in steps(dockerfile, stage):
            if step.instruction.keyword != "RUN":
                continue
            script = step.instruction.shell_text
            env = {**default_build_env(dockerfile, step), **shell_assignments(script)}
            out.extend((step.instruction, expand_words(c, env)) for c in live_commands(script, env))
    return sorted(out, key=lambda item: item[0].position.line)


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


EXTRA_SECTIONS = frozenset(
    {"project.optional-dependencies", "setup.extras_require", "tool.poetry.dependencies"}
)
"""Tables whose non-main groups are extras: installed only when asked for."""


def requested_extras(ctx: LintContext) -> frozenset[str]:
    """Extras the production installs ask for: ``pip install .[gpu]``, ``--extra gpu``
    (uv), ``-E gpu``/``--extras gpu`` (poetry); ``*`` for ``--all-extras``."""
    out: set[str] = set()
    for _, command in production_commands(ctx):
        found = env_install(command)
        if found is None:
            continue
        if found.projects:
            out.update(found.groups)
        out.update(v.lower() for v in option_values(command.args, "--extra", "-E", "--extras"))
        if command.has("--all-extras"):
            out.add("*")
    return frozenset(out)


def _installed_groups(ctx: LintContext) -> list[Requirement]:
    """Group-``main`` requirements, and those of the extras the installs ask for."""
    main = ctx.requirements.main()
    optional = [
        r
        for r in ctx.requirements.requirements
        if r.group != "main" and r.section in EXTRA_SECTIONS
    ]
    if not optional:
        return main
    extras = requested_extras(ctx)
    if not extras:
        return main
    chosen = {id(r) for r in optional if "*" in extras or r.group in extras}
    return [r for r in ctx.requirements.requirements if r.group == "main" or id(r) in chosen]


def production_packages(ctx: LintContext) -> list[Declared]:
    """Group-``main`` requirements of the files the image installs (see
    :func:`installed_requirement_files`), and the extras its installs ask for, then ``pip
    install`` arguments of production stages."""
    return list(_by_identity(_PACKAGES, ctx, _production_packages))


def _production_packages(ctx: LintContext) -> list[Declared]:
    installed = installed_requirement_files(ctx)
    out = [
        Declared(
            name=r.name,
            specifier=r.specifier,
            raw=r.raw,
            extras=r.extras,
            url=r.url,
            requirement=r,
        )
        for r in _installed_groups(ctx)
        if (installed is None or r.file in installed) and applies_in_image(r.marker)
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


_SCRIPT = re.compile(r"\.(?:sh|bash|py)$")
_INSTALLS = re.compile(
    r"\b(?:pip3?|uv|poetry|pdm|pipenv|conda|mamba|micromamba)\b[^\n]*\binstall\b"
)
_INCLUDE = re.compile(r"^\s*(?:-r|--requirement)[\s=]+(\S+)", re.MULTILINE)
_PROJECT_FILES = frozenset({"pyproject.toml", "setup.py", "setup.cfg"})


def installed_requirement_files(ctx: LintContext) -> frozenset[Path] | None:
    """The requirement inputs the production stages install, when the Dockerfile tells:
    the files ``pip install -r``/``conda env create -f`` name (by file name) and what they
    include, and the project files (pyproject.toml, setup.py) of a project install
    (``pip install .`` without ``--no-deps``, poetry, uv sync, pdm, pipenv). A requirements
    file the image copies or the context holds but nothing installs is not production.

    None when it cannot be told: no Dockerfile, no Python install in the production stages,
    a file named through a variable, or a script of the context that installs packages."""
    if ctx.dockerfile is None or not ctx.requirements.files:
        return None
    names: set[str] = set()
    projects = False
    installs = 0
    for _, command in production_commands(ctx):
        if _may_install(ctx, command):
            return None
        found = env_install(command)
        if found is None:
            continue
        installs += 1
        if any("$" in f for f in found.files):
            return None
        names.update(posixpath.basename(f) for f in found.files)
        no_deps = command.has("--no-deps")
        if found.tool not in PIP_TOOLS or (found.projects and not no_deps):
            projects = projects or found.tool in PROJECT_TOOLS or bool(found.projects)
    if not installs:
        return None  # installed some other way (a base's ONBUILD, a wrapper): not told
    if projects:
        names.update(_PROJECT_FILES)
        names.update(_read_by_project(ctx))
    renamed = _copied_as(ctx.dockerfile)
    chosen = {
        f
        for f in ctx.requirements.files
        if f.name in names or any(renamed.get(n) == f.name for n in names)
    }
    return frozenset(_with_includes(chosen, ctx.requirements.files))


def _copied_as(dockerfile: Dockerfile) -> dict[str, str]:
    """Names files get in the image when a COPY renames them (``COPY libs/requirements.txt
    /tmp/libs-requirements.txt``): image name -> build-context name."""
    out: dict[str, str] = {}
    for instruction in dockerfile.instructions():
        parts = copy_parts(instruction)
        if parts is None or instruction.flag("from") is not None:
            continue
        sources, destination = parts
        if len(sources) == 1 and not destination.endswith(("/", ".")):
            source = posixpath.basename(sources[0].rstrip("/"))
            target = posixpath.basename(destination)
            if "." in target and source != target:
                out[target] = source
    return out


def _read_by_project(ctx: LintContext) -> set[str]:
    """Requirement files a project's build reads (``setup.py`` opening requirements.txt,
    setuptools' ``dependencies = {file = ...}``): the names its project files mention."""
    folders = {ctx.context_dir, *(f.parent for f in ctx.requirements.files)}
    texts = [_text(folder / name) for folder in folders for name in sorted(_PROJECT_FILES)]
    return {f.name for f in ctx.requirements.files if any(f.name in text for text in texts)}


def _may_install(ctx: LintContext, command: Command) -> bool:
    """A script of the build context or ``make`` run during the build that installs Python
    packages. Scripts the context does not hold are downloaded installers (miniconda,
    rustup) or generated: they do not read the project's requirement files."""
    if command.name == "make":
        return True
    script = next(
        (w for w in (command.name, *command.args[:1]) if _SCRIPT.search(w)),
        None,
    )
    if script is None:
        return False
    local = ctx.context_dir / posixpath.basename(script)
    candidates = [ctx.context_dir / script.lstrip("/"), local]
    text = next((_text(c) for c in candidates if is_file(c)), "")
    return _INSTALLS.search(text) is not None


def _text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


PIP_TOOLS = frozenset({"pip", "uv pip"})
PROJECT_TOOLS = frozenset({"pip", "uv pip", "uv", "poetry", "pdm", "pipenv"})


def _with_includes(chosen: set[Path], known: Iterable[Path]) -> set[Path]:
    """``chosen`` and the files they include (``-r other.txt``), transitively."""
    known_files = set(known)
    pending = list(chosen)
    out = set(chosen)
    while pending:
        path = pending.pop()
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        for target in _INCLUDE.findall(text):
            included = (path.parent / target).resolve()
            for candidate in known_files:
                if candidate.resolve() == included and candidate not in out:
                    out.add(candidate)
                    pending.append(candidate)
    return out


_LINUX = {
    "os_name": "posix",
    "sys_platform": "linux",
    "platform_system": "Linux",
    "platform_machine": "x86_64",
    "platform_python_implementation": "CPython",
    "implementation_name": "cpython",
}
_PYTHONS = ("3.9", "3.10", "3.11", "3.12", "3.13")


def applies_in_image(marker: str | None) -> bool:
    """Whether a requirement with this environment marker installs in a Linux x86_64
    image (``; sys_platform == 'darwin'`` does not). The Python version is not known:
    any supported one will do; a marker that cannot be read applies."""
    if not marker:
        return True
    try:
        parsed = Marker(marker)
    except InvalidMarker:
        return True
    for python in _PYTHONS:
        env = {**_LINUX, "python_version": python, "python_full_version": f"{python}.0"}
        try:
            if parsed.evaluate({**env, "extra": ""}):
                return True
        except (UndefinedEnvironmentName, InvalidVersion, ValueError):  # cannot tell
            return True
    return False


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


def met_by_earlier_install(ctx: LintContext, declared: Declared) -> bool:
    """Whether a ``pip install`` of an earlier command already meets ``declared``: pip
    leaves an installed distribution alone unless told to upgrade, so ``pip install torch
    --index-url .../cpu`` followed by ``pip install -r requirements.txt`` holding
    ``torch>=2`` keeps the CPU build. (``uv sync`` is not pip: it syncs to its lock.)"""
    return bool(_earlier_installs(ctx, declared))


def met_by_earlier_cpu_torch(ctx: LintContext, declared: Declared) -> bool:
    """:func:`met_by_earlier_install` by a CPU build of torch (or torchvision...)."""
    if declared.name not in TORCH_FAMILY:
        return False
    return any(torch_variant(ctx, d) == "cpu" for d in _earlier_installs(ctx, declared))


def _earlier_installs(ctx: LintContext, declared: Declared) -> list[Declared]:
    """Same-named packages installed by earlier pip installs that meet ``declared``."""
    order = _install_order(ctx)
    at = order.index_of(declared)
    if at is None or order.upgrades(at):
        return []
    return [
        d
        for d in production_packages(ctx)
        if d.name == declared.name
        and (index := order.index_of(d)) is not None
        and index < at
        and _allows(declared.specifier, d.specifier)
    ]


def _allows(wanted: str, installed: str) -> bool:
    """Whether ``wanted`` may accept what ``installed`` pinned (unknown versions: yes)."""
    version = installed.removeprefix("==").split("+", 1)[0].strip()
    if not wanted or not installed.startswith("==") or not version:
        return True
    try:
        return SpecifierSet(wanted).contains(version, prereleases=True)
    except (InvalidSpecifier, InvalidVersion):
        return True


@dataclass(frozen=True)
class _Order:
    installs: list[PipInstall]
    files: dict[str, int]
    """Requirement file name -> the index of the first install that reads it."""

    def index_of(self, declared: Declared) -> int | None:
        if declared.install is not None:
            return next((i for i, x in enumerate(self.installs) if x == declared.install), None)
        assert declared.requirement is not None
        return self.files.get(declared.requirement.file.name)

    def upgrades(self, index: int) -> bool:
        install = self.installs[index]
        return install.upgrade or ignores_installed(install)


def _install_order(ctx: LintContext) -> _Order:
    installs = production_installs(ctx)
    renamed = _copied_as(ctx.dockerfile) if ctx.dockerfile is not None else {}
    files: dict[str, int] = {}
    for index, install in enumerate(installs):
        for name in install.requirement_files:
            base = posixpath.basename(name)
            files.setdefault(renamed.get(base, base), index)
        if install.local_projects and not _has(install, "--no-deps"):
            for name in _PROJECT_FILES:
                files.setdefault(name, index)
    return _Order(installs, files)


def install_of(ctx: LintContext, declared: Declared) -> PipInstall | None:
    """The ``pip install`` that installs ``declared``: its own line, or the first install
    that reads its requirement file (or its project, for pyproject/setup.py requirements)."""
    if declared.install is not None:
        return declared.install
    order = _install_order(ctx)
    at = order.index_of(declared)
    return order.installs[at] if at is not None else None


def installed_at(ctx: LintContext, declared: Declared) -> Instruction | None:
    """The ``RUN`` of the production stages that installs ``declared``: its own line, or
    the first that reads its requirement file (``pip install -r``, ``conda env create
    -f``), or its project (pyproject.toml/setup.py: ``pip install .``, ``uv sync``,
    ``poetry install``...)."""
    if declared.install is not None:
        return declared.install.instruction
    if declared.requirement is None or ctx.dockerfile is None:
        return None
    name = declared.requirement.file.name
    renamed = _copied_as(ctx.dockerfile)
    for run, command in production_commands(ctx):
        found = env_install(command)
        if found is None:
            continue
        files = {renamed.get(b, b) for b in (posixpath.basename(f) for f in found.files)}
        project = bool(found.projects) or found.tool not in PIP_TOOLS
        if name in files or (project and name in _PROJECT_FILES and not command.has("--no-deps")):
            return run
    return None


def ignores_installed(install: PipInstall) -> bool:
    """``--ignore-installed``/``-I``: pip installs over what is there without removing it."""
    return _has(install, "-I", "--ignore-installed")


def _has(install: PipInstall, *names: str) -> bool:
    return any(o.name in names for o in install.options)


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


def partial_code(ctx: LintContext) -> str | None:
    """Why the scanned code may not be all of the shipped code (a phrase for messages), or
    None when the view is complete (or was not assessed)."""
    view = ctx.code_view
    return view.summary() if view is not None and view.partial else None


def used_names(ctx: LintContext, packages: Iterable[Declared]) -> frozenset[str]:
    """The production packages the shipped code uses: the context's used distributions
    plus the imports matched against every declared name (``pip install`` arguments too)."""
    return ctx.used_distributions | used_distributions(ctx.imports, [d.name for d in packages])


_SCRIPT_SUFFIXES = (".sh", ".bash")


def launch_scripts(ctx: LintContext) -> list[tuple[Instruction, Path, str]]:
    """(ENTRYPOINT/CMD, script file, its text) for the shell scripts the image starts that
    the build context holds (``ENTRYPOINT ["/docker-entrypoint.sh"]`` copied from
    ``docker/docker-entrypoint.sh``)."""
    if ctx.dockerfile is None:
        return []
    final = runtime_steps(ctx.dockerfile)
    workdir = final[-1].cwd if final else "/"
    out: list[tuple[Instruction, Path, str]] = []
    for launch in launches(ctx.dockerfile):
        argv = launch.command.argv
        words = [argv[0], *(a for a in argv[1:2] if not a.startswith("-"))]
        for word in words:
            if not word.endswith(_SCRIPT_SUFFIXES):
                continue
            source = context_source(ctx.dockerfile, word, ctx.context_dir, workdir)
            if source is not None and all(source != p for _, p, _ in out):
                out.append((launch.instruction, source, _text(source)))
    return out


_GPU_CODE = re.compile(
    r"cuda|\bgpus?\b|use_gpu|device_map\s*=|\bdevice\s*=\s*0\b|\.to\(\s*0\s*\)", re.IGNORECASE
)
_GPU_DOCKERFILE = re.compile(r"cuda|nvidia|\bgpus?\b", re.IGNORECASE)
# Calls that open a window; matplotlib's ``plt.imshow`` and a leftover
# ``cv2.destroyAllWindows()``/``waitKey`` are no GUI use.
_OPENCV_GUI_CALLS = re.compile(
    r"\bcv2?\.(?:imshow|namedWindow|setMouseCallback|createTrackbar|selectROIs?|moveWindow|"
    r"resizeWindow)\s*\(|^\s*from\s+cv2\s+import\s+[^\n]*\b(?:imshow|namedWindow)\b",
    re.MULTILINE,
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
    """An OpenCV window call in shipped code (``cv2.imshow(``, ``cv2.namedWindow(``...), or
    None: only those need the GUI build of ``opencv-python``."""
    match = _OPENCV_GUI_CALLS.search(text)
    return match.group(0).rstrip("( ") if match else None


def is_gui_apt_package(word: str) -> bool:
    """An apt package the GUI build of OpenCV needs and its ``-headless`` build does not
    (``libgl1``, ``libsm6``, ``libxext6``...)."""
    return _GUI_APT.match(word) is not None


def gpu_evidence(ctx: LintContext, code: str, *, in_code: bool = True) -> str | None:
    """Why the service looks like it uses a GPU (for the message), or None when nothing
    says so; ``in_code=False`` looks at the image only (base, ENV/LABEL/CMD), not the
    shipped code. ``options = { <code> = { gpu = true|false } }`` overrides the guess."""
    forced = ctx.option(code, "gpu")
    if isinstance(forced, bool):
        return "the gpu option is set" if forced else None
    base = runtime_base(ctx.dockerfile)
    if base is not None and is_cuda_base(base.ref):
        return f"the base image {base.ref.text} brings CUDA"
    for instruction in production_instructions(ctx, "ENV", "LABEL", "CMD", "ENTRYPOINT"):
        if gpu_in_dockerfile(instruction.original):
            return f"line {instruction.position.line} of the Dockerfile mentions a GPU"
    if not in_code:
        return None
    for path, text in source_texts(ctx):
        found = gpu_in_code(text)
        if found:
            return f"{path.name} mentions {found!r}"
    return None


_GPU_HARD = re.compile(
    r"\.cuda\(\s*\)|\.to\(\s*[\"']cuda|\bdevice\s*=\s*[\"']cuda|device_map\s*=|use_gpu\s*=\s*True"
    r"|\bdevice\s*=\s*0\b|\.to\(\s*0\s*\)|[\"']cuda:\d",
    re.I,
)
_GPU_FALLBACK = re.compile(r"is_available|else\s*[\"']cpu[\"']|[\"']cpu[\"']\s*if\b", re.I)


@dataclass(frozen=True, slots=True)
class CodeGpu:
    """What the shipped code says about the GPU."""

    optional: bool
    """No mention asks for the GPU outright (``.cuda()``, ``device="cuda"``,
    ``device_map=``): it is used when available (``"cuda" if torch.cuda.is_available() else
    "cpu"``, ``torch.cuda.empty_cache()``)."""
    where: str
    """``app.py mentions 'cuda'``, for messages."""


def code_gpu_use(ctx: LintContext) -> CodeGpu | None:
    """How the shipped code uses a GPU, or None when it never mentions one."""
    first: str | None = None
    for path, text in source_texts(ctx):
        for line in text.splitlines():
            match = _GPU_CODE.search(line)
            if match is None:
                continue
            where = f"{path.name} mentions {match.group(0)!r}"
            if _GPU_HARD.search(line) and not _GPU_FALLBACK.search(line):
                return CodeGpu(False, where)
            first = first or where
    return CodeGpu(True, first) if first is not None else None


_CPU_NAME = re.compile(r"cpu", re.I)
_LAMBDA_BASES = re.compile(r"^(?:public\.ecr\.aws/lambda/|amazon/aws-lambda-)")


def cpu_evidence(ctx: LintContext, code: str) -> str | None:
    """Why the image is meant for CPUs only (for the message), or None: the gpu option set
    to false, a Dockerfile, stage or base tag named for the CPU, torch from the CPU index,
    or an AWS Lambda base (Lambda has no GPUs)."""
    if ctx.option(code, "gpu") is False:
        return "the gpu option is false"
    if ctx.dockerfile is None:
        return None
    if _CPU_NAME.search(ctx.dockerfile.path.name):
        return f"the Dockerfile is named {ctx.dockerfile.path.name}"
    final = ctx.dockerfile.final_stage
    if final is not None and final.name and _CPU_NAME.search(final.name):
        return f'the final stage is named "{final.name}"'
    base = runtime_base(ctx.dockerfile)
    if base is not None and _CPU_NAME.search(base.ref.tag):
        return f"the base image is {base.ref.text}"
    if base is not None and _LAMBDA_BASES.search(base.ref.name):
        return f"the base image {base.ref.text} runs on AWS Lambda, which has no GPUs"
    if any(d.name == "torch" and torch_variant(ctx, d) == "cpu" for d in production_packages(ctx)):
        return "torch comes from the CPU index"
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
