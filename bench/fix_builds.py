"""``jettison fix`` on the corpus entries our stand-in bases can build: each original and
its rewrite built with buildah, sized, and smoke-tested by importing what the code imports.

    .venv/bin/python bench/fix_builds.py --list                  # which entries, and why
    .venv/bin/python bench/fix_builds.py                          # build them all (hours)
    .venv/bin/python bench/fix_builds.py --entries 007-gptcache,048-house-pricing
    .venv/bin/python bench/fix_builds.py --timeout 1200 --json /var/tmp/run1.json
    .venv/bin/python bench/fix_builds.py --merge /var/tmp/run1.json /var/tmp/run2.json

Which entries (read from ``corpus.tsv`` and each Dockerfile, never a list of names): every
stage the final image needs (its ``FROM`` chain, ``COPY --from`` and ``RUN --mount from=``
sources) must start from ``python:*`` or ``debian:*`` (any registry spelling), the only
bases we have stand-ins for; a digest-pinned one cannot be stood in for; and one of those
stages must install the service's requirements with pip (``-r FILE``, a local project or
named packages other than installer tools) or with ``poetry install`` from a
``poetry.lock`` the build context keeps beside its ``pyproject.toml``, whose Python
constraints (the lock's and the project's) admit the stand-ins' Python 3.11. Everything
else is listed as skipped, with the reason.

Per entry, in a temporary copy of its corpus folder (the corpus is never modified):

1. COPY/ADD sources the corpus does not hold (it keeps no weights, data or large files)
   become empty placeholders, listed in the results; so do the context files a RUN of the
   needed stages executes (``python x.py``, ``./x.sh``, ``bash x.sh``) and those the
   packaging of a project it ``pip install``s (or ``poetry install``s where it runs) names
   (``readme``, license files: the corpus keeps a project's code, not its README), when a
   COPY would put them there;
2. the original Dockerfile is built (``buildah bud --layers``) in a private store under
   ``--work`` whose bases are the stand-ins of ``scripts/base-images.sh`` tagged with the
   names the Dockerfiles use (``python:<tag>``: the full or slim python 3.11 stand-in by
   the tag's ``slim``; ``debian:<tag>``: bookworm or bookworm-slim), each with a pip.conf
   that trusts the host CA bundle (mounted at ``/run/host-ca.crt``; for poetry, which
   reads no pip.conf, ``REQUESTS_CA_BUNDLE`` names it) and finds links in ``/wheels``,
   where ``--wheels`` (the CPU torch wheel) is mounted read-only;
3. an original that does not build here (no route to GitHub or download.pytorch.org, a
   pin with no wheel for the stand-ins' Python 3.11...) is skipped, with its failing step;
4. the smoke command imports, in the image's Python (``python``, ``python3``, or a
   virtualenv the Dockerfile creates), every third-party module the code in the build
   context imports (``jettison.lint.context``'s import scan: the same list fix judges
   requirements by); modules the original itself cannot import are reported and left
   out of the comparison (they fail before any fix);
5. ``jettison fix --unsafe-fixes --torch-index WHEELS`` writes ``Dockerfile.jettison``
   (and its requirements files, .dockerignore) into the copy, which is built and
   smoke-tested the same way.

A rewrite that fails to build or to import what the original imports is a bug in fix.
Images are removed after each entry unless ``--keep-images``; the store under ``--work``
is removed at the end unless ``--keep-work``. Needs root, buildah and debootstrap.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import json
import os
import posixpath
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import tomllib
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from packaging.specifiers import SpecifierSet

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))


from jettison.api import fix, inspect  # noqa: E402
from jettison.builder.buildah import BuildahBuilder  # noqa: E402
from jettison.builder.core import build, resolve_dockerfile  # noqa: E402
from jettison.builder.errors import BuildError  # noqa: E402
from jettison.builder.options import BuildOptions, Mount  # noqa: E402
from jettison.dockerfile.buildargs import build_args_for  # noqa: E402
from jettison.dockerfile.commands.downloads import (  # noqa: E402
    fetches,
    git_clone,
    model_download,
)
from jettison.dockerfile.commands.python import (  # noqa: E402
    env_install,
    parse_install,
)
from jettison.dockerfile.context_files import ContextFiles, Excluded, context_file  # noqa: E402
from jettison.dockerfile.copies import local_sources  # noqa: E402
from jettison.dockerfile.ignore import (  # noqa: E402
    DockerIgnore,
    dockerignore_path,
    read_dockerignore,
)
from jettison.dockerfile.model import Dockerfile, Stage  # noqa: E402
from jettison.dockerfile.parser import parse_dockerfile  # noqa: E402
from jettison.dockerfile.paths import absolute  # noqa: E402
from jettison.dockerfile.scripts import started_by  # noqa: E402
from jettison.dockerfile.steps import Step, chain, steps  # noqa: E402
from jettison.errors import JettisonError  # noqa: E402
from jettison.imageref import ImageRef, parse_image  # noqa: E402
from jettison.imports import scan_imports, smoke  # noqa: E402
from jettison.lint.context import build_context  # noqa: E402
from jettison.requirements.metadata_files import metadata_files  # noqa: E402
from jettison.requirements.pyproject import poetry_specifier  # noqa: E402

CORPUS = Path(os.environ.get("JETTISON_CORPUS", ROOT.parent / "shared" / "corpus"))
HOST_CA = Path("/etc/ssl/certs/ca-certificates.crt")
WHEELS = Path(os.environ.get("WHEELS", "/opt/wheels"))
WHEELS_TARGET = "/wheels"
BASE_IMAGES = ROOT / "scripts" / "base-images.sh"

STANDINS = {
    # (repository, slim) -> the image scripts/base-images.sh makes
    ("python", False): "docker.io/library/python:3.11",
    ("python", True): "docker.io/library/python:3.11-slim",
    ("debian", False): "docker.io/library/debian:bookworm",
    ("debian", True): "docker.io/library/debian:bookworm-slim",
}
INSTALLER_TOOLS = frozenset(
    {"pip", "setuptools", "wheel", "poetry", "pdm", "uv", "pipenv", "virtualenv", "pipx",
     "poetry-plugin-export", "hatch", "hatchling", "build", "cython", "maturin"}
)  # fmt: skip
"""What ``pip install`` installs to install something else: not the service's requirements."""
STANDIN_PYTHON = "3.11.2"
"""The Python of every stand-in (Debian bookworm's ``python3``, whatever the tag says)."""

# --------------------------------------------------------------------------- selection


@dataclass(frozen=True)
class Entry:
    id: str
    dockerfile: str
    """Relative to the entry's folder."""
    bases: tuple[str, ...]
    """The external images the final image's stages start from, as written (expanded)."""


@dataclass(frozen=True)
class Skipped:
    id: str
    reason: str


def select(corpus: Path) -> list[Entry | Skipped]:
    """Every corpus entry, as one to build or skipped with its reason."""
    with (corpus / "corpus.tsv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    return [judge(corpus / row["id"], row["id"], row["dockerfile"]) for row in rows]


def judge(folder: Path, entry: str, relative: str) -> Entry | Skipped:
    path = folder / relative
    try:
        dockerfile = parse_dockerfile(path, build_args_for(path))
    except JettisonError as exc:
        return Skipped(entry, f"does not parse: {exc}")
    stages = needed_stages(dockerfile)
    bases: list[str] = []
    for stage in stages:
        if dockerfile.stage_named(stage.base_expanded) in stages:
            continue
        reason = base_problem(stage.base_expanded)
        if reason is not None:
            return Skipped(entry, reason)
        bases.append(stage.base_expanded)
    installs = [(s, c) for stage in stages for s in steps(dockerfile, stage) for c in s.commands]
    tools = {e.tool for _, c in installs if (e := env_install(c)) is not None}
    if "poetry" in tools and not any(installs_requirements(s.instruction, c) for s, c in installs):
        locked = poetry_lock_problem(build_context(path).context_dir)
        if locked is not None:
            return Skipped(entry, locked)
    elif not any(installs_requirements(s.instruction, c) for s, c in installs):
        others = sorted(tools - {"pip"})
        how = (
            f"installs its requirements with {', '.join(others)} (pip installs only tools)"
            if others
            else "installs no requirements with pip"
        )
        return Skipped(entry, f"{how}: not an entry with pip requirements")
    blocked = network_problem(dockerfile, stages, path)
    if blocked is not None:
        return Skipped(entry, blocked)
    return Entry(entry, relative, tuple(dict.fromkeys(bases)))


_REACHABLE: dict[str, bool] = {}


def reachable(url: str) -> bool:
    """Whether the host of ``url`` (``git+https://...`` too) answers on its port here."""
    parsed = urlsplit(url.removeprefix("git+"))
    host = parsed.hostname or ""
    if parsed.scheme not in {"http", "https"} or not host:
        return True  # a local path or an SSH URL: the build says what happens
    port = parsed.port or (443 if parsed.scheme == "https" else 80)
    key = f"{host}:{port}"
    if key not in _REACHABLE:
        try:
            socket.create_connection((host, port), timeout=10).close()
            _REACHABLE[key] = True
        except OSError:
            _REACHABLE[key] = False
    return _REACHABLE[key]


def network_problem(dockerfile: Dockerfile, stages: Sequence[Stage], path: Path) -> str | None:
    """Why the build cannot get what it downloads here (only PyPI and the Debian mirror
    answer), read before building: a model downloaded by a RUN, a file or repository from
    an unreachable host, a pip index that replaces PyPI, a requirement by URL."""
    context = build_context(path).context_dir
    for stage in stages:
        for step in steps(dockerfile, stage):
            for command in step.commands:

                def read(script: str, step: Step = step) -> str | None:
                    found = context_file(dockerfile, step, script, context)
                    return found.read_text(errors="replace") if found is not None else None

                model = model_download(command, read)
                if model is not None and not model.guessed:
                    return f"a RUN downloads models ({', '.join(model.what)}): no model hub here"
                urls = [f.url for f in fetches(command)]
                clone = git_clone(command)
                urls += [clone.url] if clone is not None else []
                install = parse_install(step.instruction, command)
                if install is not None:
                    urls += [o.value for o in install.options if o.name in _REPLACING and o.value]
                    urls += [p.url for p in install.packages if p.url]
                for url in urls:
                    if not reachable(url):
                        return f"the build fetches {url}: its host is unreachable here"
    for requirement in build_context(path).requirements.main():
        if requirement.url and not reachable(requirement.url):
            return f"{requirement.name} comes from {requirement.url}: unreachable here"
    return None


_REPLACING = frozenset({"-i", "--index-url"})
"""pip options whose index replaces PyPI (an unreachable extra index only slows pip)."""


def needed_stages(dockerfile: Dockerfile) -> list[Stage]:
    """The final stage and every stage it needs: ``FROM`` chains, ``COPY --from`` and
    ``RUN --mount from=`` sources, transitively; the first-built first."""
    final = dockerfile.final_stage
    if final is None:
        return []
    found: dict[int, Stage] = {}
    todo = [final]
    while todo:
        stage = todo.pop()
        for member in chain(dockerfile, stage):
            if member.index in found:
                continue
            found[member.index] = member
            for instruction in member.instructions:
                refs = [instruction.flag("from")] + [
                    _mount_from(m) for m in instruction.flag_values("mount")
                ]
                todo.extend(s for r in refs if r and (s := dockerfile.stage_ref(r)) is not None)
    return [found[i] for i in sorted(found)]


def _mount_from(spec: str) -> str | None:
    for part in spec.split(","):
        key, _, value = part.partition("=")
        if key.strip() == "from":
            return value.strip()
    return None


def base_problem(base: str) -> str | None:
    """Why ``base`` cannot be stood in for here, or None."""
    ref = parse_image(base)
    if ref is None:
        return f"base {base!r} is not an image we can name (scratch or an unresolved $VAR)"
    if ref.repository not in {"python", "debian"}:
        return f"base {ref.text}: no local stand-in (we have python:* and debian:* only)"
    if ref.digest is not None:
        return f"base {ref.text} is pinned by digest: no stand-in has that digest"
    return None


def poetry_lock_problem(context: Path) -> str | None:
    """Why a ``poetry install`` in ``context`` cannot be built like a pip entry, or None:
    the corpus keeps no ``poetry.lock`` beside its ``pyproject.toml`` (the install would
    resolve afresh), or the lock or the project requires a Python the stand-ins lack."""
    lock, project = context / "poetry.lock", context / "pyproject.toml"
    if not (lock.is_file() and project.is_file()):
        return (
            "installs its requirements with poetry, and the build context keeps no "
            "poetry.lock beside a pyproject.toml: not an entry with locked requirements"
        )
    try:
        locked = tomllib.loads(lock.read_text(encoding="utf-8", errors="replace"))
        declared = tomllib.loads(project.read_text(encoding="utf-8", errors="replace"))
    except tomllib.TOMLDecodeError as exc:
        return f"its poetry.lock or pyproject.toml is not TOML: {exc}"
    constraints = {
        "poetry.lock": _get(locked, "metadata", "python-versions"),
        "pyproject.toml": _get(declared, "tool", "poetry", "dependencies", "python")
        or _get(declared, "project", "requires-python"),
    }
    for name, constraint in constraints.items():
        if not isinstance(constraint, str):
            continue
        spec = poetry_specifier(constraint)
        if spec is not None and not SpecifierSet(spec).contains(STANDIN_PYTHON):
            return (
                f"its {name} requires Python {constraint}: the stand-ins have "
                f"Debian's Python {STANDIN_PYTHON}"
            )
    return None


def _get(table: object, *keys: str) -> object:
    for key in keys:
        if not isinstance(table, dict):
            return None
        table = table.get(key)
    return table


def installs_requirements(instruction: object, command: object) -> bool:
    """A pip install of something besides installer tools."""
    found = parse_install(instruction, command)  # type: ignore[arg-type]
    if found is None:
        return False
    if found.requirement_files or found.local_projects:
        return True
    return any(p.name not in INSTALLER_TOOLS for p in found.packages)


# --------------------------------------------------------------------------- the store


@dataclass
class Store:
    """A private buildah store under ``top``, with the stand-in bases."""

    top: Path
    builder: BuildahBuilder = field(init=False)
    _tagged: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.builder = BuildahBuilder(root=self.top / "root", runroot=self.top / "run")

    def buildah(self, *args: str, timeout: float = 600) -> str:
        env = {**os.environ, "STORAGE_DRIVER": "overlay", "BUILDAH_ISOLATION": "chroot"}
        done = subprocess.run(
            self.builder.command(*args), env=env, capture_output=True, text=True,
            timeout=timeout, check=False,
        )  # fmt: skip
        if done.returncode != 0:
            raise RuntimeError(f"buildah {' '.join(args)}: {done.stderr.strip()[-2000:]}")
        return done.stdout.strip()

    def prepare(self) -> None:
        """Copy the stand-ins in, each with the bench's pip.conf on top."""
        subprocess.run([str(BASE_IMAGES)], check=True, capture_output=True, timeout=3600)
        ctx = self.top / "standin-context"
        ctx.mkdir(parents=True, exist_ok=True)
        (ctx / "pip.conf").write_text(
            "# fix_builds stand-in: the host CA bundle is mounted at /run/host-ca.crt,\n"
            f"# the CPU torch wheel's folder at {WHEELS_TARGET}\n"
            f"[global]\ncert = /run/host-ca.crt\nfind-links = {WHEELS_TARGET}\n"
        )
        (ctx / "host-ca.crt").write_text("")
        spec = f"[overlay@{self.top / 'root'}+{self.top / 'run'}]"
        for (repository, slim), source in STANDINS.items():
            plain = f"localhost/standin-{repository}{'-slim' if slim else ''}"
            subprocess.run(
                ["buildah", "push", "--quiet", source, f"containers-storage:{spec}{plain}"],
                check=True, capture_output=True, timeout=600,
            )  # fmt: skip
            # poetry (requests) reads no pip.conf: REQUESTS_CA_BUNDLE names the same bundle
            (ctx / "Dockerfile").write_text(
                f"FROM {plain}\nCOPY pip.conf /etc/pip.conf\n"
                "ENV REQUESTS_CA_BUNDLE=/run/host-ca.crt\n"
                f"COPY host-ca.crt /run/host-ca.crt\nRUN mkdir -p {WHEELS_TARGET}\n"
            )
            self.buildah(
                "bud", "--pull=never", "--layers", "--format", "docker",
                "-t", f"{plain}-pip", str(ctx),
            )  # fmt: skip

    def provide(self, bases: Iterable[str]) -> None:
        """Tag the stand-in for each base name (``python:3.9-slim``...) in the store."""
        for base in bases:
            ref = parse_image(base)
            if ref is None or base_problem(base) is not None:
                continue
            name = _full_name(ref)
            if name in self._tagged:
                continue
            slim = "slim" in ref.tag_parts
            source = f"localhost/standin-{ref.repository}{'-slim' if slim else ''}-pip"
            self.buildah("tag", source, name)
            self._tagged.add(name)

    def remove(self, image: str) -> None:
        with contextlib.suppress(RuntimeError):
            self.buildah("rmi", "--force", image)

    def prune(self) -> None:
        """Remove the intermediate images of builds no longer running (``--layers`` keeps
        one per step): the store then holds the stand-ins and what other entries use."""
        with contextlib.suppress(RuntimeError):
            self.buildah("rmi", "--prune")

    def cleanup(self) -> None:
        for args in (("rm", "--all"), ("rmi", "--all", "--force")):
            with contextlib.suppress(RuntimeError):
                self.buildah(*args)
        for point in sorted(_mounts_under(self.top), key=len, reverse=True):
            subprocess.run(["umount", point], capture_output=True, check=False)
        shutil.rmtree(self.top, ignore_errors=True)


def _full_name(ref: ImageRef) -> str:
    """The name buildah resolves ``FROM`` short names to: ``docker.io/library/NAME:TAG``."""
    name = ref.repository
    return f"docker.io/library/{name}:{ref.tag}"


def _mounts_under(top: Path) -> list[str]:
    prefix = f"{top}/"
    out = []
    with open("/proc/self/mountinfo", encoding="utf-8", errors="surrogateescape") as fh:
        for line in fh:
            point = re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), line.split()[4])
            if point.startswith(prefix):
                out.append(point)
    return out


# --------------------------------------------------------------------------- one entry


@dataclass
class Side:
    """One image: the original or the rewrite."""

    built: bool = False
    seconds: float = 0.0
    size_bytes: int | None = None
    failure: str | None = None
    """The failing step and line, when the build failed."""
    smoke_python: str | None = None
    failed_imports: dict[str, str] = field(default_factory=dict)


@dataclass
class Result:
    id: str
    status: str
    """``pass``, ``fail`` (a bug in fix), ``skipped`` (the original does not build) or
    ``timeout`` (not done within ``--timeout``)."""
    reason: str = ""
    bases: tuple[str, ...] = ()
    placeholders: list[str] = field(default_factory=list)
    modules: list[str] = field(default_factory=list)
    """What the smoke command imports (those the original can import)."""
    not_in_original: dict[str, str] = field(default_factory=dict)
    """Modules the code imports that the original image cannot import either."""
    fixes: list[str] = field(default_factory=list)
    not_made: list[str] = field(default_factory=list)
    restructured: bool = False
    before: Side = field(default_factory=Side)
    after: Side = field(default_factory=Side)


def run_entry(store: Store, entry: Entry, work: Path, keep_images: bool) -> Result:
    result = Result(entry.id, "fail", bases=entry.bases)
    folder = work / entry.id
    shutil.copytree(CORPUS / entry.id, folder)
    dockerfile, context = resolve_dockerfile(folder / entry.dockerfile, None)
    parsed = parse_dockerfile(dockerfile, build_args_for(dockerfile))
    result.placeholders = make_placeholders(parsed, context)
    modules = code_imports(dockerfile, folder)
    pythons = smoke.interpreters(parsed)
    tag = entry.id.split("-", 1)[0]
    images = (f"localhost/fix-builds-{tag}-before", f"localhost/fix-builds-{tag}-after")
    store.provide(entry.bases)
    mounts = (Mount(WHEELS, WHEELS_TARGET),) if WHEELS.is_dir() else ()
    try:
        _build(store, dockerfile, context, images[0], mounts, result.before, work)
        if not result.before.built:
            result.status = "skipped"
            result.reason = f"the original does not build here: {result.before.failure}"
            return result
        _smoke(store, images[0], modules, pythons, result.before)
        result.not_in_original = dict(result.before.failed_imports)
        result.modules = [m for m in modules if m not in result.not_in_original]
        report = fix(dockerfile, context_dir=context, unsafe=True, torch_index=str(WHEELS))
        result.fixes = [f"{c.code}: {c.description}" for c in report.changes]
        result.not_made = [n.message for n in report.notices]
        result.restructured = report.restructured
        rewrite = report.files[0].path
        fixed = parse_dockerfile(rewrite, build_args_for(dockerfile))
        store.provide(s.base_expanded for s in fixed.stages)
        both = {m.target: m for m in (*mounts, *report.mounts)}
        _build(store, rewrite, context, images[1], tuple(both.values()), result.after, work)
        if not result.after.built:
            result.reason = f"the rewrite does not build: {result.after.failure}"
            return result
        _smoke(
            store, images[1], result.modules, (*smoke.interpreters(fixed), *pythons), result.after
        )
        if result.after.failed_imports:
            name, line = next(iter(result.after.failed_imports.items()))
            result.reason = f"the rewrite cannot import {name}: {line}"
            return result
        result.status = "pass"
        return result
    finally:
        if not keep_images:
            for image in images:
                store.remove(image)
            store.prune()


def make_placeholders(dockerfile: Dockerfile, context: Path) -> list[str]:
    """Empty files (a name with a suffix) or folders for the COPY/ADD sources the corpus
    does not hold, then empty files for the context files a RUN needs that it does not hold
    either (:func:`_run_placeholders`); their context-relative paths."""
    made = []
    for instruction in dockerfile.instructions():
        for source in local_sources(instruction):
            if any(ch in source for ch in "*?["):
                continue
            path = (context / source).resolve()
            if path.exists() or not path.is_relative_to(context.resolve()):
                continue
            if Path(source.rstrip("/")).suffix and not source.endswith("/"):
                path.parent.mkdir(parents=True, exist_ok=True)
                path.touch()
            else:
                path.mkdir(parents=True)
            made.append(source)
    return made + _run_placeholders(dockerfile, context)


def _run_placeholders(dockerfile: Dockerfile, context: Path) -> list[str]:
    """Empty files for what the RUN lines of the stages the image needs read from the
    context and the corpus does not keep: the script a RUN executes (``python x.py``,
    ``./x.sh``, ``bash x.sh``: :func:`jettison.dockerfile.scripts.started_by`) and the
    files the packaging of a project it installs (``pip install``s, or ``poetry install``s
    in its working directory) names (``readme``, license files:
    :func:`jettison.requirements.metadata_files.metadata_files`). Only paths a COPY/ADD or
    bind mount of the context explains are made (a script of the base image is not ours to
    make); an empty Python or shell script runs and does nothing."""
    ignore = dockerignore_path(dockerfile.path, context)
    excluded = DockerIgnore(read_dockerignore(ignore) if ignore else ()).excludes
    made: list[str] = []
    for stage in needed_stages(dockerfile):
        for step in steps(dockerfile, stage):
            if step.instruction.keyword != "RUN":
                continue
            files = ContextFiles.before(dockerfile, step, context, excluded)
            for command in step.commands:
                started = started_by(command, step.cwd, step.env, stage.index)
                if started is not None and started.target.kind == "path":
                    made += _placeholder(files, started.target.name, context, excluded)
                install = parse_install(step.instruction, command)
                projects = list(install.local_projects) if install is not None else []
                poetry = env_install(command, step.env)
                if poetry is not None and poetry.tool == "poetry" and not command.has("--no-root"):
                    projects.append(".")  # poetry installs the project it runs in too
                for project in projects:
                    where = absolute(project.split("[", 1)[0], step.cwd)
                    folder = files.folder(where)
                    if folder is None:
                        continue
                    for name in metadata_files(folder):
                        made += _placeholder(files, posixpath.join(where, name), context, excluded)
    return list(dict.fromkeys(made))


def _placeholder(
    files: ContextFiles, image_path: str, context: Path, excluded: Excluded
) -> list[str]:
    """An empty context file for ``image_path`` when no context file is there but a COPY
    would put one there; its context-relative path."""
    if files.find(image_path) is not None:
        return []
    root = context.resolve()
    for relative in files.sources(image_path):
        path = context / relative
        if relative == "." or excluded(relative) or path.exists():
            continue
        if not path.resolve().is_relative_to(root) or path.parent.is_file():
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch()
        return [relative]
    return []


def code_imports(dockerfile: Path, folder: Path) -> list[str]:
    """The third-party modules the code in the build context imports (what fix judges
    requirements by); when the context holds no code (the image installs the service from
    the index), those the repository's own code imports."""
    found = {i.module for i in build_context(dockerfile).imports}
    return sorted(found or {i.module for i in scan_imports(folder)})


def _build(
    store: Store,
    dockerfile: Path,
    context: Path,
    tag: str,
    mounts: tuple[Mount, ...],
    side: Side,
    work: Path,
) -> None:
    options = BuildOptions(builder=store.builder, ca_bundle=HOST_CA, mounts=mounts)
    log = work / f"{tag.rsplit('/', 1)[-1]}.log"
    started = time.monotonic()
    with log.open("w", encoding="utf-8") as out:
        try:
            build(
                dockerfile, context_dir=context, tag=tag, options=options,
                on_line=lambda line: out.write(line.rstrip("\n") + "\n"),
            )  # fmt: skip
        except BuildError as exc:
            out.flush()
            lines = log.read_text(encoding="utf-8", errors="replace").splitlines()
            side.failure = f"{_short(exc.step)}: {error_line(lines or exc.log_tail)}"
            return
        finally:
            side.seconds = round(time.monotonic() - started, 1)
    side.built = True
    side.size_bytes = inspect(store.builder.store_reference(tag)).size_bytes


_TELLING = (
    re.compile(r"^\s*[A-Z]\w*(?:Error|Exception|Exit): "),  # a Python exception
    re.compile(r"^(?:ERROR|E): "),  # pip, apt
    re.compile(r"resolve host|Failed to resolve|Could not resolve|No matching distribution"),
    re.compile(
        r"\berror\b|not found|no such|does not exist|cannot|could not|unable|failed|denied",
        re.IGNORECASE,
    ),
)
_NOISE = re.compile(
    r"building at STEP|exit status|returned a non-zero|^note: |^error: subprocess|"
    r"^hint: |^WARNING: (?:Retrying|Running pip as)|^subprocess exited"
)


def error_line(lines: Sequence[str]) -> str:
    """The most telling line of a failed build's output: the last Python exception, else
    the last pip or apt error, else the last line that sounds like an error (of the lines
    after the last ``STEP``: the failing step's output)."""
    starts = [i for i, line in enumerate(lines) if line.startswith("STEP ")]
    own = lines[starts[-1] + 1 :] if starts else lines
    kept = [line.strip() for line in own if line.strip() and not _NOISE.search(line.strip())]
    for pattern in _TELLING:
        found = [line for line in kept if pattern.search(line)]
        if found:
            return _clip(found[-1])
    return _clip((kept or ["(no output)"])[-1])


def _clip(line: str) -> str:
    """A long line's start and end (buildah puts the cause last)."""
    return line if len(line) <= 300 else f"{line[:140]} ... {line[-150:]}"


def _short(step: str | None) -> str:
    text = " ".join((step or "unknown step").split())
    return text if len(text) <= 100 else text[:97] + "..."


def _smoke(
    store: Store, image: str, modules: list[str], pythons: Sequence[str], side: Side
) -> None:
    done = store.builder.run(image, smoke.command(modules, pythons), timeout_s=900, network="none")
    found = smoke.read(done.stdout, done.stderr, done.exit_code)
    side.smoke_python = found.python
    side.failed_imports = dict(found.failed)


# --------------------------------------------------------------------------- reporting


def _size(value: int | None) -> str:
    return "-" if value is None else f"{value / 1e6:,.0f} MB"


def markdown(results: Sequence[Result], skipped: Sequence[Skipped], seconds: float) -> str:
    built = [r for r in results if r.status in {"pass", "fail"}]
    passed = [r for r in built if r.status == "pass"]
    out = [
        f"Entries run: {len(results)}; original builds here: {len(built)}; "
        f"rewrite builds and imports what the original imports: **{len(passed)}**; "
        f"fix bugs left: {len(built) - len(passed)}. Wall time {seconds / 60:.0f} min.",
        "",
        "| entry | size before -> after | build s before / after | fixes | smoke |",
        "|---|---|---|---|---|",
    ]
    for r in built:
        codes = sorted({c for f in r.fixes for c in f.split(":", 1)[0].split()})
        smoke = (
            f"pass / pass ({len(r.modules)} modules)"
            if r.status == "pass"
            else f"pass / **fail**: {r.reason}"
        )
        shape = " (restructured)" if r.restructured else ""
        out.append(
            f"| {r.id} | {_size(r.before.size_bytes)} -> {_size(r.after.size_bytes)} | "
            f"{r.before.seconds:.0f} / {r.after.seconds:.0f} | {', '.join(codes)}{shape} | "
            f"{smoke} |"
        )
    out += ["", "Smoke imports, and what the original cannot import either:", ""]
    for r in built:
        extra = (
            "; not in the original either: "
            + ", ".join(f"{m} ({e})" for m, e in r.not_in_original.items())
            if r.not_in_original
            else ""
        )
        holders = f"; placeholders: {', '.join(r.placeholders)}" if r.placeholders else ""
        out.append(f"- {r.id}: {', '.join(r.modules) or '(none)'}{extra}{holders}")
    out += ["", "Skipped:", ""]
    out += [f"- {r.id}: {r.reason}" for r in results if r.status == "skipped"]
    out += [f"- {r.id}: timed out, {r.reason}" for r in results if r.status == "timeout"]
    out += [f"- {s.id}: {s.reason}" for s in skipped]
    return "\n".join(out) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--list", action="store_true", help="only say which entries, and why")
    parser.add_argument("--entries", help="comma-separated ids (default: every selected one)")
    parser.add_argument("--jobs", type=int, default=2, help="entries built side by side")
    parser.add_argument("--work", type=Path, help="where the store and copies go (a temp dir)")
    parser.add_argument("--json", type=Path, help="write every result as JSON")
    parser.add_argument("--markdown", type=Path, help="write the table as Markdown")
    parser.add_argument("--keep-images", action="store_true")
    parser.add_argument("--keep-work", action="store_true")
    parser.add_argument(
        "--timeout", type=float, default=2400, help="seconds per entry, both builds (2400)"
    )
    parser.add_argument(
        "--merge", type=Path, nargs="+", help="only render the --json files of earlier runs"
    )
    parser.add_argument("--one", help=argparse.SUPPRESS)  # a child of _run_all
    parser.add_argument("--store", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    judged = select(CORPUS)
    entries = [e for e in judged if isinstance(e, Entry)]
    skipped = [s for s in judged if isinstance(s, Skipped)]
    if args.one:
        (entry,) = [e for e in entries if e.id == args.one]
        return _one(entry, args.store, args.work, args.json, args.keep_images)
    if args.entries:
        wanted = args.entries.split(",")  # built in this order
        entries = sorted((e for e in entries if e.id in wanted), key=lambda e: wanted.index(e.id))
        skipped = [s for s in skipped if s.id in wanted]
    for item in judged:
        if isinstance(item, Entry):
            sys.stderr.write(f"build  {item.id}: {item.dockerfile} on {', '.join(item.bases)}\n")
        else:
            sys.stderr.write(f"skip   {item.id}: {item.reason}\n")
    if args.list:
        return 0
    if args.merge:
        results, seconds = merge(args.merge)
        done = {r.id for r in results}
        left = [Skipped(e.id, "not run (out of time)") for e in entries if e.id not in done]
        text = markdown(results, [*left, *skipped], seconds)
        sys.stdout.write(text)
        if args.markdown:
            args.markdown.write_text(text)
        return 0
    started = time.monotonic()
    work = args.work or Path(tempfile.mkdtemp(prefix="jettison-fix-builds-", dir="/var/tmp"))
    store = Store(work / "store")
    try:
        store.prepare()
        results = list(
            _run_all(store, entries, work / "entries", args.jobs, args.keep_images, args.timeout)
        )
    finally:
        if not args.keep_work:
            store.cleanup()
            shutil.rmtree(work, ignore_errors=True)
    seconds = time.monotonic() - started
    text = markdown(results, skipped, seconds)
    sys.stdout.write(text)
    if args.markdown:
        args.markdown.parent.mkdir(parents=True, exist_ok=True)
        args.markdown.write_text(text)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        payload = {
            "results": [asdict(r) for r in results],
            "skipped": [asdict(s) for s in skipped],
            "seconds": round(seconds),
        }
        args.json.write_text(json.dumps(payload, indent=2) + "\n")
    return 0 if all(r.status != "fail" for r in results) else 1


def _run_all(
    store: Store, entries: Sequence[Entry], work: Path, jobs: int, keep: bool, timeout_s: float
) -> Iterator[Result]:
    """Each entry in a child process (``--one``) sharing ``store``, killed with all it
    started (its buildah) after ``timeout_s``: an entry that hangs or pulls gigabytes
    costs no more than that."""
    work.mkdir(parents=True, exist_ok=True)

    def one(entry: Entry) -> Result:
        sys.stderr.write(f"[{time.strftime('%H:%M:%S')}] {entry.id}: building\n")
        out = work / f"{entry.id}.result.json"
        argv = [sys.executable, __file__, "--one", entry.id, "--store", str(store.top)]
        argv += ["--work", str(work), "--json", str(out)] + (["--keep-images"] if keep else [])
        # its temp files (the builder's --iidfile folder) under ``work``, which is removed at
        # the end: a child killed at the timeout cleans up nothing itself
        temp = work / "tmp" / entry.id
        temp.mkdir(parents=True, exist_ok=True)
        env = {**os.environ, "TMPDIR": str(temp)}
        child = subprocess.Popen(argv, start_new_session=True, env=env)
        try:
            child.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(child.pid, signal.SIGKILL)
            child.wait()
        if out.is_file():
            result = _result_from(json.loads(out.read_text(encoding="utf-8")))
        elif child.returncode == -signal.SIGKILL:
            result = Result(entry.id, "timeout", f"not done after {timeout_s:.0f} s", entry.bases)
        else:
            result = Result(entry.id, "fail", f"bench error: exit {child.returncode}", entry.bases)
        sys.stderr.write(
            f"[{time.strftime('%H:%M:%S')}] {entry.id}: {result.status} {result.reason}\n"
        )
        return result

    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        yield from pool.map(one, entries)


def _one(entry: Entry, store_top: Path, work: Path, out: Path, keep: bool) -> int:
    """``--one``: build one entry in the prepared store; its result as JSON in ``out``."""
    try:
        result = run_entry(Store(store_top), entry, work, keep)
    except (JettisonError, RuntimeError, OSError) as exc:
        result = Result(entry.id, "fail", reason=f"bench error: {exc}", bases=entry.bases)
    out.write_text(json.dumps(asdict(result), indent=2) + "\n", encoding="utf-8")
    return 0


_RANK = ("pass", "fail", "skipped", "timeout")
"""Of one entry's results in several runs, the first of these statuses is kept."""


def merge(paths: Sequence[Path]) -> tuple[list[Result], float]:
    """The results of several runs (``--json`` files, e.g. of entries run side by side):
    per entry the most telling one (a build over a timeout); the wall time of the longest."""
    kept: dict[str, Result] = {}
    seconds = 0.0
    for path in paths:
        payload = json.loads(path.read_text(encoding="utf-8"))
        seconds = max(seconds, float(payload["seconds"]))
        for result in map(_result_from, payload["results"]):
            known = kept.get(result.id)
            if known is None or _RANK.index(result.status) < _RANK.index(known.status):
                kept[result.id] = result
    return list(kept.values()), seconds


def _result_from(data: dict[str, Any]) -> Result:
    sides = {k: Side(**data.pop(k)) for k in ("before", "after")}
    return Result(**{**data, "bases": tuple(data["bases"]), **sides})


if __name__ == "__main__":
    raise SystemExit(main())
