"""JT403: the application source is copied before ``pip install -r requirements.txt``.

Why it matters: a layer is rebuilt when anything copied before it changes. With ``COPY . .``
(or ``COPY app/ ...``) ahead of the dependency install, every code edit re-runs
``pip install`` and produces a new multi-GB layer to build, push and pull, instead of
reusing the cached one. Copy the requirement files alone, install, then copy the source.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from jettison.dockerfile.shell import Command
from jettison.dockerfile.steps import Step, steps
from jettison.lint.model import Finding, LintContext, Rule, Severity
from jettison.lint.rules.hygiene.jt402_copy_whole_context import whole_context
from jettison.lint.rules.size._scripts import positionals, stage_label
from jettison.lint.rules.size.jt107_pip_cache import PIP_VALUED, pip_argv

_MANIFEST = re.compile(
    r"(?:.*requirements.*\.(?:txt|in)|.*constraints.*\.txt|pyproject\.toml|setup\.cfg|"
    r"poetry\.lock|uv\.lock|pdm\.lock|Pipfile(?:\.lock)?|environment\.ya?ml|pip\.conf)",
    re.IGNORECASE,
)
MAX_FILES = 2_000


def requirement_files(command: Command) -> list[str] | None:
    """The ``-r`` files of a ``pip install`` that installs only requirements (None: not such
    a command, or it also installs the project itself, which needs the source anyway)."""
    argv = pip_argv(command)
    if command.name == "uv" and command.args[:2] == ("pip", "install"):
        argv = ("pip", *command.args[1:])
    if argv is None:
        return None
    args = list(argv[1:])
    files: list[str] = []
    for index, arg in enumerate(args):
        if arg in ("-r", "--requirement") and index + 1 < len(args):
            files.append(args[index + 1])
        elif arg.startswith("--requirement="):
            files.append(arg.split("=", 1)[1])
        elif arg.startswith("-r") and len(arg) > 2 and not arg.startswith("--"):
            files.append(arg[2:])
    valued = PIP_VALUED | {"-r", "--requirement", "-c", "--constraint", "-e", "--editable"}
    words = positionals(Command(("pip", *args)), valued)
    if not files or words[:1] != ["install"] or "-e" in args or "--editable" in args:
        return None
    if any(w in (".", "./") or w.startswith(("./", "/")) for w in words[1:]):
        return None
    return files


def _source_dir(ctx: LintContext, source: str) -> bool:
    """``source`` is a context directory holding more than requirement files."""
    path = ctx.context_dir / source.lstrip("/")
    try:
        if not path.is_dir():
            return source.endswith("/") and not (ctx.context_dir / source.lstrip("/")).exists()
        for count, file in enumerate(p for p in path.rglob("*") if p.is_file()):
            if count > MAX_FILES or not _MANIFEST.fullmatch(file.name):
                return True
    except OSError:
        return False
    return False


def _brings_source(step: Step, ctx: LintContext) -> bool:
    instruction = step.instruction
    if instruction.keyword not in ("COPY", "ADD") or instruction.flag("from") is not None:
        return False
    if whole_context(instruction):
        return True
    return any(_source_dir(ctx, s) for s in instruction.args[:-1] if "://" not in s)


def check(ctx: LintContext) -> Iterator[Finding]:
    if ctx.dockerfile is None:
        return
    for stage in ctx.dockerfile.stages:
        pending: list[Step] = []
        for step in steps(ctx.dockerfile, stage):
            if _brings_source(step, ctx):
                pending.append(step)
                continue
            if step.instruction.keyword != "RUN" or not pending:
                continue
            files = next(
                (f for c in step.commands if (f := requirement_files(c)) is not None), None
            )
            if files is None:
                continue
            for copy in pending:
                written = f"{copy.instruction.keyword} {' '.join(copy.instruction.args)}"
                yield RULE.finding(
                    ctx.dockerfile.path,
                    copy.instruction,
                    f"`{written}` in {stage_label(stage)} comes before the install of "
                    f"{', '.join(Path(f).name for f in files)} on line "
                    f"{step.instruction.position.line}: every source change re-runs it",
                    fix=(
                        f"Copy {', '.join(files)} alone first, run the install, and copy the "
                        "source after it."
                    ),
                )
            pending = []


RULE = Rule(
    code="JT403",
    name="requirements-after-source",
    severity=Severity.WARNING,
    summary="The source is copied before `pip install -r`, so every edit re-installs.",
    check=check,
    example="COPY . .\nRUN pip install --no-cache-dir -r requirements.txt",
    fix_example=(
        "COPY requirements.txt .\nRUN pip install --no-cache-dir -r requirements.txt\nCOPY . ."
    ),
)
