"""The rich console both terminal reports draw with, and the text it leaves.

Rich writes into a private buffer with every setting explicit (width, colour, terminal), so
the output depends on the arguments only, never on the environment (``COLUMNS``,
``NO_COLOR``, ``FORCE_COLOR``...) or on stdout. Deciding whether to colour is the CLI's job.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable

from rich.console import Console

# Rich pads cells to the column width; drop the padding at line ends (before any closing
# colour codes) so that the text is the same with and without colour.
_TRAILING = re.compile(r"(?:[ \t]|\x1b\[[0-9;]*m)+$")
_ESCAPE = re.compile(r"\x1b\[[0-9;]*m")


def _strip_line_end(line: str) -> str:
    return _TRAILING.sub(lambda tail: "".join(_ESCAPE.findall(tail.group())), line)


def draw(paint: Callable[[Console], None], *, width: int, color: bool) -> str:
    """What ``paint`` prints on a console ``width`` columns wide, with ANSI colours if
    ``color``; each line ends with its newline and without trailing padding."""
    buffer = io.StringIO()
    console = Console(
        file=buffer,
        width=width,
        height=25,
        force_terminal=color,
        force_jupyter=False,
        force_interactive=False,
        color_system="standard" if color else None,
        no_color=not color,
        legacy_windows=False,
        markup=False,
        emoji=False,
        highlight=False,
        soft_wrap=False,
    )
    paint(console)
    lines = buffer.getvalue().splitlines()
    return "".join(f"{_strip_line_end(line)}\n" for line in lines)
