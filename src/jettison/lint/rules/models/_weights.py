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
from dataclasses import dataclass
from pathlib import Path

from jettison.dockerfile.commands.cleanup import mounted_over
from jettison.dockerfile.commands.downloads import (
    WEIGHT_URL,
    model_download,
    python_calls,
    url_name,
)
from jettison.dockerfile.copies import copy_parts
from jettison.dockerfile.ignore import DockerIgnore
from jettison.dockerfile.model import Instruction, Stage
from jettison.dockerfile.shell import split_commands
from jettison.dockerfile.steps import steps
from jettison.facts.weights import cache_dirs, looks_like_weights
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
    ctx: LintContext, source: str, excludes: Sequence[str] = ()
) -> WeightFiles | None:
    """Weight files a COPY source brings from the build context; None when the source is
    not in the context (so the rule can only judge by its name)."""
    context = ctx.context_dir
    pattern = posixpath.normpath(source.lstrip("/")) if source.strip("/") else "."
    if glob.has_magic(pattern):
        tops = sorted(context.glob(pattern))
        if not tops:
            return None
    else:
        top = context / pattern
        if not top.exists():
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
            if is_weight_file(path, size):
                found[relative] = size
    files = sorted(found.items(), key=lambda item: (-item[1], item[0]))
    return WeightFiles(tuple(files))


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


def _script_reader(ctx: LintContext) -> Callable[[str], str | None]:
    """Reads a script ``python SCRIPT.py`` runs from the build context (by its path, or by
    its name at the context's root)."""

    def read(script: str) -> str | None:
        for candidate in (
            ctx.context_dir / script.lstrip("/"),
            ctx.context_dir / Path(script).name,
        ):
            try:
                if candidate.is_file() and candidate.stat().st_size < (1 << 20):
                    return candidate.read_text(encoding="utf-8", errors="replace")
            except OSError:
                continue
        return None

    return read


def _place(workdir: str, path: str) -> str:
    return workdir if path == "." else posixpath.join(workdir, path)


def _add_download(instruction: Instruction, workdir: str) -> Download | None:
    parts = copy_parts(instruction)
    urls = [s for s in parts[0] if WEIGHT_URL.search(s)] if parts else []
    if parts is None or not urls:
        return None
    files = ", ".join(url_name(u) for u in urls)
    return Download(instruction, (f"ADD {files}",), False, (posixpath.join(workdir, parts[1]),))


def _run_download(
    instruction: Instruction, workdir: str, read: Callable[[str], str | None]
) -> Download | None:
    what: list[str] = []
    uses_cache = False
    targets: list[str] = []
    for command in split_commands(instruction.shell_text):
        found = model_download(command, read)
        if found is not None:
            what.extend(found.what)
            uses_cache = uses_cache or found.uses_cache
            targets.extend(_place(workdir, t) for t in found.targets)
    for doc in instruction.heredocs:
        calls = python_calls(doc.content)
        if calls and "python" in " ".join(instruction.args):
            what.extend(calls)
            uses_cache = True
    if not what:
        return None
    return Download(instruction, tuple(dict.fromkeys(what)), uses_cache, tuple(targets))


def downloads(ctx: LintContext) -> list[Download]:
    """Weight downloads in ``RUN``/``ADD`` of the runtime stages, in file order."""
    dockerfile = ctx.dockerfile
    if dockerfile is None:
        return []
    stages = dockerfile.runtime_stages()
    read = _script_reader(ctx)
    out: list[Download] = []
    for stage in stages:
        for step in steps(dockerfile, stage):
            instruction = step.instruction
            if instruction.keyword == "ADD":
                found = _add_download(instruction, step.cwd)
            elif instruction.keyword == "RUN":
                found = _run_download(instruction, step.cwd, read)
            else:
                continue
            if found is None:
                continue
            caches = cache_dirs(env_values(stages, instruction.position.line))
            if (
                found.uses_cache
                and not found.targets
                and any(mounted_over(instruction, c, step.cwd) for c in caches)
            ):
                continue  # into a cache mount: nothing stays in the image
            out.append(found)
    return out
