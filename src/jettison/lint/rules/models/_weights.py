"""Model weights in a build: what COPY brings from the context, what RUN downloads, and the
bytes ``--image`` measured for them. Shared by the JT5xx rules.

Weight files are recognised with :mod:`jettison.facts.weights`, the table inspect's
``model-weights`` cause reads too (same suffixes, same size floor for
``.h5``/``.keras``/``.bin``), so lint and inspect agree.
"""

from __future__ import annotations

import glob
import os
import posixpath
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from jettison.dockerfile.commands.cleanup import mounted_over
from jettison.dockerfile.commands.downloads import (
    WEIGHT_URL,
    model_download,
    python_calls,
    url_name,
)
from jettison.dockerfile.commands.python import run_in_env
from jettison.dockerfile.copies import copy_parts, destination
from jettison.dockerfile.ignore import DockerIgnore
from jettison.dockerfile.model import Dockerfile, Instruction, Stage
from jettison.dockerfile.scripts import Script, local_imports
from jettison.dockerfile.shell import Command, split_commands
from jettison.dockerfile.steps import Step, steps
from jettison.facts.weights import (
    HF_CACHE_PATH,
    cache_dirs,
    looks_like_weights,
    named_like_weights,
)
from jettison.hostpaths import exists
from jettison.imports.entry import ModelLoad, model_loads, parse
from jettison.lint.model import LintContext, Saving
from jettison.lint.packages import env_pairs

MAX_WALK_FILES = 50_000
"""Stop walking a context directory after this many files (a linter must stay fast)."""


def is_weight_file(path: Path, size: int) -> bool:
    return looks_like_weights(path.name, size, lambda: (path.parent / "config.json").is_file())


# -- COPY sources in the build context -------------------------------------------------------


@dataclass(frozen=True, slots=True)
class WeightFiles:
    files: tuple[tuple[str, int], ...]
    """(path relative to the context, bytes), largest first."""

    @property
    def size_bytes(self) -> int:
        return sum(size for _, size in self.files)

    def describe(self, limit: int = 3) -> str:
        shown = ", ".join(path for path, _ in self.files[:limit])
        more = len(self.files) - limit
        return shown + (f" and {more} more" if more > 0 else "")


_SKIPPED_DIRS = frozenset(
    {".git", ".hg", ".svn", "node_modules", "__pycache__", "site-packages", "dist-packages"}
)
"""Never weights of the service: VCS data, and packages' own data files (inspect's
``model-weights`` cause leaves Python environments out the same way)."""


def _walk(root: Path, context: Path, ignore: DockerIgnore) -> Iterator[Path]:
    """Files under ``root``, skipping what the context leaves out, VCS directories and
    Python environments; at most :data:`MAX_WALK_FILES`."""
    seen = 0
    prune = not any(p.exclusion for p in ignore.patterns)  # "!" could re-include below
    for folder, dirs, names in os.walk(root):
        here = Path(folder)
        kept = []
        for name in sorted(dirs):
            path = here / name
            if name in _SKIPPED_DIRS or (path / "pyvenv.cfg").is_file():
                continue
            if prune and ignore.excludes(path.relative_to(context).as_posix()):
                continue
            kept.append(name)
        dirs[:] = kept
        for name in sorted(names):
            seen += 1
            if seen > MAX_WALK_FILES:
                return
            yield here / name


def context_weights(
    ctx: LintContext,
    source: str,
    excludes: Sequence[str] = (),
    keep: Callable[[Path, int], bool] = is_weight_file,
) -> WeightFiles | None:
    """Weight files (or the files ``keep`` accepts) a COPY source brings from the build
    context; None when the source is not in the context (so the rule can only judge by its
    name)."""
    context = ctx.context_dir
    pattern = posixpath.normpath(source.lstrip("/")) if source.strip("/") else "."
    if glob.has_magic(pattern):
        tops = sorted(context.glob(pattern))
        if not tops:
            return None
    else:
        top = context / pattern
        if not exists(top):
            return None
        tops = [top]
    ignore = DockerIgnore(ctx.dockerignore or ())
    extra = DockerIgnore(excludes)
    found: dict[str, int] = {}
    for top in tops:
        for path in _walk(top, context, ignore) if top.is_dir() else [top]:
            relative = path.relative_to(context).as_posix()
            if ignore.excludes(relative) or extra.excludes(relative):
                continue
            try:
                size = path.stat().st_size
            except OSError:
                continue
            if keep(path, size):
                found[relative] = size
    files = sorted(found.items(), key=lambda item: (-item[1], item[0]))
    return WeightFiles(tuple(files))


Named = Callable[[str], bool]


def stage_sources(dockerfile: Dockerfile, ref: str, path: str) -> list[str] | None:
    """The build-context sources that put ``path`` into stage ``ref`` (by COPY), or None
    when ``ref`` is not a stage of this file or nothing there copied ``path``."""
    stage = dockerfile.stage_ref(ref)
    if stage is None:
        return None
    wanted = posixpath.normpath(posixpath.join("/", path))
    out: list[str] = []
    chain = [stage]
    while (parent := dockerfile.stage_named(chain[-1].base_expanded)) is not None:
        if parent in chain:
            break
        chain.append(parent)
    for current in chain:
        for copy in current.of("COPY", "ADD"):
            parts = copy_parts(copy)
            if parts is None or copy.flag("from") is not None:
                continue
            dest = destination(dockerfile, current, copy, parts[1])
            if wanted == dest or wanted.startswith(dest + "/") or dest.startswith(wanted + "/"):
                out.extend(parts[0])
    return out or None


def is_stage(dockerfile: Dockerfile, instruction: Instruction) -> bool:
    return dockerfile.stage_ref(instruction.flag("from") or "") is not None


def examine(
    ctx: LintContext,
    instruction: Instruction,
    sources: list[str],
    keep: Callable[[Path, int], bool] = is_weight_file,
    named: Named = named_like_weights,
) -> tuple[list[tuple[str, int]], list[str]]:
    """(files ``keep`` accepts found in the context, sources judged by name only)."""
    assert ctx.dockerfile is not None
    files: dict[str, int] = {}
    by_name: list[str] = []
    excludes = instruction.flag_values("exclude")
    origin = instruction.flag("from")
    for source in sources:
        if "$" in source or "://" in source or source.startswith("git@"):
            continue
        if HF_CACHE_PATH.search(source):
            continue  # JT503
        context_sources: list[str] | None = [source]
        if origin is not None:
            context_sources = stage_sources(ctx.dockerfile, origin, source)
        if context_sources is None:
            if named(source):
                by_name.append(source)
            continue
        for context_source in context_sources:
            if HF_CACHE_PATH.search(context_source):
                continue
            found = context_weights(ctx, context_source, excludes, keep)
            if found is None:
                if named(context_source):
                    by_name.append(context_source)
            else:
                files.update(found.files)
    ordered = sorted(files.items(), key=lambda item: (-item[1], item[0]))
    return ordered, list(dict.fromkeys(by_name))


def env_values(stages: Iterable[Stage], before_line: int | None = None) -> dict[str, str]:
    """``ENV`` values set in ``stages`` (in file order), up to ``before_line``."""
    values: dict[str, str] = {}
    instructions = sorted((i for s in stages for i in s.of("ENV")), key=lambda i: i.position.line)
    for instruction in instructions:
        if before_line is not None and instruction.position.line >= before_line:
            break
        values.update(env_pairs(instruction))
    return values


def weights_in_image(ctx: LintContext, prefixes: Iterable[str]) -> Saving | None:
    """Bytes of the image's ``model-weights`` cause under ``prefixes`` (``--image`` only)."""
    if ctx.image is None:
        return None
    cause = next((c for c in ctx.image.removable if c.cause == "model-weights"), None)
    if cause is None or not cause.top:
        return None
    wanted = [p.strip("/") for p in prefixes if p.strip("/")]

    def under(path: str) -> bool:
        path = path.strip("/")
        return any(path == p or path.startswith(p + "/") for p in wanted)

    matched = [row for row in cause.top if under(row.path)]
    if not matched:
        return None
    size = (
        cause.size_bytes if len(matched) == len(cause.top) else sum(r.size_bytes for r in matched)
    )
    return Saving(size, f"measured in image {ctx.image.reference}")


# -- downloads during the build ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Download:
    instruction: Instruction
    what: tuple[str, ...]
    """Human-readable: ``from_pretrained()``, ``huggingface-cli download``, ``wget model.onnx``."""
    uses_cache: bool
    """Whether it lands in the Hugging Face/torch cache (rather than an explicit path)."""
    targets: tuple[str, ...]
    """Explicit destinations (``--local-dir``, ``-O``), absolute when known."""
    small: bool = False
    """Only small language data (NLTK tokenizers, spaCy ``_sm`` models)."""
    guessed: bool = False
    """Only judged by a script's name (``download.py``)."""
    stage: Stage | None = None


_CACHE_SOURCES = frozenset({"Hugging Face Hub", "torch hub"})
"""Loaders that write into the Hugging Face/torch caches (:data:`CACHE_ENV` moves them)."""


def _place(workdir: str, path: str) -> str:
    return workdir if path == "." else posixpath.join(workdir, path)


def _add_download(instruction: Instruction, workdir: str) -> Download | None:
    parts = copy_parts(instruction)
    urls = [s for s in parts[0] if WEIGHT_URL.search(s)] if parts else []
    if parts is None or not urls:
        return None
    files = ", ".join(url_name(u) for u in urls)
    return Download(instruction, (f"ADD {files}",), False, (posixpath.join(workdir, parts[1]),))


@dataclass
class _Found:
    what: list[str] = field(default_factory=list)
    uses_cache: bool = False
    targets: list[str] = field(default_factory=list)
    small: list[bool] = field(default_factory=list)
    sure: bool = False
    """Something more than a script's name says it downloads."""

    def add_loads(self, loads: Sequence[ModelLoad], script: str | None = None) -> None:
        if not loads:
            return
        self.sure = True
        calls = ", ".join(dict.fromkeys(load.call for load in loads))
        self.what.append(f"{script} ({calls})" if script is not None else calls)
        for load in loads:
            self.uses_cache = self.uses_cache or load.source in _CACHE_SOURCES
            self.small.append(load.data_pack)


def _python_code(
    ctx: LintContext, step: Step, command: Command
) -> tuple[list[ModelLoad], str | None] | None:
    """Model loads of the Python a command runs (``-c`` code, or a script or module found in
    the context, with the local modules it imports) and the script's path; None when there
    is no such code or it does not parse (the command-line recogniser then judges)."""
    command = run_in_env(command)
    argv = command.argv
    if command.name.startswith("python") and "-c" in argv[:-1]:
        code = Script("<-c>", "python", argv[argv.index("-c") + 1])
        return (model_loads(code), None) if parse(code) is not None else None
    stage = step.stage.index
    found = ctx.scripts.run_by(command, step.cwd, step.env, stage, step.instruction.position.line)
    if found is None or found[1].language != "python" or parse(found[1]) is None:
        return None
    started, script = found
    loads = model_loads(script, local_imports(script, stage, ctx.scripts), started.args)
    return loads, script.path


def _reader(script: Script | None) -> Callable[[str], str | None]:
    """What :func:`model_download` reads for the script a command runs: the text the lint
    context found for it (None: not in the context)."""
    return lambda _: script.text if script is not None else None


def _run_download(ctx: LintContext, step: Step) -> Download | None:
    instruction, workdir = step.instruction, step.cwd
    found = _Found()
    for command in split_commands(instruction.shell_text):
        code = _python_code(ctx, step, command)
        if code is not None:
            found.add_loads(*code)
            continue
        script = ctx.scripts.run_by(
            command, step.cwd, step.env, step.stage.index, instruction.position.line
        )
        download = model_download(command, _reader(script[1] if script is not None else None))
        if download is not None:
            found.what.extend(download.what)
            found.uses_cache = found.uses_cache or download.uses_cache
            found.targets.extend(_place(workdir, t) for t in download.targets)
            found.small.append(download.small)
            found.sure = found.sure or not download.guessed
    for doc in instruction.heredocs:
        if "python" not in " ".join(instruction.args):
            continue
        heredoc = Script("<heredoc>", "python", doc.content)
        if parse(heredoc) is not None:
            found.add_loads(model_loads(heredoc))
        elif calls := python_calls(doc.content):
            found.what.extend(calls)
            found.uses_cache = True
            found.small.append(False)
            found.sure = True
    if not found.what:
        return None
    return Download(
        instruction,
        tuple(dict.fromkeys(found.what)),
        found.uses_cache,
        tuple(found.targets),
        small=all(found.small),
        guessed=not found.sure,
        stage=step.stage,
    )


def stage_downloads(ctx: LintContext, stage: Stage) -> list[Download]:
    """Weight downloads in the ``RUN``/``ADD`` lines of one stage, in file order."""
    dockerfile = ctx.dockerfile
    assert dockerfile is not None
    chain = [s for s in dockerfile.stages if s.index <= stage.index]
    out: list[Download] = []
    for step in steps(dockerfile, stage):
        instruction = step.instruction
        if instruction.keyword == "ADD":
            found = _add_download(instruction, step.cwd)
        elif instruction.keyword == "RUN":
            found = _run_download(ctx, step)
        else:
            continue
        if found is None:
            continue
        caches = cache_dirs(env_values(chain, instruction.position.line))
        if (
            found.uses_cache
            and not found.targets
            and any(mounted_over(instruction, c, step.cwd) for c in caches)
        ):
            continue  # into a cache mount: nothing stays in the image
        out.append(found)
    return out


def downloads(ctx: LintContext) -> list[Download]:
    """Weight downloads in ``RUN``/``ADD`` of the runtime stages, in file order."""
    dockerfile = ctx.dockerfile
    if dockerfile is None:
        return []
    return [d for stage in dockerfile.runtime_stages() for d in stage_downloads(ctx, stage)]
