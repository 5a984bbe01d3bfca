"""Renderers: pure functions from an :class:`~jettison.inspect.report.InspectReport` to text.

They return strings and never print; the CLI decides where the text goes.
"""

from __future__ import annotations

from jettison.inspect.report import InspectReport
from jettison.render.json_report import render_json
from jettison.render.markdown import render_markdown
from jettison.render.tty import render_tty

FORMATS = ("tty", "json", "markdown")


def render(report: InspectReport, fmt: str, *, width: int = 100, color: bool = False) -> str:
    """``report`` in format ``fmt`` (one of :data:`FORMATS`).

    ``width`` and ``color`` apply to ``tty`` only; the other formats do not depend on the
    terminal. An unknown ``fmt`` is a programming error (the CLI offers only ``FORMATS``).
    """
    if fmt == "tty":
        return render_tty(report, width=width, color=color)
    if fmt == "json":
        return render_json(report)
    if fmt == "markdown":
        return render_markdown(report)
    raise ValueError(f"unknown format {fmt!r}; expected one of: {', '.join(FORMATS)}")


__all__ = ["FORMATS", "render"]
