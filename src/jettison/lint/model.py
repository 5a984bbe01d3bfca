"""Findings, rules and what rules see.

A rule is a module in ``jettison.lint.rules`` that defines ``RULE = Rule(...)``; the registry
(``jettison.lint.rules.RULES``) lists them. A rule's ``check`` receives a
:class:`LintContext` and yields :class:`Finding` values; it never reads files itself and
never raises on odd input (it yields nothing instead).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from jettison.dockerfile.model import Dockerfile, Instruction
from jettison.dockerfile.scripts import Scripts
from jettison.imports.model import ImportedName as ImportedName  # re-exported for rules
from jettison.notices import Severity as Severity  # the one severity, re-exported for rules
from jettison.requirements.model import Requirement, RequirementSet

if TYPE_CHECKING:
    from jettison.inspect.report import InspectReport


@dataclass(frozen=True, slots=True)
class Saving:
    """Bytes a fix would remove, and where the figure comes from (never a made-up number)."""

    size_bytes: int
    source: str
    """e.g. ``measured in image IMG``, ``installed size of torch-2.7.0 wheels (PyPI)``."""


@dataclass(frozen=True, slots=True)
class Finding:
    code: str
    severity: Severity
    message: str
    file: Path
    line: int
    column: int = 1
    end_line: int | None = None
    fix: str | None = None
    """How to resolve it, one or two sentences."""
    saving: Saving | None = None

    def sort_key(self) -> tuple[str, int, int, str, str]:
        return (str(self.file), self.line, self.column, self.code, self.message)


@dataclass(frozen=True, slots=True)
class CodeView:
    """How much of the shipped code the import scan could read (:mod:`jettison.lint.codeview`
    builds it). Rules that conclude from what the code does *not* do (never imports a
    package, never touches a GPU) report at ``info`` when the view is partial, and say why."""

    files_scanned: int = 0
    """Python files the scan read in the build context."""
    gaps: tuple[str, ...] = ()
    """Why the scanned files may not be all of the shipped code, one reason each."""

    @property
    def partial(self) -> bool:
        return bool(self.gaps)

    def summary(self) -> str:
        """``the build context holds only part of the shipped code: <reasons>``."""
        if not self.gaps:
            return "the build context holds the shipped code"
        shown = "; ".join(self.gaps[:2])
        more = f" (and {len(self.gaps) - 2} more)" if len(self.gaps) > 2 else ""
        return f"the build context holds only part of the shipped code: {shown}{more}"


@dataclass(frozen=True)
class LintContext:
    """Everything a rule may look at; built once per run by the lint facade."""

    dockerfile: Dockerfile | None
    context_dir: Path
    """The build context (COPY sources resolve against it)."""
    requirements: RequirementSet
    imports: tuple[ImportedName, ...] = ()
    """Top-level modules the shipped code imports (AST scan of ``--src``)."""
    used_distributions: frozenset[str] = frozenset()
    """Canonical distribution names the code uses: imports mapped to distributions, plus
    servers named in CMD/ENTRYPOINT (uvicorn, gunicorn...)."""
    dockerignore: tuple[str, ...] | None = None
    """Patterns of ``.dockerignore`` (None when the context has none)."""
    image: InspectReport | None = None
    """``--image IMG``: inspect's report of the built image, for measured savings."""
    sizes: Callable[[str, str], int | None] | None = None
    """(distribution, specifier) -> measured installed bytes of its wheel, when known."""
    options: Mapping[str, object] = field(default_factory=dict)
    """Per-rule options from config (``[tool.jettison.lint.options]``)."""
    scripts: Scripts = field(default_factory=Scripts)
    """The scripts and Python modules the Dockerfile's RUN lines and its start run, read
    from the build context (:mod:`jettison.dockerfile.scripts`)."""
    code_view: CodeView | None = None
    """How complete the scanned code is; None when not assessed (taken as complete)."""
    memo: dict[object, object] = field(default_factory=dict, init=False, compare=False, repr=False)
    """What several rules derive alike from this context (the commands a RUN executes),
    computed once per run (:func:`jettison.lint.helpers.commands_traced`); a context made with
    ``dataclasses.replace`` starts with an empty one."""

    def requirement_for(self, name: str) -> Requirement | None:
        found = self.requirements.named(name)
        return found[0] if found else None

    def option(self, code: str, key: str) -> object | None:
        """``options = { JT302 = { gpu = true } }`` in the lint config: rule ``code``'s value
        of ``key``, or None."""
        table = self.options.get(code)
        if isinstance(table, Mapping):
            return table.get(key)
        return None


Check = Callable[[LintContext], Iterable[Finding]]


@dataclass(frozen=True)
class Rule:
    code: str
    """Stable code: ``JT`` + three digits; the hundreds say the family."""
    name: str
    """Short kebab-case name, e.g. ``apt-lists-not-removed``."""
    severity: Severity
    summary: str
    check: Check
    example: str = ""
    """A minimal bad snippet, for the docs."""
    fix_example: str = ""
    """The same snippet fixed, for the docs."""
    peer: str | None = None
    """The equivalent hadolint code, when there is one (``DL3009``)."""

    def finding(
        self,
        ctx_file: Path,
        at: Instruction | int,
        message: str,
        *,
        fix: str | None = None,
        saving: Saving | None = None,
        severity: Severity | None = None,
    ) -> Finding:
        """A finding of this rule at an instruction (or a 1-based line)."""
        if isinstance(at, Instruction):
            line, column, end = at.position.line, at.position.column, at.position.end_line
        else:
            line, column, end = at, 1, None
        return Finding(
            code=self.code,
            severity=severity or self.severity,
            message=message,
            file=ctx_file,
            line=line,
            column=column,
            end_line=end,
            fix=fix,
            saving=saving,
        )


FAMILIES: Mapping[str, str] = {
    "JT0": "Input problems",
    "JT1": "Generic size (hadolint parity)",
    "JT2": "Base images",
    "JT3": "Python dependencies",
    "JT4": "Build hygiene",
    "JT5": "Models and data",
    "JT6": "Runtime and security",
}
