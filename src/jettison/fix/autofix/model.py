"""What an autofix sees and returns."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from jettison.dockerfile import shellwords
from jettison.dockerfile.model import Dockerfile, Instruction
from jettison.fix.edits import (
    Edit,
    Span,
    append_command,
    insert_after_matches,
    instruction_span,
)
from jettison.lint.model import Finding, LintContext


@dataclass(frozen=True)
class FixInput:
    """The Dockerfile as it is now (after the fixes already applied), parsed and as text."""

    dockerfile: Dockerfile
    source_lines: tuple[str, ...]
    ctx: LintContext
    writable: tuple[str, ...] = ()
    """Directories the service writes at run time (learnt from a failed run): a non-root
    user gets them as its own."""

    def instruction_at(self, line: int) -> Instruction | None:
        """The instruction that starts on ``line``."""
        for instruction in self.dockerfile.instructions():
            if instruction.position.line == line:
                return instruction
        return None

    def span(self, instruction: Instruction) -> Span:
        return instruction_span(self.source_lines, instruction)

    def in_dockerfile(self, finding: Finding) -> bool:
        path = self.dockerfile.path
        return finding.file == path or (
            not finding.file.is_absolute() and path.as_posix().endswith(finding.file.as_posix())
        )


@dataclass(frozen=True, slots=True)
class Fixed:
    """What one fix does for one finding."""

    edits: tuple[Edit, ...]
    description: str
    files: tuple[tuple[Path, str], ...] = ()
    """Other files the fix writes (path, whole text): a ``.dockerignore``."""


@dataclass(frozen=True, slots=True)
class Skip:
    """Why a finding that has an autofix gets none here."""

    reason: str


Make = Callable[[FixInput, Finding], "Fixed | Skip"]


@dataclass(frozen=True)
class Autofix:
    code: str
    safe: bool
    summary: str
    """What the fix does, for the docs and ``--help``."""
    make: Make


def run_instruction(fix_input: FixInput, finding: Finding) -> Instruction | Skip:
    """The shell-form RUN a finding is on, or why a fix cannot edit it."""
    if not fix_input.in_dockerfile(finding):
        return Skip("the finding is not in the Dockerfile")
    instruction = fix_input.instruction_at(finding.line)
    if instruction is None or instruction.keyword != "RUN":
        return Skip(f"line {finding.line} is not a RUN instruction")
    if instruction.json:
        return Skip(f"line {finding.line}: a RUN in exec form (JSON) is left as written")
    if instruction.heredocs:
        return Skip(f"line {finding.line}: a RUN with a heredoc is left as written")
    if shellwords.tokens(instruction.shell_text) is None:
        # An edit of text the shell cannot read (an unclosed quote) could turn its quotes
        # inside out; the build fails on it anyway.
        return Skip(f"line {finding.line}: the RUN's shell text does not parse (a quote is open)")
    return instruction


def appended(fix_input: FixInput, finding: Finding, command: str, description: str) -> Fixed | Skip:
    """The fix that ends the finding's RUN with ``command`` (same layer)."""
    instruction = run_instruction(fix_input, finding)
    if isinstance(instruction, Skip):
        return instruction
    if shellwords.parts(instruction.shell_text) is None:
        # Where the script's top level is not known (a subshell left open, a command sent
        # to the background), a command added at its end may land inside what it did not
        # close, where lint does not see it: each fix would add it again.
        return Skip(f"line {finding.line}: the RUN's top-level commands cannot be told apart")
    edit = append_command(fix_input.span(instruction), command)
    if edit is None:
        return Skip(f"line {finding.line}: the RUN ends in a comment or a continuation")
    return Fixed((edit,), description)


def inserted(
    fix_input: FixInput,
    finding: Finding,
    patterns: Sequence[tuple[re.Pattern[str], str]],
    description: str,
) -> Fixed | Skip:
    """The fix that inserts text after each match of the patterns in the finding's RUN."""
    instruction = run_instruction(fix_input, finding)
    if isinstance(instruction, Skip):
        return instruction
    span = fix_input.span(instruction)
    edits: list[Edit] = []
    for pattern, text in patterns:
        edits.extend(insert_after_matches(span, pattern, text))
    if not edits:
        return Skip(f"line {finding.line}: the command is not written in the RUN itself")
    return Fixed(tuple(sorted(set(edits))), description)
