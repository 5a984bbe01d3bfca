"""The report as GitHub-flavoured Markdown, for pull-request comments.

The content is the shared document (:mod:`jettison.render.document`); this module only
escapes text and lays it out as headings, lists and tables (:func:`render_document`, for any
report built as a document).
"""

from __future__ import annotations

import re

from jettison.render.document import (
    Block,
    Document,
    Fields,
    Line,
    Section,
    Span,
    Table,
    Tone,
)

# Every ASCII punctuation character may be backslash-escaped in CommonMark; these are the
# ones that could start emphasis, links, HTML, entities, code or break a table cell.
_SPECIAL = re.compile(r"([\\`*_\[\]<>|~&])")
_BACKTICKS = re.compile(r"`+")
_BOLD_TONES = frozenset({Tone.STRONG, Tone.BAD, Tone.WARN})


def _one_line(text: str) -> str:
    return text.replace("\r", "\\r").replace("\n", "\\n")


def _code_span(text: str) -> str:
    """``text`` as inline code; pipes stay escaped because GFM splits table cells first."""
    text = _one_line(text).replace("|", "\\|")
    longest = max((len(run) for run in _BACKTICKS.findall(text)), default=0)
    fence = "`" * (longest + 1)
    if longest or text.startswith(" ") or text.endswith(" "):
        return f"{fence} {text} {fence}"
    return f"{fence}{text}{fence}"


def _escape(text: str) -> str:
    return _SPECIAL.sub(r"\\\1", _one_line(text))


def _span(span: Span, *, emphasis: bool = True, bold: bool = False) -> str:
    if not span.text:
        return ""
    if span.code:
        body = _code_span(span.text)
    else:
        core = span.text.strip()
        if not core:
            return span.text
        body = _escape(core)
    # Dimmed text is set in italics, except placeholders ("-"): an italic dash is only noise.
    if bold or (emphasis and span.tone in _BOLD_TONES):
        body = f"**{body}**"
    elif emphasis and span.tone is Tone.DIM and any(c.isalnum() for c in span.text):
        body = f"*{body}*"
    if span.code:
        return body
    # Emphasis must hug its text: keep the span's outer spaces outside the markers.
    lead = span.text[: len(span.text) - len(span.text.lstrip())]
    trail = span.text[len(span.text.rstrip()) :]
    return f"{lead}{body}{trail}"


def _line(line: Line, *, emphasis: bool = True, bold: bool = False) -> str:
    return "".join(_span(span, emphasis=emphasis, bold=bold) for span in line)


def _row(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def _table(table: Table) -> list[str]:
    out = [
        _row([_escape(column.header) for column in table.columns]),
        _row(["---:" if column.numeric else "---" for column in table.columns]),
    ]
    out.extend(_row([_line(cell) for cell in row]) for row in table.rows)
    if table.total is not None:
        out.append(_row([_line(cell, bold=True) for cell in table.total]))
    return out


def _fields(fields: Fields) -> list[str]:
    return [f"- **{label}:** {_line(value)}" for label, value in fields.items]


def _block(block: Block) -> list[str]:
    if isinstance(block, Table):
        return _table(block)
    if isinstance(block, Fields):
        return _fields(block)
    return [_line(block.line)]


def _section(section: Section) -> list[str]:
    heading = "#" * (section.level + 1)
    out = [f"{heading} {_escape(section.title)}"]
    for block in section.blocks:
        out.extend(["", *_block(block)])
    return out


def render_sections(sections: tuple[Section, ...]) -> str:
    """Sections alone (``###`` headings), to append to another report's Markdown."""
    out: list[str] = []
    for section in sections:
        out.extend(["", *_section(section)])
    return "\n".join(out).lstrip("\n") + "\n"


def render_document(document: Document) -> str:
    """``document`` as GitHub-flavoured Markdown (headings from ``##`` down): the layout
    every report built as a :class:`Document` shares."""
    out = [f"## {_line(document.title, emphasis=False)}"]
    for section in document.sections:
        out.extend(["", *_section(section)])
    return "\n".join(out) + "\n"
