"""Edits to a Dockerfile's text: every other line, comment, continuation and heredoc stays as
the user wrote it (as ruff's fixes do to Python).

An :class:`Edit` replaces the text between two positions; an insertion is an edit of an
empty span. :func:`apply_edits` applies several at once, from the end of the file backwards,
and refuses two that touch the same span (a fix engine applies what does not overlap and
tries the rest again on the result). Where an edit goes is found in the instruction's own
lines (:func:`instruction_span`), never by reformatting it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from jettison.dockerfile import shellwords
from jettison.dockerfile.model import Instruction
from jettison.dockerfile.parser import source_lines
from jettison.fix.errors import FixError


@dataclass(frozen=True, slots=True, order=True)
class Edit:
    """Replace the text from (``line``, ``column``) up to (``end_line``, ``end_column``) by
    ``text``. Lines are 1-based, columns 0-based offsets in their line."""

    line: int
    column: int
    end_line: int
    end_column: int
    text: str

    @classmethod
    def insert(cls, line: int, column: int, text: str) -> Edit:
        return cls(line, column, line, column, text)


def apply_edits(source: str, edits: Sequence[Edit]) -> str:
    """``source`` with ``edits`` applied; FixError when two of them overlap or one points
    outside the text (a bug of the fix that made it, never of the user's file)."""
    starts = [0]
    for text_line in source_lines(source, keepends=True):
        starts.append(starts[-1] + len(text_line))

    def offset(line: int, column: int) -> int:
        if not 1 <= line < len(starts) or column < 0:
            raise FixError(f"an edit points outside the Dockerfile (line {line})")
        return min(starts[line - 1] + column, starts[line])

    spans = sorted(
        ((offset(e.line, e.column), offset(e.end_line, e.end_column), e.text) for e in edits),
        reverse=True,
    )
    out = source
    previous_start: int | None = None
    for start, end, text in spans:
        if end < start or (previous_start is not None and end > previous_start):
            raise FixError("two fixes edit the same part of the Dockerfile")
        out = out[:start] + text + out[end:]
        previous_start = start
    return out


@dataclass(frozen=True, slots=True)
class Span:
    """The source lines of one instruction, without the heredoc bodies that follow it."""

    first_line: int
    lines: tuple[str, ...]

    def numbered(self) -> Iterator[tuple[int, str]]:
        return enumerate(self.lines, start=self.first_line)

    @property
    def last_line(self) -> int:
        return self.first_line + len(self.lines) - 1


def instruction_span(source_lines: Sequence[str], instruction: Instruction) -> Span:
    """The lines an instruction is written on (continuations included; a heredoc's body is
    data, not the instruction: it is left out)."""
    first = instruction.position.line
    last = instruction.position.end_line or first
    if instruction.heredocs:
        last = first  # the body follows the first line; edits never go into it
    return Span(first, tuple(source_lines[first - 1 : last]))


def end_of_script(span: Span) -> tuple[int, int] | None:
    """Where a command appended to a shell-form RUN goes: the end of its last line, before
    trailing blanks; None when the script ends in a shell comment or a continuation (an
    appended command would be commented out or joined to the wrong line), or cannot be
    read. Comments are the tokeniser's (:mod:`jettison.dockerfile.shellwords`): a ``#``
    after a blank or an operator (``apt-get update &&# note``), not one inside a word or
    quotes."""
    line = span.lines[-1].rstrip()
    if not line or line.endswith("\\"):
        return None
    script = "\n".join(span.lines)
    found = shellwords.tokens(script)
    if found is None:
        return None
    after_last = script[found[-1].end :] if found else script
    if after_last.strip().startswith("#"):
        return None
    return span.last_line, len(line)


def append_command(span: Span, command: str) -> Edit | None:
    """An edit that runs ``command`` after the RUN's last command, in the same layer."""
    at = end_of_script(span)
    if at is None:
        return None
    line, column = at
    joiner = " " if span.lines[-1][:column].rstrip().endswith((";", "&&")) else " && "
    # over the trailing blanks, so that none is left at the end of the line
    return Edit(line, column, line, len(span.lines[-1]), f"{joiner}{command}")


def insert_after_matches(span: Span, pattern: re.Pattern[str], text: str) -> list[Edit]:
    """An insertion of ``text`` right after every match of ``pattern`` in the span's lines
    (a match never crosses a line: a command and its verb are written together)."""
    return [
        Edit.insert(number, match.end(), text)
        for number, line in span.numbered()
        for match in pattern.finditer(line)
    ]
