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
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from jettison.dockerfile.ignore import DockerIgnore
from jettison.dockerfile.model import Dockerfile, Instruction, Stage
from jettison.dockerfile.shell import Command, split_commands
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


def copy_parts(instruction: Instruction) -> tuple[list[str], str] | None:
    """(sources, destination) of a COPY/ADD; None for heredocs and malformed ones."""
    if instruction.keyword not in {"COPY", "ADD"} or len(instruction.args) < 2:
        return None
    if instruction.heredocs or any(a.startswith("<<") for a in instruction.args):
        return None
    return list(instruction.args[:-1]), instruction.args[-1]


# -- paths inside the image --------------------------------------------------------------------


def workdirs(dockerfile: Dockerfile, stage: Stage) -> dict[int, str]:
    """Instruction line -> the working directory in effect there."""
    parent = dockerfile.stage_named(stage.base_expanded)
    current = "/"
    if parent is not None and parent.index < stage.index:
        parent_dirs = workdirs(dockerfile, parent)
        current = parent_dirs.get(-1, "/")
    out: dict[int, str] = {}
    for instruction in stage.instructions:
        if instruction.keyword == "WORKDIR" and instruction.args:
            current = posixpath.normpath(posixpath.join(current, instruction.args[0]))
        out[instruction.position.line] = current
    out[-1] = current
    return out


def destination(dockerfile: Dockerfile, stage: Stage, instruction: Instruction, dest: str) -> str:
    """The absolute destination of a COPY (``./models/`` under ``WORKDIR /app``:
    ``/app/models``)."""
    workdir = workdirs(dockerfile, stage).get(instruction.position.line, "/")
    return posixpath.normpath(posixpath.join(workdir, dest))


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

_PY_DOWNLOAD = re.compile(
    r"\b(from_pretrained|snapshot_download|hf_hub_download|SentenceTransformer|"
    r"load_state_dict_from_url|torch\.hub\.load|whisper\.load_model|spacy\.cli\.download|"
    r"nltk\.download|pipeline)\s*\("
)
_URL_WEIGHTS = re.compile(
    r"https?://\S+?(?:\.(?:safetensors|bin|pt|pth|ckpt|onnx|gguf|ggml|h5|keras|tflite)"
    r"|/resolve/[^\s?]+)(?:\?\S*)?$",
    re.IGNORECASE,
)
_PYTHON = re.compile(r"^python\d*(?:\.\d+)?$")
_SCRIPT_NAME = re.compile(
    r"(?:download|fetch|prefetch|cache|pull).*(?:model|weight|checkpoint)|"
    r"(?:model|weight|checkpoint).*(?:download|fetch|prefetch|cache|pull)",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class Download:
    instruction: Instruction
    what: tuple[str, ...]
    """Human-readable: ``from_pretrained()``, ``huggingface-cli download``, ``wget model.onnx``."""
    uses_cache: bool
    """Whether it lands in the Hugging Face/torch cache (rather than an explicit path)."""
    targets: tuple[str, ...]
    """Explicit destinations (``--local-dir``, ``-O``), absolute when known."""


def _option_value(argv: Sequence[str], *names: str) -> str | None:
    for index, arg in enumerate(argv):
        for name in names:
            if arg == name and index + 1 < len(argv):
                return argv[index + 1]
            if arg.startswith(name + "=") and name.startswith("--"):
                return arg.split("=", 1)[1]
    return None


def _script_text(ctx: LintContext, script: str) -> str | None:
    for candidate in (ctx.context_dir / script.lstrip("/"), ctx.context_dir / Path(script).name):
        try:
            if candidate.is_file() and candidate.stat().st_size < (1 << 20):
                return candidate.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
    return None


def _command_downloads(
    ctx: LintContext, command: Command, workdir: str
) -> tuple[list[str], bool, list[str]]:
    """(what, uses_cache, targets) for one simple command."""
    argv = command.argv
    name = command.name
    words = command.words()
    if name in {"huggingface-cli", "hf"} and words[:1] == ["download"]:
        target = _option_value(argv, "--local-dir", "--cache-dir")
        targets = [posixpath.join(workdir, target)] if target else []
        return [f"{name} download"], not target, targets
    if name == "git" and words[:2] == ["lfs", "pull"]:
        return ["git lfs pull"], False, [workdir]
    if name == "git" and words[:1] == ["clone"] and any("huggingface.co" in w for w in words):
        dest = words[2] if len(words) > 2 else posixpath.basename(words[1].rstrip("/"))
        return ["git clone of a Hugging Face repository"], False, [posixpath.join(workdir, dest)]
    if name == "ollama" and words[:1] == ["pull"]:
        return ["ollama pull"], False, ["/root/.ollama"]
    if name in {"wget", "curl"}:
        urls = [w for w in argv[1:] if _URL_WEIGHTS.search(w)]
        if urls:
            out = _option_value(argv, "-O", "-o", "--output", "--output-document")
            files = [posixpath.basename(u.split("?")[0]) for u in urls]
            targets = [posixpath.join(workdir, out or f) for f in files]
            return [f"{name} {', '.join(files)}"], False, targets
    if _PYTHON.match(name):
        module = argv[argv.index("-m") + 1 :] if "-m" in argv else ()
        if list(module[:2]) == ["spacy", "download"] or module[:1] == ("nltk.downloader",):
            return [f"python -m {' '.join(module[:2])}"], False, []
        if "-c" in argv and argv.index("-c") + 1 < len(argv):
            found = _PY_DOWNLOAD.findall(argv[argv.index("-c") + 1])
            if found:
                return [f"{f}()" for f in dict.fromkeys(found)], True, []
        script = next((w for w in words if w.endswith(".py")), None)
        if script is not None:
            text = _script_text(ctx, script)
            found = _PY_DOWNLOAD.findall(text) if text else []
            if found:
                calls = ", ".join(f"{f}()" for f in dict.fromkeys(found))
                return [f"{script} ({calls})"], True, []
            if text is None and _SCRIPT_NAME.search(posixpath.basename(script)):
                return [f"{script} (by its name)"], True, []
    return [], False, []


def _cache_mounted(instruction: Instruction, caches: Sequence[str]) -> bool:
    """A ``--mount=type=cache`` (or tmpfs) over the cache: downloads do not stay."""
    for mount in instruction.flag_values("mount"):
        fields = dict(f.split("=", 1) for f in mount.split(",") if "=" in f)
        if fields.get("type") not in {"cache", "tmpfs"}:
            continue
        target = fields.get("target") or fields.get("dst") or fields.get("destination") or ""
        target = target.rstrip("/")
        if target and any(c.rstrip("/") == target or c.startswith(target + "/") for c in caches):
            return True
    return False


def downloads(ctx: LintContext) -> list[Download]:
    """Weight downloads in ``RUN``/``ADD`` of the runtime stages, in file order."""
    dockerfile = ctx.dockerfile
    if dockerfile is None:
        return []
    stages = dockerfile.runtime_stages()
    out: list[Download] = []
    for stage in stages:
        dirs = workdirs(dockerfile, stage)
        for instruction in stage.instructions:
            workdir = dirs.get(instruction.position.line, "/")
            if instruction.keyword == "ADD":
                parts = copy_parts(instruction)
                urls = [s for s in parts[0] if _URL_WEIGHTS.search(s)] if parts else []
                if parts and urls:
                    dest = posixpath.join(workdir, parts[1])
                    files = [posixpath.basename(u.split("?")[0]) for u in urls]
                    out.append(Download(instruction, (f"ADD {', '.join(files)}",), False, (dest,)))
                continue
            if instruction.keyword != "RUN":
                continue
            what: list[str] = []
            uses_cache = False
            targets: list[str] = []
            for command in split_commands(instruction.shell_text):
                found, cached, where = _command_downloads(ctx, command, workdir)
                what.extend(found)
                uses_cache = uses_cache or cached
                targets.extend(where)
            for doc in instruction.heredocs:
                found_calls = _PY_DOWNLOAD.findall(doc.content)
                if found_calls and "python" in " ".join(instruction.args):
                    what.extend(f"{f}()" for f in dict.fromkeys(found_calls))
                    uses_cache = True
            if not what:
                continue
            caches = cache_dirs(env_values(stages, instruction.position.line))
            if uses_cache and not targets and _cache_mounted(instruction, caches):
                continue
            out.append(
                Download(instruction, tuple(dict.fromkeys(what)), uses_cache, tuple(targets))
            )
    return out
