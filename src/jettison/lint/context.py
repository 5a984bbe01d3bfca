"""Build the :class:`LintContext` rules see: Dockerfile, build context, requirements, imports.

Finding the build context
-------------------------
``docker build -f DIR/Dockerfile CONTEXT`` takes the context as a separate argument, which a
linter given only the Dockerfile does not know. ``--context DIR`` says it. Without it the
context is the Dockerfile's directory, unless the Dockerfile's ``COPY``/``ADD`` sources
are not there but are found from a directory above it (up to two levels): projects that keep
``docker/app.Dockerfile`` and build it from the repository root (``COPY docker/...`` or
``COPY src/ ...``) then get their root as context. The directory where the most sources
resolve wins; the nearest one on a tie.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from jettison.dockerfile.model import Dockerfile, Instruction
from jettison.dockerfile.parser import parse_dockerfile
from jettison.dockerfile.shell import split_commands
from jettison.errors import DockerfileError
from jettison.lint.model import ImportedName, LintContext
from jettison.requirements.model import RequirementSet

if TYPE_CHECKING:
    from jettison.inspect.report import InspectReport

DOCKERFILE_NAMES = ("Dockerfile", "Containerfile")
DOCKERFILE_GLOBS = ("*.Dockerfile", "*.Containerfile")
CONTEXT_LEVELS_UP = 2
"""How far above the Dockerfile's directory the context heuristic looks."""
_REQUIREMENTS = re.compile(
    r"^(?:.*requirements.*\.(?:txt|in)|.*constraints.*\.txt|pyproject\.toml"
    r"|environment\.ya?ml|conda.*\.ya?ml)$",
    re.IGNORECASE,
)
_MAGIC = re.compile(r"[*?[]")
_REMOTE = re.compile(r"^(?:[a-z][a-z0-9+.-]*://|git@)", re.IGNORECASE)

Sizes = Callable[[str, str], int | None]


def is_requirements_input(path: Path) -> bool:
    """Whether ``path`` names a requirements input rather than a Dockerfile."""
    return _REQUIREMENTS.match(path.name) is not None


def find_dockerfile(path: Path) -> Path:
    """The Dockerfile ``path`` names: the file itself, or the one Dockerfile in a directory."""
    if path.is_file():
        return path
    if not path.exists():
        raise DockerfileError(
            f"{path}: no such file or directory",
            hint="give a Dockerfile or Containerfile (any name), or a directory holding one",
        )
    if not path.is_dir():
        raise DockerfileError(f"{path}: not a regular file or directory")
    found = [path / name for name in DOCKERFILE_NAMES if (path / name).is_file()]
    for pattern in DOCKERFILE_GLOBS:
        found.extend(sorted(p for p in path.glob(pattern) if p.is_file()))
    found = list(dict.fromkeys(found))
    if not found:
        raise DockerfileError(
            f"{path}: no Dockerfile here",
            hint="give the Dockerfile's path (any name), e.g. jettison lint docker/app.Dockerfile",
        )
    if len(found) > 1:
        names = ", ".join(p.name for p in found)
        raise DockerfileError(
            f"{path}: several Dockerfiles ({names})",
            hint=f"name the one to lint, e.g. jettison lint {found[0]}",
        )
    return found[0]


def _single_dockerfile(directory: Path) -> Path | None:
    try:
        return find_dockerfile(directory)
    except DockerfileError:
        return None


def owning_dockerfile(path: Path, cwd: Path) -> Path:
    """What to lint for ``path``: a requirements file maps to the one Dockerfile in its
    directory or a parent up to ``cwd`` (the file itself when there is none); anything else
    is returned as is."""
    if not (path.is_file() and is_requirements_input(path)):
        return path
    directory = path.parent.absolute()
    top = cwd.absolute()
    chain = [directory]
    if directory.is_relative_to(top):
        chain.extend(p for p in directory.parents if p.is_relative_to(top))
    for candidate in chain:
        found = _single_dockerfile(candidate)
        if found is not None:
            return found
    return path


def copy_sources(dockerfile: Dockerfile) -> list[str]:
    """Local sources of ``COPY``/``ADD`` (not ``--from`` stages, URLs, heredocs or ``$VAR``)."""
    out: list[str] = []
    for instruction in dockerfile.instructions():
        if instruction.keyword not in {"COPY", "ADD"} or instruction.flag("from") is not None:
            continue
        for source in instruction.args[:-1]:
            if source.startswith("<<") or "$" in source or _REMOTE.match(source):
                continue
            out.append(source)
    return out


def copied_requirement_files(dockerfile: Dockerfile, context: Path) -> list[Path]:
    """Requirement inputs the Dockerfile copies by name (``COPY requirements.txt .``).

    When there are some, they are what the image installs: lint reads those rather than
    every requirements file it could discover in the context (a ``requirements-dev.txt`` next
    to them is not production). A ``COPY . .`` names none, and discovery applies.
    """
    found: list[Path] = []
    for source in copy_sources(dockerfile):
        candidate = context / source.lstrip("/")
        if candidate.is_file() and is_requirements_input(candidate) and candidate not in found:
            found.append(candidate)
    return found


def resolve_context(dockerfile: Dockerfile, given: Path | None = None) -> Path:
    """The build context: ``given``, or the heuristic of this module's docstring."""
    if given is not None:
        if not given.is_dir():
            raise DockerfileError(
                f"build context {given}: not a directory",
                hint="--context takes the directory docker build would be given",
            )
        return given
    home = dockerfile.path.parent
    sources = copy_sources(dockerfile)
    if not sources:
        return home
    candidates = [home, *list(home.absolute().parents)[:CONTEXT_LEVELS_UP]]
    best, best_count = home, _resolved(home, sources)
    for candidate in candidates[1:]:
        count = _resolved(candidate, sources)
        if count > best_count:
            best, best_count = candidate, count
    return best


def _resolved(directory: Path, sources: Sequence[str]) -> int:
    count = 0
    for source in sources:
        pattern = source.lstrip("/") or "."
        if _MAGIC.search(pattern):
            try:
                if next(directory.glob(pattern), None) is not None:
                    count += 1
            except (ValueError, OSError):  # a pattern pathlib refuses (``..``): no match
                continue
        elif (directory / pattern).exists():
            count += 1
    return count


def dockerignore_path(dockerfile_path: Path | None, context_dir: Path) -> Path | None:
    """``<Dockerfile name>.dockerignore`` next to the Dockerfile (BuildKit prefers it), else
    the context's ``.dockerignore``; None when neither exists."""
    candidates = []
    if dockerfile_path is not None:
        candidates.append(dockerfile_path.with_name(dockerfile_path.name + ".dockerignore"))
    candidates.append(context_dir / ".dockerignore")
    return next((p for p in candidates if p.is_file()), None)


def read_dockerignore(path: Path) -> tuple[str, ...]:
    """The patterns of a ``.dockerignore`` (comments and blank lines dropped)."""
    try:
        text = path.read_bytes().decode("utf-8-sig", "replace")
    except OSError as exc:
        raise DockerfileError(f"{path}: cannot read ({exc.strerror})") from exc
    patterns = (line.strip() for line in text.splitlines())
    return tuple(p for p in patterns if p and not p.startswith("#"))


def final_commands(dockerfile: Dockerfile) -> list[list[str]]:
    """The argv lists of the image's ENTRYPOINT and CMD (the last of each in the final stage
    or the stages it is built on); shell forms are split into their simple commands."""
    out: list[list[str]] = []
    for keyword in ("ENTRYPOINT", "CMD"):
        last: Instruction | None = None
        for stage in dockerfile.runtime_stages():  # final stage first
            found = stage.of(keyword)
            if found:
                last = found[-1]
                break
        if last is None:
            continue
        if last.json:
            out.append(list(last.args))
        else:
            out.extend(list(c.argv) for c in split_commands(last.shell_text))
    return [argv for argv in out if argv]


def build_context(
    path: Path,
    *,
    src: Path | None = None,
    image: InspectReport | None = None,
    sizes: Sizes | None = None,
    requirement_files: Sequence[Path] = (),
    context_dir: Path | None = None,
    options: Mapping[str, object] | None = None,
) -> LintContext:
    """Everything the rules need about ``path`` (a Dockerfile, a directory holding one, or a
    requirements input linted on its own)."""
    dockerfile: Dockerfile | None = None
    extra = [Path(p) for p in requirement_files]
    if path.is_file() and is_requirements_input(path):
        context = context_dir or path.parent
        extra.insert(0, path)
    else:
        dockerfile = parse_dockerfile(find_dockerfile(path))
        context = resolve_context(dockerfile, context_dir)
        if not extra:
            extra = copied_requirement_files(dockerfile, context)
    requirements = _load_requirements(context, extra)
    imports = _scan_imports(src if src is not None else context)
    used = _used_distributions(imports, requirements, dockerfile)
    ignore_file = dockerignore_path(dockerfile.path if dockerfile else None, context)
    return LintContext(
        dockerfile=dockerfile,
        context_dir=context,
        requirements=requirements,
        imports=imports,
        used_distributions=used,
        dockerignore=read_dockerignore(ignore_file) if ignore_file is not None else None,
        image=image,
        sizes=sizes,
        options=dict(options or {}),
    )


def input_files(ctx: LintContext) -> list[Path]:
    """The files a context was built from: Dockerfile, requirement files, .dockerignore."""
    out = [ctx.dockerfile.path] if ctx.dockerfile is not None else []
    out.extend(ctx.requirements.files)
    dockerfile_path = ctx.dockerfile.path if ctx.dockerfile else None
    ignore_file = dockerignore_path(dockerfile_path, ctx.context_dir)
    if ignore_file is not None:
        out.append(ignore_file)
    return out


def _load_requirements(context: Path, files: Sequence[Path]) -> RequirementSet:
    from jettison.requirements import load_requirements

    return load_requirements(context, files or None)


def _scan_imports(src: Path) -> tuple[ImportedName, ...]:
    from jettison.imports.scan import scan_imports

    return tuple(scan_imports(src))


def _used_distributions(
    imports: Sequence[ImportedName],
    requirements: RequirementSet,
    dockerfile: Dockerfile | None,
) -> frozenset[str]:
    from jettison.imports.mapping import used_distributions
    from jettison.imports.servers import servers_in_commands

    used = set(used_distributions(imports, requirements))
    if dockerfile is not None:
        used |= set(servers_in_commands(final_commands(dockerfile)))
    return frozenset(used)
