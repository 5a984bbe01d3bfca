"""The terminal report: the shared document drawn with rich, returned as a string.

:func:`render_document` draws any :class:`~jettison.render.document.Document` (the inspect
and the plan report are documents).

It is drawn with :func:`jettison.render._console.draw`, so the text depends on the arguments
only, never on the environment or on stdout. Deciding whether to colour is the CLI's job.
"""

from __future__ import annotations

from rich import box
from rich.console import Console
from rich.rule import Rule
from rich.table import Table as RichTable
from rich.text import Text

from jettison.render._console import draw
from jettison.render.document import (
    Block,
    Document,
    Fields,
    Line,
    Paragraph,
    Section,
    Table,
    Tone,
)

_TONE_STYLES: dict[Tone, str] = {
    Tone.PLAIN: "",
    Tone.DIM: "dim",
    Tone.GOOD: "green",
    Tone.BAD: "bold red",
    Tone.WARN: "yellow",
    Tone.STRONG: "bold",
}
_CODE_STYLE = "cyan"
_GUTTER = 3
"""Blank cells between two columns: right padding, the (invisible) rule, left padding."""
_MIN_ELLIPSIS_WIDTH = 12


def _text(line: Line) -> Text:
    text = Text()
    for span in line:
        style = _TONE_STYLES[span.tone]
        if span.code and span.tone is Tone.PLAIN:
            style = _CODE_STYLE
        text.append(span.text, style=style)
    return text


def _table(table: Table, width: int) -> RichTable:
    out = RichTable(
        box=box.SIMPLE_HEAD,
        show_edge=False,
        pad_edge=False,
        header_style="bold",
        show_footer=table.total is not None,
        footer_style="bold",
    )
    rows = [[_text(cell) for cell in row] for row in table.rows]
    footer = [_text(cell) for cell in table.total] if table.total is not None else None
    for index, column in enumerate(table.columns):
        out.add_column(
            column.header,
            footer=footer[index] if footer is not None else "",
            justify="right" if column.numeric else "left",
            overflow=column.overflow if column.overflow != "wrap" else "fold",
            no_wrap=column.overflow == "ellipsis",
            max_width=_ellipsis_width(table, rows, footer, width)
            if column.overflow == "ellipsis"
            else None,
        )
    for cells in rows:
        out.add_row(*cells)
    return out


def _ellipsis_width(
    table: Table, rows: list[list[Text]], footer: list[Text] | None, width: int
) -> int:
    """Room left for a column that cuts its cells, once the other columns are whole.

    Rich squeezes no-wrap columns badly (it drops its neighbours), so the cut column gets an
    explicit maximum instead.
    """
    others = 0
    for index, column in enumerate(table.columns):
        if column.overflow == "ellipsis":
            continue
        cells = [row[index] for row in rows] + ([footer[index]] if footer is not None else [])
        others += max([len(column.header), *(cell.cell_len for cell in cells)])
    gutters = _GUTTER * (len(table.columns) - 1)
    return max(width - others - gutters, _MIN_ELLIPSIS_WIDTH)


def _fields(fields: Fields) -> RichTable:
    grid = RichTable.grid(padding=(0, 2))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column(overflow="fold")
    for label, value in fields.items:
        grid.add_row(label, _text(value))
    return grid


def _block(console: Console, block: Block) -> None:
    if isinstance(block, Table):
        console.print(_table(block, console.width))
    elif isinstance(block, Fields):
        console.print(_fields(block))
    elif isinstance(block, Paragraph):
        console.print(_text(block.line))


def _section(console: Console, section: Section) -> None:
    console.print()
    if section.level <= 2:
        console.print(Rule(Text(section.title, style="bold"), align="left", style="dim"))
    else:
        console.print(Text(section.title, style="bold"))
    for block in section.blocks:
        _block(console, block)


def render_document(document: Document, *, width: int = 100, color: bool = False) -> str:
    """``document`` drawn for a terminal ``width`` columns wide, with ANSI colours if
    ``color``: the drawing every report built as a :class:`Document` shares."""

    def paint(console: Console) -> None:
        console.print(_text(document.title))
        for section in document.sections:
            _section(console, section)

    return draw(paint, width=width, color=color)
