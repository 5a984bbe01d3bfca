"""Every fuzz harness, defined once: a target taking bytes, and its seed corpus.

``test_fuzz.py`` runs each under :func:`~fuzz.invariant.run_checked` for a few thousand
deterministic inputs (Hypothesis), ``bench/fuzz.py`` for 100,000s (atheris, coverage-guided).
A target returns normally or raises :class:`~jettison.errors.JettisonError`; it raises
:class:`~fuzz.invariant.Violation` itself when a property of the result is wrong (a fix
that does not parse, a report its schema rejects, a file written outside the output).

Targets are deterministic and hold no state between inputs except jettison's own caches,
kept in a private cache directory (:func:`scratch`).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from fuzz import fileset
from fuzz.invariant import Violation

MAX_TEXT_BYTES = 64 << 10
"""Longer text inputs are cut: a harness looks for shapes, not for volume."""


@dataclass(frozen=True)
class Harness:
    name: str
    target: Callable[[bytes], object]
    seeds: Callable[[], list[bytes]]
    """The seed corpus: the tests' images, the real-world corpus."""
    what: str


# --------------------------------------------------------------------------- scratch space


@cache
def _scratch_root() -> Path:
    root = Path(tempfile.mkdtemp(prefix="jettison-fuzz-"))
    cache_dir = root / "cache"
    cache_dir.mkdir()
    os.environ["JETTISON_CACHE"] = str(cache_dir)
    # jettison's own temporary files land here, where they are watched (the machine's /tmp
    # has other writers); the harness's scratch directories are made in the root itself.
    (root / "tmp").mkdir()
    tempfile.tempdir = str(root / "tmp")
    return root


@contextlib.contextmanager
def scratch() -> Iterator[Path]:
    """An empty directory for one input, removed afterwards."""
    directory = Path(tempfile.mkdtemp(prefix="in-", dir=_scratch_root()))
    try:
        yield directory
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def _tree(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*")}


@contextlib.contextmanager
def writes_only_under(output: Path, watched: Path) -> Iterator[None]:
    """Fail when the body leaves anything in ``watched`` (or the working directory, or the
    temporary directory) outside ``output``; jettison's cache directory may change."""
    _scratch_root()
    roots = {watched, Path.cwd(), Path(tempfile.gettempdir())}
    before = {root: _listing(root, deep=root == watched) for root in roots}
    yield
    allowed = (output.resolve(), Path(os.environ["JETTISON_CACHE"]).resolve())
    for root in roots:
        for new in sorted(_listing(root, deep=root == watched) - before[root]):
            path = (root / new).resolve()
            if not any(path == a or a in path.parents for a in allowed):
                raise Violation("write", f"wrote {path} (outside {output})", "?")


def _listing(root: Path, *, deep: bool) -> set[str]:
    if deep:
        return _tree(root)
    return {p.name for p in root.iterdir()}


def _text(data: bytes) -> str:
    return data[:MAX_TEXT_BYTES].decode("utf-8", "replace")


# --------------------------------------------------------------------------- schema checks


@cache
def _schema(command: str) -> Any:
    from importlib.resources import files

    import jsonschema  # type: ignore[import-untyped]

    path = files("jettison.render") / "schema" / f"{command}-report.schema.json"
    schema = json.loads(path.read_text(encoding="utf-8"))
    return jsonschema.Draft202012Validator(schema)


def validated_json(command: str, report: object) -> dict[str, Any]:
    """The report's JSON, which must satisfy its command's schema."""
    from jettison.render import render

    text = render(command, report, "json")
    document = json.loads(text)
    errors = sorted(_schema(command).iter_errors(document), key=lambda e: list(e.path))
    if errors:
        first = errors[0]
        where = "/".join(str(p) for p in first.absolute_path)
        raise Violation("schema", f"{command} report at /{where}: {first.message[:200]}", "?")
    return dict(document)


# --------------------------------------------------------------------------- tar and layers


def _chunks(data: bytes, size: int) -> Iterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


def tar_target(data: bytes) -> object:
    """The tar header reader: streamed in chunks of any size and read by seeking, which
    must agree on every member (and fail alike)."""
    from jettison.image.tarstream import ChunkReader, WindowReader, iter_headers

    chunk = 1 + (data[0] if data else 0) * 7
    body = data[1:]

    def listing(reader: ChunkReader | WindowReader) -> list[object]:
        from jettison.errors import ImageFormatError

        out: list[object] = []
        try:
            out.extend(iter_headers(reader, "fuzz"))
        except ImageFormatError as exc:
            out.append(("error", str(exc).split(" (")[0]))
        return out

    streamed = listing(ChunkReader(_chunks(body, chunk)))
    seeking = listing(WindowReader(io.BytesIO(body), len(body), window=512 * (1 + chunk % 5)))
    if streamed != seeking:
        raise Violation("differ", "streamed and seeking tar readers disagree", "?")
    return streamed


def _layer(blob: bytes, *, seekable: bool) -> Any:
    from jettison.image.model import Layer

    class Store:
        def open_blob(self, ref: str) -> io.BufferedIOBase:
            return io.BytesIO(blob) if seekable else _Unseekable(blob)

        def blob_size(self, ref: str) -> int:
            return len(blob)

        def close(self) -> None:
            pass

    return Layer(index=0, blob_ref="fuzz", store=Store(), stored_size_bytes=len(blob))


class _Unseekable(io.BytesIO):
    def seekable(self) -> bool:
        return False


def layer_target(data: bytes) -> object:
    """One layer blob through the layer reader (mode byte: as stored and seekable, as
    stored and streamed, gzip or zstd of the rest), then the merged filesystem over it."""
    import gzip

    import zstandard

    from jettison.image.filesystem import MergedFilesystem
    from jettison.image.layer_reader import read_layer

    mode, rest = (data[0] % 4, data[1:]) if data else (0, b"")
    blob = {
        0: lambda: rest,
        1: lambda: rest,
        2: lambda: gzip.compress(rest, compresslevel=1, mtime=0),
        3: lambda: zstandard.ZstdCompressor(level=1).compress(rest),
    }[mode]()
    listing = read_layer(_layer(blob, seekable=mode == 0), capture=lambda _path, size: size <= 4096)
    fs = MergedFilesystem([listing.table])
    return (len(listing.table), fs.total_bytes(), fs.hidden_bytes(), len(listing.captured))


# --------------------------------------------------------------------------- filesystem


def filesystem_entries(text: str) -> list[list[Any]]:
    """Layers of tar entries from lines: ``---`` starts a layer; ``f PATH [SIZE]``,
    ``d PATH``, ``s PATH TARGET``, ``h PATH TARGET``, ``w PATH`` (whiteout), ``o DIR``
    (opaque), ``x NAME`` (a raw member name, e.g. ``../x`` or ``.wh.``)."""
    from support import imagewriter as w

    layers: list[list[Any]] = [[]]
    for line in text.splitlines()[:400]:
        op, _, rest = line.partition(" ")
        args = rest.split(" ")
        path = args[0]
        second = args[1] if len(args) > 1 else ""
        if op == "---":
            layers.append([])
        elif op == "f" and path:
            size = int(second) if second.isdigit() and len(second) < 6 else len(path)
            layers[-1].append(w.file(path, (path.encode() * (size + 1))[:size]))
        elif op == "d" and path:
            layers[-1].append(w.directory(path))
        elif op == "s" and path:
            layers[-1].append(w.symlink(path, second))
        elif op == "h" and path:
            layers[-1].append(w.hardlink(path, second))
        elif op == "w" and path:
            layers[-1].append(w.whiteout(path))
        elif op == "o":
            layers[-1].append(w.opaque(path))
        elif op == "x" and path:
            layers[-1].append(w.TarEntry(path))
    return layers[:16]


def filesystem_target(data: bytes) -> object:
    """Layers described by :func:`filesystem_entries`, written as a real docker-archive and
    inspected: whiteouts, opaque directories, links and odd names through the merged
    filesystem and every analyzer; then diffed against the same image without its top
    layer. Both reports must satisfy their schemas."""
    from jettison import api
    from support import imagewriter as w

    layers = [w.LayerSpec(entries) for entries in filesystem_entries(_text(data))]
    with scratch() as directory:
        try:
            after = w.write_docker_archive(directory / "after.tar", w.ImageSpec(layers=layers))
            before = w.write_docker_archive(
                directory / "before.tar", w.ImageSpec(layers=layers[:-1])
            )
        except (ValueError, UnicodeError, OverflowError):
            return None  # tarfile cannot write this name: not jettison's input
        report = api.inspect(str(after), cache=False, tree=True)
        validated_json("inspect", report)
        return len(validated_json("diff", api.diff(str(before), str(after))))


# --------------------------------------------------------------------------- images


def image_target(data: bytes) -> object:
    """A file set (:mod:`fuzz.fileset`) stored as (mode byte) a docker-archive or oci-archive
    tar, an OCI layout directory, or the raw bytes as the archive itself; then inspect, whose
    report must satisfy its schema."""
    from jettison import api
    from support import imagewriter as w

    mode, rest = (data[0] % 4, data[1:]) if data else (0, b"")
    with scratch() as directory:
        if mode == 3:
            path = directory / "image.tar"
            path.write_bytes(rest)
        else:
            files = fileset.decode(rest)
            if mode == 1:
                path = directory / "layout"
                _write_layout(path, files)
            else:
                path = w.write_tar(directory / "image.tar", _safe_names(files))
        reference = ("oci:" if mode == 1 else "") + str(path)
        report = api.inspect(reference, cache=False)
        return len(validated_json("inspect", report))


def _safe_names(files: dict[str, bytes]) -> dict[str, bytes]:
    """Names tarfile can write (the reader's hostile names are the layer harness's job)."""
    return {
        name: data
        for name, data in files.items()
        if name and "\0" not in name and len(name.encode("utf-8", "surrogateescape")) < 200
    }


def _write_layout(root: Path, files: dict[str, bytes]) -> None:
    root.mkdir()
    for name, data in _safe_names(files).items():
        parts = [p for p in name.split("/") if p not in ("", ".", "..")]
        if not parts:
            continue
        target = root.joinpath(*parts)
        with contextlib.suppress(OSError):
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)


# --------------------------------------------------------------------------- Dockerfiles


def dockerfile_target(data: bytes) -> object:
    """The parser wrapper, ARG substitution and every shell-command recogniser over each
    instruction of the parsed file."""
    from jettison.dockerfile import copies, launch, steps
    from jettison.dockerfile.commands import cleanup, downloads, layers, python, system
    from jettison.dockerfile.images import runtime_base
    from jettison.dockerfile.parser import expand, parse_text
    from jettison.dockerfile.shell import commands_of

    text = _text(data)
    dockerfile = parse_text(text, Path("/fuzz/Dockerfile"), {"A": "1", "B": ""})
    seen = 0
    for instruction in dockerfile.instructions():
        expand(" ".join(instruction.args), {"X": "x", "A": ""})
        cleanup.mounts(instruction)
        cleanup.volatile_targets(instruction)
        python.pip_installs(instruction)
        copies.local_sources(instruction)
        copies.copy_parts(instruction)
        copies.whole_context(instruction)
        if instruction.keyword in ("ENV", "ARG", "LABEL"):
            steps.assignments(instruction)
            steps.assignment_items(instruction)
        for command in commands_of(instruction):
            seen += 1
            system.system_command(command)
            system.apt_installs(command)
            system.upgrades_all(command)
            system.apk_virtual(command)
            python.pip_argv(command)
            python.env_install(command, {"UV_NO_DEV": "1"})
            python.venv_dirs(command)
            python.without_cache(command)
            python.parse_install(instruction, command)
            downloads.fetches(command)
            downloads.git_clone(command)
            downloads.model_download(command, lambda _path: None)
            cleanup.removed_paths(command, "/app", {"HOME": "/root"})
            layers.layer_of(command)
            launch.python_module(command)
    for stage in dockerfile.stages:
        for step in steps.steps(dockerfile, stage, inherited=True):
            seen += len(step.env)
    steps.runtime_steps(dockerfile)
    copies.copy_sources(dockerfile)
    launch.launches(dockerfile)
    launch.final_commands(dockerfile)
    runtime_base(dockerfile)
    return seen


def _project(directory: Path, data: bytes) -> Path:
    """A build context: the Dockerfile, then (after a line ``#---``) a requirements.txt and
    (after another) a .dockerignore."""
    text = _text(data)
    dockerfile, _, rest = text.partition("\n#---\n")
    requirements, _, ignore = rest.partition("\n#---\n")
    project = directory / "project"
    project.mkdir()
    (project / "Dockerfile").write_text(dockerfile, encoding="utf-8", errors="surrogateescape")
    if requirements:
        (project / "requirements.txt").write_text(requirements, encoding="utf-8")
    if ignore:
        (project / ".dockerignore").write_text(ignore, encoding="utf-8")
    (project / "app.py").write_text("import fastapi\nimport torch\n", encoding="utf-8")
    return project


def lint_target(data: bytes) -> object:
    """lint (offline) of a project made of the input; its JSON validates, SARIF renders."""
    from jettison import api
    from jettison.render import render

    with scratch() as directory:
        project = _project(directory, data)
        with writes_only_under(project, directory):
            report = api.lint(project / "Dockerfile", offline=True)
        document = validated_json("lint", report)
        render("lint", report, "sarif")
        return len(document["findings"])


def fix_target(data: bytes) -> object:
    """fix (offline, unsafe fixes too) writes only its output; what it writes parses, and
    fixing that again changes nothing (fixes are idempotent); the report validates."""
    from jettison import api
    from jettison.dockerfile.parser import parse_text

    with scratch() as directory:
        project = _project(directory, data)
        unsafe = bool(data) and data[-1] % 2 == 1
        with writes_only_under(project, directory):
            report = api.fix(project / "Dockerfile", offline=True, unsafe=unsafe)
        validated_json("fix", report)
        written = project / "Dockerfile.jettison"
        # Bytes, not read_text: universal newlines would turn a lone \r into a line break
        # and fix a different Dockerfile the second time.
        text = written.read_bytes().decode("utf-8", "surrogateescape")
        try:
            parse_text(text, written)
        except Exception as exc:
            raise Violation("fix", f"fixed text does not parse: {exc}"[:200], "?") from exc
        (project / "Dockerfile").write_bytes(written.read_bytes())
        again = api.fix(project / "Dockerfile", offline=True, unsafe=unsafe, dry_run=True)
        if again.changes and not report.restructured:
            codes = ", ".join(c.code for c in again.changes)
            raise Violation("fix", f"fixing twice changes more ({codes})", "?")
        return len(report.changes)


def dockerignore_target(data: bytes) -> object:
    """``.dockerignore`` patterns compiled and matched against context paths."""
    from jettison.dockerfile.ignore import DockerIgnore, read_dockerignore

    with scratch() as directory:
        path = directory / ".dockerignore"
        path.write_bytes(data[:MAX_TEXT_BYTES])
        ignore = DockerIgnore(read_dockerignore(path))
    paths = (
        "app.py",
        ".git/HEAD",
        "models/bert/pytorch_model.bin",
        "a/b/c/d.txt",
        "node_modules/x/index.js",
        "data/[x].csv",
        "weird\\name",
        "." * 3,
        "a/" * 8 + "deep.py",
    )
    return [ignore.excludes(p) for p in paths]


# --------------------------------------------------------------------------- requirements


REQUIREMENT_KINDS = ("requirements.txt", "pyproject.toml", "environment.yml", "plan")


def requirements_target(data: bytes) -> object:
    """requirements.txt (with an include), pyproject.toml, environment.yml, or a
    monorepo for ``plan`` (compose file + Dockerfile + requirements; the plan written half
    of the time, and only under its output directory), by mode byte."""
    from jettison.requirements import load_requirements

    mode, rest = (data[0] % 4, data[1:]) if data else (0, b"")
    text = rest[:MAX_TEXT_BYTES]
    with scratch() as directory:
        if REQUIREMENT_KINDS[mode] == "plan":
            return _plan(directory, text)
        name = REQUIREMENT_KINDS[mode]
        (directory / name).write_bytes(text)
        (directory / "base.txt").write_text("numpy==1.26.4\n-r requirements.txt\n")
        found = load_requirements(directory, [Path(name)])
        return len(found.requirements)


def _plan(directory: Path, compose: bytes) -> object:
    from jettison import api

    repo = directory / "repo"
    for service in ("api", "worker"):
        (repo / service).mkdir(parents=True)
        (repo / service / "Dockerfile").write_text(
            "FROM python:3.11-slim\nCOPY requirements.txt .\nRUN pip install -r requirements.txt\n"
            'COPY . .\nCMD ["python", "main.py"]\n'
        )
        (repo / service / "requirements.txt").write_text("fastapi==0.110.0\nnumpy\n")
        (repo / service / "main.py").write_text("import fastapi\n")
    (repo / "docker-compose.yml").write_bytes(compose)
    write = len(compose) % 2 == 1  # the plan's files too, half of the time
    with writes_only_under(repo / "jettison-plan", directory):
        report = api.plan(repo, offline=True, write=write)
    return len(validated_json("plan", report))


# --------------------------------------------------------------------------- caches


def cache_target(data: bytes) -> object:
    """What another process may have left in the cache: a layer scan entry (sealed with a
    valid checksum, so the decoder sees the payload; mode byte: or raw), a wheel-size cache
    file. Either is read as an entry or a miss, never a crash."""
    import hashlib
    import struct
    import zlib

    from jettison.image import scan_cache
    from jettison.lint.sizes import CACHE_FILE, WheelSizes

    mode, rest = (data[0] % 3, data[1:]) if data else (0, b"")
    layer = _layer(b"", seekable=True)
    layer = type(layer)(
        index=0,
        blob_ref="x",
        store=layer.store,
        stored_size_bytes=0,
        digest="sha256:" + "a" * 64,
        diff_id="sha256:" + "b" * 64,
    )
    with scratch() as directory:
        if mode == 2:
            (directory / CACHE_FILE).write_bytes(rest)
            sizes = WheelSizes(offline=True, cache_path=directory / CACHE_FILE)
            return [sizes.installed_bytes(n, s) for n, s in (("torch", "==2.3.1"), ("numpy", ""))]
        store = scan_cache.ScanCache(directory, capture="fuzz")
        key = store.key(layer)
        assert key is not None
        if mode == 0:
            payload = zlib.compress(rest.replace(b"@KEY@", key.encode()), 1)
            head = struct.pack(
                "<I32sQ", scan_cache.FORMAT_VERSION, hashlib.sha256(payload).digest(), len(payload)
            )
            entry = b"jettison layer scan\n" + head + payload
        else:
            entry = rest
        (directory / f"{key}{scan_cache.SUFFIX}").write_bytes(entry)
        listing = store.load(layer)
        return None if listing is None else len(listing.table)


# --------------------------------------------------------------------------- the index


def index_target(data: bytes) -> object:
    """The package index's answers, as a file set: ``project`` (the JSON document of a
    project), ``wheel`` (a wheel, served with range requests as PyPI does; its zip central
    directory and METADATA are read). Wheel sizes and Requires-Dist must come out as numbers
    and strings or "unknown", whatever the index says."""
    from jettison.lint.sizes import WheelSizes

    files = fileset.decode(data)
    project, wheel = files.get("project", b""), files.get("wheel", b"")

    def get(url: str, headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        if url.endswith("/json"):
            return (200, {}, project) if project else (404, {}, b"")
        wanted = headers.get("Range", "")
        if not wanted.startswith("bytes="):
            return 200, {}, wheel
        start_text, _, end_text = wanted[6:].partition("-")
        if not start_text:  # the tail
            start, end = max(0, len(wheel) - int(end_text)), len(wheel)
        else:
            start, end = int(start_text), min(len(wheel), int(end_text) + 1)
        return 206, {"Content-Range": f"bytes {start}-{end - 1}/{len(wheel)}"}, wheel[start:end]

    with scratch() as directory:
        sizes = WheelSizes(directory / "sizes.json", index_url="https://index.invalid/pypi")
        sizes._get = get  # type: ignore[method-assign]  # the seam tests use
        found = (
            sizes.installed_bytes("torch", ">=2"),
            sizes.requires_dist("torch", ">=2"),
            sizes.installed_bytes_with_deps("torch", ">=2"),
        )
    bytes_, requires, total = found
    if bytes_ is not None and not isinstance(bytes_, int):
        raise Violation("index", f"installed bytes {bytes_!r}", "?")
    if requires is not None and not all(isinstance(r, str) for r in requires):
        raise Violation("index", f"requires {requires!r}", "?")
    return bytes_, total


# --------------------------------------------------------------------------- the registry


def _seeds(name: str) -> Callable[[], list[bytes]]:
    def make() -> list[bytes]:
        from fuzz import seeds

        made: list[bytes] = getattr(seeds, name)()
        return made

    return make


HARNESSES: tuple[Harness, ...] = (
    Harness("tar", tar_target, _seeds("tar"), "tar header reader, streamed vs seeking"),
    Harness("layer", layer_target, _seeds("layer"), "layer reader: none/gzip/zstd, bombs"),
    Harness("filesystem", filesystem_target, _seeds("filesystem"), "merged fs + analyzers"),
    Harness("image", image_target, _seeds("image"), "docker-archive/OCI manifests, configs"),
    Harness("dockerfile", dockerfile_target, _seeds("dockerfile"), "parser + recognisers"),
    Harness("lint", lint_target, _seeds("lint"), "lint + JSON/SARIF reports"),
    Harness("fix", fix_target, _seeds("fix"), "fix: parses, idempotent, writes in place"),
    Harness("dockerignore", dockerignore_target, _seeds("dockerignore"), ".dockerignore"),
    Harness("requirements", requirements_target, _seeds("requirements"), "requirement files"),
    Harness("cache", cache_target, _seeds("cache"), "foreign/truncated cache entries"),
    Harness("index", index_target, _seeds("index"), "package index JSON and wheel zips"),
)
BY_NAME = {h.name: h for h in HARNESSES}
