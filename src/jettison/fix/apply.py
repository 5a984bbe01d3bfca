"""The fix loop: lint, fix what has an autofix, lint the result again, until nothing more.

Each round lints the current text (the user's lint settings apply: an ignored code is not
fixed), asks each finding's autofix for its edits, applies those that do not overlap and
parses the result. A finding whose fix could not be made is a notice saying why; a fix
that did not make its finding go away is not tried again. Fixing a fixed file changes
nothing (the loop ends when a round has nothing to apply), and every round's text must
parse with buildkit's parser, or the round is dropped.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from jettison.dockerfile.model import Dockerfile, Instruction
from jettison.dockerfile.parser import parse_text
from jettison.errors import JettisonError
from jettison.fix.autofix import BY_CODE, Autofix, Fixed, FixInput, Skip
from jettison.fix.changes import Change
from jettison.fix.edits import Edit, apply_edits
from jettison.lint.config import matches
from jettison.lint.model import Finding, LintContext
from jettison.notices import Notice, Severity

MAX_ROUNDS = 5
Lint = Callable[[LintContext], Sequence[Finding]]


@dataclass(frozen=True)
class Outcome:
    text: str
    """The Dockerfile after every fix that applied."""
    files: tuple[tuple[Path, str], ...]
    """Other files the fixes write (path, whole text)."""
    changes: tuple[Change, ...]
    skipped: tuple[Notice, ...]


def wanted(code: str, autofix: Autofix, *, unsafe: bool, select: Sequence[str] | None) -> bool:
    """Whether ``code``'s fix applies: safe ones by default, unsafe ones with ``unsafe``;
    with ``select`` (codes or prefixes), exactly the selected ones, safe or not."""
    if select:
        return matches(code, select)
    return autofix.safe or unsafe


def fix_text(
    dockerfile: Dockerfile,
    ctx: LintContext,
    lint: Lint,
    *,
    unsafe: bool = False,
    select: Sequence[str] | None = None,
    exclude: frozenset[str] = frozenset(),
    writable: tuple[str, ...] = (),
) -> Outcome:
    """Fix ``dockerfile`` (parsed, with ``ctx``: its lint context) round by round; the codes
    in ``exclude`` are left alone (an earlier step resolved them, or they broke the service);
    ``writable``: directories the service writes (a non-root user owns them)."""
    text = "\n".join(dockerfile.lines) + "\n"
    files: dict[Path, str] = {}
    changes: list[Change] = []
    skipped: dict[tuple[str, str], Notice] = {}
    tried: set[tuple[str, str]] = set()
    for _round in range(MAX_ROUNDS):
        current = dataclasses.replace(ctx, dockerfile=dockerfile)
        fix_input = FixInput(dockerfile, dockerfile.lines, current, writable)
        edits: list[Edit] = []
        made: list[tuple[Finding, Fixed]] = []
        for finding in lint(current):
            autofix = BY_CODE.get(finding.code)
            if autofix is None or finding.code in exclude:
                continue
            if not wanted(finding.code, autofix, unsafe=unsafe, select=select):
                continue
            key = (finding.code, _instruction_text(dockerfile, finding.line))
            if key in tried:
                continue
            result = autofix.make(fix_input, finding)
            if isinstance(result, Skip):
                tried.add(key)
                skipped.setdefault(key, _skip_notice(finding, result))
                continue
            if _overlaps(edits, result.edits):
                continue  # the next round tries it on the edited text
            if not _rewrites(fix_input.instruction_at(finding.line), result.edits):
                # Its text, so its key, stays: not again (it would loop). A rewritten one
                # has another key, which the next identical instruction may take over (a
                # fuzz input: the second of two identical RUNs was left for a second `fix`).
                tried.add(key)
            if _already_written(result, files, made):
                continue  # one .dockerignore for two stages' COPY . .: one change
            edits.extend(result.edits)
            made.append((finding, result))
        if not made:
            break
        try:
            new_text = apply_edits(text, edits)
            new_dockerfile = parse_text(new_text, dockerfile.path)
        except JettisonError as exc:
            codes = ", ".join(sorted({f.code for f, _ in made}))
            notice = Notice(
                Severity.WARNING,
                f"the fixes for {codes} were dropped: {exc}",
                kind="fix-dropped",
                path=dockerfile.path,
            )
            skipped.setdefault(("round", codes), notice)
            break
        text, dockerfile = new_text, new_dockerfile
        for finding, result in made:
            saving = finding.saving.size_bytes if finding.saving is not None else None
            changes.append(Change(finding.code, result.description, saving))
            files.update(result.files)
    return Outcome(text, tuple(files.items()), tuple(changes), tuple(skipped.values()))


def _already_written(
    result: Fixed, files: Mapping[Path, str], made: Sequence[tuple[Finding, Fixed]]
) -> bool:
    """Whether ``result`` only writes files, each already written as it would write it (by
    an earlier round, or a fix made this round): the same change again."""
    if result.edits or not result.files:
        return False
    pending = {**files, **{path: text for _, r in made for path, text in r.files}}
    return all(pending.get(path) == text for path, text in result.files)


def _instruction_text(dockerfile: Dockerfile, line: int) -> str:
    """What a fix is tried on: the instruction starting on ``line`` (its text stays the same
    when edits above it move it down) and how many identical ones come before it (two
    stages may repeat a RUN: each is fixed), or the line number for other files' findings."""
    instructions = dockerfile.instructions()
    for before, instruction in enumerate(instructions):
        if instruction.position.line == line:
            same = sum(1 for i in instructions[:before] if i.original == instruction.original)
            return f"{instruction.original} #{same}"
    return f"line {line}"


def _rewrites(instruction: Instruction | None, edits: Sequence[Edit]) -> bool:
    """Whether ``edits`` change the text of ``instruction`` (None: no instruction, as for a
    finding in another file)."""
    if instruction is None:
        return False
    start = instruction.position.line
    end = instruction.position.end_line or start
    return any(e.line <= end and e.end_line >= start for e in edits)


def _overlaps(taken: Sequence[Edit], new: Sequence[Edit]) -> bool:
    """Whether ``new`` touches a line an edit already taken this round touches."""
    lines = {n for e in taken for n in range(e.line, e.end_line + 1)}
    return any(n in lines for e in new for n in range(e.line, e.end_line + 1))


def _skip_notice(finding: Finding, skip: Skip) -> Notice:
    return Notice(
        Severity.INFO,
        f"{finding.code} not fixed: {skip.reason}",
        kind="fix-skipped",
        subject=finding.code,
        path=finding.file,
        line=finding.line,
    )
