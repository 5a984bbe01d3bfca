"""JT402 fix (safe): a ``.dockerignore`` that keeps history, virtualenvs and caches out of
the build context (what no COPY names; the service never sees them)."""

from __future__ import annotations

from jettison.dockerfile.copies import copy_sources
from jettison.dockerfile.ignore import DockerIgnore, dockerignore_path, read_dockerignore
from jettison.fix.autofix.model import Autofix, Fixed, FixInput, Skip
from jettison.lint.model import Finding

HEADER = "# written by `jettison fix`: keep the build context (and COPY . .) small"
PATTERNS = (
    ".git",
    "**/__pycache__",
    "**/*.pyc",
    ".venv",
    "venv",
    ".pytest_cache",
    ".mypy_cache",
    "*.bak",
)
"""Never read by a build that works: version control, local virtualenvs, tool caches."""
SECRETS = (".env",)
"""Local environment files (python-dotenv's): secrets a build must not ship; the edit fix
adds them too (the restructure's template keeps to :data:`PATTERNS`)."""


def template(patterns: tuple[str, ...] = PATTERNS) -> str:
    """A ``.dockerignore`` of ``patterns`` under jettison's header."""
    return "\n".join([HEADER, *patterns]) + "\n"


def _wanted(fix_input: FixInput) -> list[str]:
    """The patterns to add: not yet excluded, and excluding nothing a COPY names."""
    ignore_file = dockerignore_path(fix_input.dockerfile.path, fix_input.ctx.context_dir)
    present = read_dockerignore(ignore_file) if ignore_file is not None else ()
    named = [n for n in (_relative(s) for s in copy_sources(fix_input.dockerfile)) if n]
    out = []
    for pattern in (*PATTERNS, *SECRETS):
        if pattern in present:
            continue
        alone = DockerIgnore([pattern])
        if any(alone.excludes(source) for source in named):
            continue  # a COPY names it: the build needs it
        out.append(pattern)
    return out


def _relative(source: str) -> str:
    """A COPY source as a context path (``./src/`` -> ``src``; the root -> empty)."""
    source = source.removeprefix("./").rstrip("/")
    return "" if source in {".", ""} else source


def make(fix_input: FixInput, finding: Finding) -> Fixed | Skip:
    if not fix_input.in_dockerfile(finding):
        return Skip("the finding is not in the Dockerfile")
    wanted = _wanted(fix_input)
    if not wanted:
        return Skip("the .dockerignore already leaves out what jettison knows to leave out")
    ctx = fix_input.ctx
    ignore_file = dockerignore_path(fix_input.dockerfile.path, ctx.context_dir)
    if ignore_file is None:
        target = ctx.context_dir / ".dockerignore"
        text = template(tuple(wanted))
        return Fixed((), f"{target.name} written: the context was unfiltered", ((target, text),))
    try:
        before = ignore_file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return Skip(f"{ignore_file}: cannot read it as text")
    separator = "" if not before or before.endswith("\n") else "\n"
    text = before + separator + template(tuple(wanted))
    added = ", ".join(wanted)
    return Fixed((), f"{ignore_file.name}: also leaves out {added}", ((ignore_file, text),))


AUTOFIX = Autofix(
    "JT402",
    True,
    "Write (or complete) .dockerignore with .git, virtualenvs and tool caches.",
    make,
)
