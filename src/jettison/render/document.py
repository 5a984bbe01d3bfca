"""What a human-readable report says, independent of how it is drawn.

A command's renderer decides the content once, as a :class:`Document` (sections, tables,
which rows, how numbers read); :mod:`jettison.render.tty` and
:mod:`jettison.render.markdown` only draw it. So the terminal report and the pull-request
comment cannot drift apart, and neither drawer holds a copy of the other's logic.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Literal

from jettison.render.text import printable


class Tone(Enum):
    """How a span should stand out; each renderer maps tones to its own means."""

    PLAIN = "plain"
    DIM = "dim"
    GOOD = "good"
    BAD = "bad"
    WARN = "warn"
    STRONG = "strong"


@dataclass(frozen=True, slots=True)
class Span:
    text: str
    tone: Tone = Tone.PLAIN
    code: bool = False
    """Literal text from the image (a reference, path or command): shown verbatim."""


Line = tuple[Span, ...]


@dataclass(frozen=True, slots=True)
class Column:
    header: str
    numeric: bool = False
    """Right-aligned."""
    overflow: Literal["wrap", "ellipsis", "fold"] = "wrap"
    """What a narrow terminal does with a long cell: wrap at spaces, cut, or fold anywhere."""


@dataclass(frozen=True, slots=True)
class Table:
    columns: tuple[Column, ...]
    rows: tuple[tuple[Line, ...], ...]
    total: tuple[Line, ...] | None = None
    """A closing row (totals), drawn apart from the others."""


@dataclass(frozen=True, slots=True)
class Fields:
    """Label/value pairs."""

    items: tuple[tuple[str, Line], ...]


@dataclass(frozen=True, slots=True)
class Paragraph:
    line: Line


Block = Table | Fields | Paragraph


@dataclass(frozen=True, slots=True)
class Section:
    title: str
    blocks: tuple[Block, ...]
    level: int = 2
    """2 for a section of the report, 3 for a subsection."""


@dataclass(frozen=True, slots=True)
class Document:
    title: Line
    sections: tuple[Section, ...]


# --------------------------------------------------------------------------- small helpers


# Every report built on this document (inspect's, the plan's) makes its cells with these,
# so that text from an image or a repository is always made printable on the way in.


def span(text: str, tone: Tone = Tone.PLAIN, *, code: bool = False) -> Span:
    """A span of ``text`` made printable (control characters escaped)."""
    return Span(printable(text), tone, code)


def line(*parts: str | Span) -> Line:
    """A line of ``parts``: strings become plain spans, spans are kept."""
    return tuple(span(p) if isinstance(p, str) else p for p in parts)


def dim(text: str) -> Line:
    """A line of dimmed ``text`` (placeholders, notes)."""
    return (span(text, Tone.DIM),)


def code(text: str) -> Line:
    """A line of literal ``text`` (a reference, path or command), shown verbatim."""
    return (span(text, code=True),)
