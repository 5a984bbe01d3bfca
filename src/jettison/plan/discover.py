"""Find the services of a repository: each Dockerfile with its build context, the
requirement files its image installs, the local code it copies, its port and health path.

What counts as a service
------------------------
Every file :func:`jettison.dockerfile.discover.is_dockerfile_name` accepts (``Dockerfile``,
``Containerfile``, ``*.Dockerfile``, ``*.Containerfile``, ``Dockerfile.*`` and
``Containerfile.*``) under the root, except in hidden directories (``.git``, ``.venv``,
``.jettison*``), virtualenvs, installed packages, ``node_modules`` and
a plan's own output (``jettison-plan/``, or any folder holding the ``.jettison-plan``
marker a plan writes). Backup, template and documentation names (``Dockerfile.bak``,
``Dockerfile.j2``, ``Dockerfile.md``, ``Dockerfile.dockerignore``...) are not Dockerfiles.
Symlinked directories are not entered, so the walk never leaves the root, and no Python
file is opened: discovery stays fast on a big monorepo.

Compose files at the root (``compose.yaml``, ``docker-compose*.yml``...) name services and
say how they are built (``build.context``, ``build.dockerfile``, ``build.args``) and run
(``ports``, ``healthcheck.test``). A compose service wins over the walk for its Dockerfile;
services that are only an ``image:`` are not built here and not planned. Several compose
files are merged by service name in reading order (base files first, then overrides).
Without compose, the build context is the one every verb infers
(:func:`jettison.dockerfile.discover.resolve_context`: the Dockerfile's folder, or a folder
above it when the ``COPY`` sources only resolve there), kept inside the root. A walked service is
named after its folder (``svc-ocr``; ``svc-ocr-gpu`` for ``Dockerfile.gpu``), with parent
folders prefixed only as far as needed to keep names unique.

What the image gets
-------------------
* Requirement files: those copied by name
  (:func:`~jettison.dockerfile.discover.copied_requirement_files`,
  every stage), plus those a ``pip install -r FILE`` reads after a folder copy brought them
  in (``COPY . .`` then ``pip install -r requirements.txt``: without this a whole-context
  copy would declare nothing) or through a ``RUN --mount=type=bind`` of the context, then
  their ``-r`` includes. Constraint files (``-c``) install nothing and are left out.
* Code paths: every local ``COPY``/``ADD`` source of every stage, requirement files
  excepted, as absolute paths (``.`` is the context itself). A path is *shared* when
  another service copies it too, or copies something inside it, or copies a folder holding
  it, except a whole-context copy (``COPY . .`` from the root), which would otherwise make
  every service's own folder look shared.
* Port: the last ``EXPOSE`` of the image (``ENV``/``ARG`` values expanded), else compose's
  container port, else ``--port N`` / ``--bind HOST:N`` in CMD/ENTRYPOINT, else the port of
  the health check URL. Health path: the path of the URL the ``HEALTHCHECK`` probes (curl,
  wget or Python's urllib alike), else compose's ``healthcheck.test``'s.

Nothing here raises for one bad service: an unreadable Dockerfile or compose file becomes a
:class:`~jettison.plan.model.Notice` and discovery goes on.
"""

from __future__ import annotations

import fnmatch
import os
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import yaml

from jettison.dockerfile.commands.cleanup import mounts
from jettison.dockerfile.commands.python import pip_installs
from jettison.dockerfile.copies import copy_sources, local_sources
from jettison.dockerfile.discover import (
    DOCKERFILE_NAMES,
    copied_requirement_files,
    is_dockerfile_name,
    resolve_context,
)
from jettison.dockerfile.launch import final_commands
from jettison.dockerfile.model import Dockerfile
from jettison.dockerfile.parser import expand as expand_vars
from jettison.dockerfile.parser import parse_dockerfile
from jettison.dockerfile.paths import absolute, covers
from jettison.dockerfile.steps import Step, expand, steps
from jettison.errors import ConfigError, DockerfileError, RequirementsError
from jettison.hostpaths import exists, is_dir, is_file
from jettison.imports.scan import DEFAULT_EXCLUDE
from jettison.notices import Notice
from jettison.plan.model import (
    Discovery,
    Service,
    problem,
    problem_key,
)
from jettison.requirements import load_requirements

PLAN_DIR = "jettison-plan"
"""The default output folder of ``jettison plan``: its Dockerfiles are not services."""
PLAN_MARKER = ".jettison-plan"
"""The file :mod:`jettison.plan.generate` writes into every output folder (``MARKER``
there): a folder holding it is a plan's output, whatever its name."""
COMPOSE_PATTERNS = (
    "compose.yaml",
    "compose.yml",
    "compose.*.yaml",
    "compose.*.yml",
    "docker-compose*.yaml",
    "docker-compose*.yml",
)
_MAGIC = re.compile(r"[*?[]")
_URL = re.compile(r"https?://[^\s'\"|;&)<>`]+", re.IGNORECASE)
_NAME_JUNK = re.compile(r"[^a-z0-9._-]+")
_REMOTE_CONTEXT = re.compile(r"^(?:[a-z][a-z0-9+.-]*://|git@|github\.com/)", re.IGNORECASE)
_PORT_OPTIONS = ("--port", "-p", "--bind", "-b")


def discover(root: Path) -> Discovery:
    """The services under ``root`` and what each image gets (see the module docstring).

    Raises :class:`~jettison.errors.ConfigError` only when ``root`` is not a directory;
    everything else that goes wrong is a problem in the result.
    """
    if not root.is_dir():
        raise ConfigError(
            f"{root}: not a directory",
            hint="give the repository folder that holds the services' Dockerfiles",
        )
    root = root.resolve()
    problems: list[Notice] = []
    compose_files = _compose_files(root)
    declared = _declared_services(compose_files, problems)
    covered = {d.dockerfile for d in declared}
    walked = [path for path in _walk_dockerfiles(root) if path not in covered]
    names = _walk_names(walked, root, taken={d.name for d in declared})
    found = [*declared, *(_Declared(name=names[path], dockerfile=path) for path in walked)]
    drafts = [_draft(entry, root, problems) for entry in found]
    shared = _shared(drafts)
    services = tuple(
        sorted((d.service(shared.get(d.name, ())) for d in drafts), key=lambda s: s.name)
    )
    if not services:
        problems.append(
            problem(
                kind="no-services",
                severity="error",
                message=f"no Dockerfile found under {root}",
                path=root,
            )
        )
    every_shared = sorted({path for paths in shared.values() for path in paths})
    return Discovery(
        root=root,
        services=services,
        shared_paths=tuple(every_shared),
        compose_files=tuple(compose_files),
        problems=tuple(sorted(set(problems), key=problem_key)),
    )


# -- the walk -----------------------------------------------------------------------------


def _skipped_dir(path: Path) -> bool:
    name = path.name
    return (
        name.startswith(".")
        or name == PLAN_DIR
        or any(fnmatch.fnmatchcase(name, pattern) for pattern in DEFAULT_EXCLUDE)
        or (path / "pyvenv.cfg").exists()
    )


def _walk_dockerfiles(root: Path) -> list[Path]:
    """Dockerfiles under ``root`` in path order (symlinked directories are not entered)."""
    found: list[Path] = []
    for directory, dirnames, filenames in os.walk(root):
        here = Path(directory)
        if PLAN_MARKER in filenames:
            dirnames[:] = []  # a plan's output folder under another name (--out)
            continue
        dirnames[:] = sorted(d for d in dirnames if not _skipped_dir(here / d))
        for name in sorted(filenames):
            path = here / name
            if is_dockerfile_name(name) and path.is_file() and _inside(path.resolve(), root):
                found.append(path)
    return found


def _walk_names(paths: Sequence[Path], root: Path, taken: set[str]) -> dict[Path, str]:
    """A unique name per Dockerfile: its folder's name (``svc-ocr``), with the variant of a
    ``Dockerfile.gpu``/``gpu.Dockerfile`` appended, and as many parent folders prefixed as
    needed to tell apart same-named folders in different places (``a-svc``, ``b-svc``)."""
    folders: dict[Path, list[str]] = {}
    variants: dict[Path, str | None] = {}
    for path in paths:
        relative = path.parent.relative_to(root).parts
        folders[path] = list(relative) or [root.name]
        variants[path] = _variant(path.name)

    def candidate(path: Path, depth: int) -> str:
        words = folders[path][-depth:]
        variant = variants[path]
        return _clean_name("-".join([*words, variant] if variant else words))

    depth = dict.fromkeys(paths, 1)
    while True:
        names = {path: candidate(path, depth[path]) for path in paths}
        counts = Counter(names.values())
        clashing = [p for p in paths if counts[names[p]] > 1 or names[p] in taken]
        growing = [p for p in clashing if depth[p] < len(folders[p])]
        if not growing:
            break
        for path in growing:
            depth[path] += 1
    used = set(taken)
    out: dict[Path, str] = {}
    for path in paths:
        name, number = names[path], 2
        while name in used:
            name, number = f"{names[path]}-{number}", number + 1
        used.add(name)
        out[path] = name
    return out


def _variant(name: str) -> str | None:
    """``gpu`` for ``Dockerfile.gpu`` and ``gpu.Dockerfile``; None for a plain name."""
    if name in DOCKERFILE_NAMES:
        return None
    for plain in DOCKERFILE_NAMES:
        if name.startswith(plain + "."):
            return name[len(plain) + 1 :]
        if name.endswith("." + plain):
            return name[: -len(plain) - 1]
    return None


def _clean_name(text: str) -> str:
    """A name usable in an image tag and a file name (lower case, ``[a-z0-9._-]``)."""
    return _NAME_JUNK.sub("-", text.lower()).strip("-._") or "service"


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or path.is_relative_to(folder)


def normal(path: Path) -> Path:
    """``path`` made absolute and normalised (``..`` folded) without resolving symlinks."""
    return Path(os.path.normpath(path.absolute()))


# -- compose ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Declared:
    """A Dockerfile to plan, with what compose says about it (nothing when walked)."""

    name: str
    dockerfile: Path
    context: Path | None = None
    build_args: Mapping[str, str] = field(default_factory=dict)
    ports: tuple[int, ...] = ()
    health_path: str | None = None
    compose_file: Path | None = None


def _compose_files(root: Path) -> list[Path]:
    """Compose files at the root: base files first, overrides after, each group by name."""
    try:
        entries = list(root.iterdir())
    except OSError:
        return []
    found = [
        p
        for p in entries
        if any(fnmatch.fnmatchcase(p.name, c) for c in COMPOSE_PATTERNS) and p.is_file()
    ]
    return sorted(found, key=lambda p: ("override" in p.name, p.name))


def _declared_services(files: Sequence[Path], problems: list[Notice]) -> list[_Declared]:
    merged: dict[str, dict[str, object]] = {}
    origin: dict[str, Path] = {}
    for path in files:
        for name, spec in _compose_services(path, problems).items():
            merged[name] = _merge(merged.get(name, {}), spec)
            origin[name] = path
    out: list[_Declared] = []
    for name in sorted(merged):
        entry = _compose_entry(name, merged[name], origin[name], problems)
        if entry is not None:
            out.append(entry)
    return _unique_builds(out, problems)


def _compose_services(path: Path, problems: list[Notice]) -> dict[str, dict[str, object]]:
    """The ``services`` mapping of one compose file (empty, with a problem, when unusable)."""

    def complain(message: str, line: int | None = None) -> dict[str, dict[str, object]]:
        problems.append(
            problem(kind="compose", severity="warning", message=message, path=path, line=line)
        )
        return {}

    try:
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        return complain(f"{path.name}: cannot read ({exc.strerror or exc})")
    except UnicodeDecodeError:
        return complain(f"{path.name}: not UTF-8 text, not a compose file")
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        reason = getattr(exc, "problem", None) or "invalid YAML"
        return complain(f"{path.name}: not valid YAML ({reason}); services found by the walk", line)
    if data is None:
        return {}
    if not isinstance(data, dict):
        return complain(f"{path.name}: not a compose file (the top level is not a mapping)")
    services = data.get("services")
    if services is None:
        return {}
    if not isinstance(services, dict):
        return complain(f"{path.name}: 'services' is not a mapping")
    return {str(k): v for k, v in services.items() if isinstance(v, dict)}


def _merge(old: Mapping[str, object], new: Mapping[str, object]) -> dict[str, object]:
    """An override file's service over the base one: keys replaced, ``build`` merged (a
    ``build: PATH`` is its short form, ``build: {context: PATH}``, on either side)."""
    out = {**old, **new}
    old_build, new_build = _build_spec(old.get("build")), _build_spec(new.get("build"))
    if isinstance(old_build, dict) and isinstance(new_build, dict):
        out["build"] = {**old_build, **new_build}
    return out


def _build_spec(build: object) -> object:
    return {"context": build} if isinstance(build, str) else build


def _compose_entry(
    name: str, spec: Mapping[str, object], path: Path, problems: list[Notice]
) -> _Declared | None:
    build = spec.get("build")
    if build is None:
        return None  # an image pulled as it is (a database, a cache): nothing to build

    def complain(message: str) -> None:
        problems.append(
            problem(kind="compose", severity="warning", message=message, service=name, path=path)
        )

    if isinstance(build, str):
        build = {"context": build}
    if not isinstance(build, dict):
        complain(f"compose service {name}: 'build' is neither a path nor a mapping")
        return None
    context_text = expand_vars(str(build.get("context") or "."), {})
    if _REMOTE_CONTEXT.match(context_text):
        complain(f"compose service {name}: remote build context {context_text} is not planned")
        return None
    context = normal(path.parent / context_text)
    if not is_dir(context):
        complain(f"compose service {name}: build context {context} does not exist")
        return None
    if "dockerfile_inline" in build:
        complain(f"compose service {name}: an inline Dockerfile (dockerfile_inline) is not planned")
        return None
    given = build.get("dockerfile")
    if given is not None:
        dockerfile = normal(context / expand_vars(str(given), {}))
    else:
        dockerfile = next(
            (context / n for n in DOCKERFILE_NAMES if is_file(context / n)),
            context / DOCKERFILE_NAMES[0],
        )
    if not is_file(dockerfile):
        complain(f"compose service {name}: Dockerfile {dockerfile} not found")
        return None
    if build.get("target"):
        complain(
            f"compose service {name}: build target {build['target']!r} is ignored; "
            "the plan uses the Dockerfile's last stage"
        )
    return _Declared(
        name=name,
        dockerfile=dockerfile,
        context=context,
        build_args=_compose_args(build.get("args")),
        ports=_compose_ports(spec.get("ports")) + _compose_ports(spec.get("expose")),
        health_path=_compose_health(spec.get("healthcheck")),
        compose_file=path,
    )


def _unique_builds(entries: list[_Declared], problems: list[Notice]) -> list[_Declared]:
    """One service per image: compose services built the same way (an ``api`` and a
    ``worker`` sharing a build with different commands) are planned once, under the first
    name."""
    kept: dict[tuple[Path, Path | None, tuple[tuple[str, str], ...]], _Declared] = {}
    for entry in entries:
        key = (entry.dockerfile, entry.context, tuple(sorted(entry.build_args.items())))
        first = kept.get(key)
        if first is None:
            kept[key] = entry
            continue
        problems.append(
            problem(
                kind="compose",
                severity="info",
                message=(
                    f"compose services {first.name} and {entry.name} build the same image; "
                    f"planned once as {first.name}"
                ),
                service=entry.name,
                path=entry.compose_file,
            )
        )
    return list(kept.values())


def _compose_args(args: object) -> dict[str, str]:
    """``build.args`` as a mapping or a ``["K=V"]`` list; names without value are left out
    (compose takes them from its environment, which a plan does not read)."""
    out: dict[str, str] = {}
    if isinstance(args, dict):
        out = {str(k): str(v) for k, v in args.items() if v is not None}
    elif isinstance(args, list):
        for item in args:
            key, sep, value = str(item).partition("=")
            if sep:
                out[key] = value
    return out


def _compose_ports(ports: object) -> tuple[int, ...]:
    """Container ports of compose ``ports``/``expose`` entries: ``8000``, ``"8080:8000"``,
    ``"127.0.0.1:8080:8000/tcp"``, ``"8000-8001"``, ``{target: 8000}``."""
    if not isinstance(ports, list):
        return ()
    out: list[int] = []
    for item in ports:
        if isinstance(item, dict):
            item = item.get("target")
        if isinstance(item, bool) or item is None:
            continue
        text = str(item).split("/", 1)[0].rsplit(":", 1)[-1]
        port = _port_number(expand_vars(text, {}))
        if port is not None:
            out.append(port)
    return tuple(out)


def _compose_health(check: object) -> str | None:
    if not isinstance(check, dict) or check.get("disable"):
        return None
    test = check.get("test")
    if isinstance(test, list):
        words = [str(w) for w in test]
        if words and words[0].upper() == "NONE":
            return None
        return _url_path(" ".join(words))
    if isinstance(test, str):
        return _url_path(test)
    return None


# -- one service --------------------------------------------------------------------------


@dataclass(frozen=True)
class _Draft:
    """A service before the shared paths are known (they need every service)."""

    name: str
    dockerfile: Path
    context: Path
    parsed: Dockerfile | None
    requirement_files: tuple[Path, ...] = ()
    code_paths: tuple[Path, ...] = ()
    base_image: str | None = None
    port: int | None = None
    health_path: str | None = None
    health_source: str | None = None

    def service(self, shared: Iterable[Path]) -> Service:
        return Service(
            name=self.name,
            dockerfile=self.dockerfile,
            context=self.context,
            parsed=self.parsed,
            requirement_files=self.requirement_files,
            code_paths=self.code_paths,
            shared_paths=tuple(sorted(shared)),
            base_image=self.base_image,
            port=self.port,
            health_path=self.health_path,
            health_source=self.health_source,
        )


def _draft(entry: _Declared, root: Path, problems: list[Notice]) -> _Draft:
    dockerfile = normal(entry.dockerfile)
    fallback_context = entry.context or dockerfile.parent
    try:
        parsed = parse_dockerfile(dockerfile, entry.build_args or None)
    except DockerfileError as exc:
        problems.append(_unparsable(entry.name, dockerfile, str(exc)))
        return _Draft(entry.name, dockerfile, fallback_context, None)
    if parsed.final_stage is None:
        problems.append(_unparsable(entry.name, dockerfile, f"{dockerfile}: no FROM instruction"))
        return _Draft(entry.name, dockerfile, fallback_context, None)
    context = entry.context or _walk_context(parsed, root)
    copied = copied_requirement_files(parsed, context)
    requirement_files = _requirement_files(entry.name, parsed, context, copied, problems)
    not_code = set(requirement_files) | set(copied)
    runtime = steps(parsed, parsed.final_stage, inherited=True)
    base = parsed.runtime_stages()[-1].base_expanded.strip()
    own_health = _health_path(runtime)
    health = own_health or entry.health_path
    return _Draft(
        name=entry.name,
        dockerfile=dockerfile,
        context=context,
        parsed=parsed,
        requirement_files=requirement_files,
        code_paths=_code_paths(parsed, context, not_code),
        base_image=base or None,
        port=_port(parsed, runtime, entry.ports),
        health_path=health,
        health_source=None if health is None else "HEALTHCHECK" if own_health else "compose",
    )


def _unparsable(name: str, dockerfile: Path, message: str) -> Notice:
    return problem(
        kind="unparsable-dockerfile",
        severity="error",
        message=f"{message}; the service is not planned",
        service=name,
        path=dockerfile,
    )


def _walk_context(parsed: Dockerfile, root: Path) -> Path:
    """The shared context rule, kept inside the root (what a repository's CI can see)."""
    context = normal(resolve_context(parsed))
    return context if _inside(context, root) else root


def _requirement_files(
    name: str,
    parsed: Dockerfile,
    context: Path,
    copied: Sequence[Path],
    problems: list[Notice],
) -> tuple[Path, ...]:
    """What the image installs (``copied`` by name, or read by ``pip install -r``), includes
    followed, constraint files left out.

    A constraints file copied by name (``COPY requirements.txt constraints.txt ./``) is not
    a requirements file: read as one, its pins would look like packages to install. It is
    known by being named after ``-c`` (in a requirements file or on the pip command line).
    """
    installed, pip_constraints = _pip_files(parsed, context)
    files = [normal(p) for p in copied]
    files.extend(p for p in installed if p not in files)
    if not files:
        return ()
    try:
        loaded = load_requirements(context, files)
        constraints = {normal(r.file) for r in loaded.requirements if r.group == "constraint"}
        constraints = (constraints | set(pip_constraints)) - set(installed)
        kept = [p for p in files if p not in constraints]
        if kept != files:  # read again without them: their includes are not installed
            files = kept
            loaded = load_requirements(context, files)
    except RequirementsError as exc:
        problems.append(
            problem(
                kind="unreadable-requirements",
                severity="warning",
                message=str(exc),
                service=name,
                path=files[0],
            )
        )
        return tuple(files)
    for path in map(normal, loaded.files):
        if path not in files and path not in constraints:
            files.append(path)
    return tuple(files)


@dataclass(frozen=True, slots=True)
class _Copy:
    """Where one local ``COPY`` source lands in the image."""

    host: Path
    target: str
    """Absolute path in the image: the folder a directory's content goes to, or the file."""
    into_dir: bool
    """``target`` is a directory the source file is copied into (``COPY a.txt /app/``)."""


def _pip_files(parsed: Dockerfile, context: Path) -> tuple[list[Path], list[Path]]:
    """Files named by ``pip install -r`` (and ``-c``), mapped back to the context through
    the copies before them (``COPY . /app`` + ``pip install -r /app/requirements.txt`` ->
    ``CONTEXT/requirements.txt``) or the context bind-mounted into that RUN
    (``--mount=type=bind,source=requirements.txt,target=/tmp/r.txt``): the requirements a
    whole-folder copy brings in, or that are installed without being copied at all."""
    requirements: list[Path] = []
    constraints: list[Path] = []
    for stage in parsed.stages:
        copies: list[_Copy] = []
        for step in steps(parsed, stage, inherited=True):
            instruction = step.instruction
            if instruction.keyword in {"COPY", "ADD"} and instruction.flag("from") is None:
                copies.extend(_copies(step, context))
            elif instruction.keyword == "RUN" and step.stage.index == stage.index:
                visible = [*copies, *_bind_mounts(step, context)]
                for install in pip_installs(instruction):
                    for names, out in (
                        (install.requirement_files, requirements),
                        (install.constraint_files, constraints),
                    ):
                        for name in names:
                            wanted = absolute(expand(name, step.env), step.cwd)
                            found = _host_file(visible, wanted)
                            if found is not None and _inside(found, context) and found not in out:
                                out.append(found)
    return requirements, constraints


def _bind_mounts(step: Step, context: Path) -> list[_Copy]:
    """The context paths ``RUN --mount=type=bind`` shows (not another stage or image's)."""
    out: list[_Copy] = []
    for mount in mounts(step.instruction):
        if mount.type != "bind" or mount.from_ is not None or not mount.target:
            continue
        target = absolute(expand(mount.target, step.env), step.cwd)
        out.extend(
            _Copy(host, target, into_dir=False) for host in _matches(context, mount.source or ".")
        )
    return out


def _copies(step: Step, context: Path) -> list[_Copy]:
    instruction = step.instruction
    if len(instruction.args) < 2:
        return []
    raw_dest = instruction.args[-1]
    dest = absolute(expand(raw_dest, step.env), step.cwd)
    sources = local_sources(instruction)
    many = len(sources) > 1 or any(_MAGIC.search(s) for s in sources)
    out: list[_Copy] = []
    for source in sources:
        for host in _matches(context, source):
            if is_dir(host):
                out.append(_Copy(host, dest, into_dir=False))
            else:
                out.append(_Copy(host, dest, into_dir=many or raw_dest.endswith("/")))
    return out


def _host_file(copies: Sequence[_Copy], wanted: str) -> Path | None:
    """The context file that ends up at ``wanted`` in the image (the last copy wins)."""
    for copy in reversed(copies):
        if is_dir(copy.host):
            if covers(copy.target, wanted) and wanted != copy.target:
                relative = wanted[len(copy.target) :].lstrip("/")
                candidate = copy.host / relative
                if is_file(candidate):
                    return candidate
        elif wanted in (copy.target + "/" + copy.host.name, copy.target) and (
            wanted != copy.target or not copy.into_dir
        ):
            return copy.host
    return None


def _matches(context: Path, source: str) -> list[Path]:
    """The context paths a ``COPY`` source names (globs expanded), inside the context."""
    pattern = source.lstrip("/") or "."
    if _MAGIC.search(pattern):
        try:
            candidates = sorted(context.glob(pattern))
        except (ValueError, OSError):
            return []
    else:
        candidates = [context / pattern]
    out = []
    for candidate in candidates:
        path = normal(candidate)
        if _inside(path, context) and exists(path):
            out.append(path)
    return out


def _code_paths(parsed: Dockerfile, context: Path, not_code: set[Path]) -> tuple[Path, ...]:
    found: set[Path] = set()
    for source in copy_sources(parsed):
        found.update(p for p in _matches(context, source) if p not in not_code)
    return tuple(sorted(found))


# -- port and health check -------------------------------------------------------------------


def _port(parsed: Dockerfile, runtime: Sequence[Step], compose_ports: Sequence[int]) -> int | None:
    """The last ``EXPOSE`` of the image, else compose's container port, else ``--port N``
    (or ``--bind HOST:N``) in CMD/ENTRYPOINT, else the port of the health check URL."""
    exposes = [s for s in runtime if s.instruction.keyword == "EXPOSE"]
    if exposes:
        last = exposes[-1]
        for word in last.instruction.args:
            text = expand(word, last.env).split("/", 1)[0]
            port = _port_number(text)
            if port is not None:
                return port
    if compose_ports:
        return compose_ports[0]
    env = runtime[-1].env if runtime else {}
    for argv in final_commands(parsed):
        port = _port_in_argv([expand(word, env) for word in argv])
        if port is not None:
            return port
    health = _last_health(runtime)
    if health is not None:
        for url in _urls(health):
            try:
                port_value = urlsplit(url).port
            except ValueError:
                continue
            if port_value is not None:
                return port_value
    return None


def _port_in_argv(argv: Sequence[str]) -> int | None:
    for index, word in enumerate(argv):
        for option in _PORT_OPTIONS:
            if word == option and index + 1 < len(argv):
                value = argv[index + 1]
            elif word.startswith(option + "=") and option.startswith("--"):
                value = word[len(option) + 1 :]
            else:
                continue
            port = _port_number(value.rsplit(":", 1)[-1])
            if port is not None:
                return port
    return None


def _port_number(text: str) -> int | None:
    """``8000`` from ``8000``, ``8000-8010``; None for anything else."""
    first = text.strip().split("-", 1)[0]
    if not first.isdigit():
        return None
    value = int(first)
    return value if 0 < value < 65536 else None


def _last_health(runtime: Sequence[Step]) -> str | None:
    """The command of the image's HEALTHCHECK (the last one), None when none or NONE."""
    checks = [s for s in runtime if s.instruction.keyword == "HEALTHCHECK"]
    if not checks:
        return None
    last = checks[-1]
    args = last.instruction.args
    if not args or args[0].upper() == "NONE":
        return None
    return expand(" ".join(args[1:] if args[0].upper() == "CMD" else args), last.env)


def _health_path(runtime: Sequence[Step]) -> str | None:
    command = _last_health(runtime)
    return _url_path(command) if command is not None else None


def _urls(text: str) -> list[str]:
    return [str(match) for match in _URL.findall(text)]


def _url_path(command: str) -> str | None:
    """``/health`` from a check command probing ``http://localhost:8000/health``."""
    for url in _urls(command):
        try:
            parts = urlsplit(url.rstrip("'\"),"))
        except ValueError:
            continue
        path = parts.path or "/"
        return f"{path}?{parts.query}" if parts.query else path
    return None


# -- shared paths -----------------------------------------------------------------------------


def _shared(drafts: Sequence[_Draft]) -> dict[str, tuple[Path, ...]]:
    """Per service, the code paths another service copies too (see the module docstring)."""
    out: dict[str, tuple[Path, ...]] = {}
    for draft in drafts:
        shared = [
            path
            for path in draft.code_paths
            if any(_overlap(path, draft, other) for other in drafts if other is not draft)
        ]
        if shared:
            out[draft.name] = tuple(shared)
    return out


def _overlap(path: Path, owner: _Draft, other: _Draft) -> bool:
    for theirs in other.code_paths:
        if theirs == path:
            return True
        if path != owner.context and theirs.is_relative_to(path):
            return True  # they copy part of it (libs/pdf of our libs)
        if theirs != other.context and path.is_relative_to(theirs):
            return True  # they copy a folder holding it (libs, holding our libs/pdf)
    return False
