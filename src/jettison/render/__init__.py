"""Renderers: pure functions from an :class:`~jettison.inspect.report.InspectReport` to text.

They return strings and never print; the CLI decides where the text goes.
"""

from __future__ import annotations

from jettison.inspect.report import InspectReport

FORMATS = ("tty", "json", "markdown")


def render(report: InspectReport, fmt: str, *, width: int = 100, color: bool = False) -> str:
    """``report`` in format ``fmt`` (one of :data:`FORMATS`).

    ``width`` and ``color`` apply to ``tty`` only; the other formats do not depend on the
    terminal. An unknown ``fmt`` is a programming error (the CLI offers only ``FORMATS``).
    """
    # Imported on use: rich is only needed for the terminal report, and a CI job asking for
    # JSON need not pay for it (memory is one of our benchmarks against dive).
    if fmt == "tty":
        from jettison.render.tty import render_tty

        return render_tty(report, width=width, color=color)
    if fmt == "json":
        from jettison.render.json_report import render_json

        return render_json(report)
    if fmt == "markdown":
        from jettison.render.markdown import render_markdown

        return render_markdown(report)
    raise ValueError(f"unknown format {fmt!r}; expected one of: {', '.join(FORMATS)}")


__all__ = ["FORMATS", "render"]
