"""Human-readable sizes, counts and percentages: the one place every renderer formats numbers.

Sizes use decimal units and three significant digits, as ``docker images`` prints them
(``7.34 GB``, ``512 MB``, ``12.2 kB``, ``15 B``), with a space before the unit.
"""

from __future__ import annotations

_UNITS = ("B", "kB", "MB", "GB", "TB", "PB", "EB")
_BASE = 1000


def human_bytes(size_bytes: int) -> str:
    """``size_bytes`` with a decimal unit and at most three significant digits."""
    if size_bytes < 0:
        return f"-{human_bytes(-size_bytes)}"
    value = float(size_bytes)
    unit = 0
    while value >= _BASE and unit < len(_UNITS) - 1:
        value /= _BASE
        unit += 1
    text = f"{value:.3g}"
    # 999_950 B is 999.95 kB, which rounds to "1e+03": carry into the next unit instead
    # (docker's go-units prints "1e+03kB" here).
    if float(text) >= _BASE and unit < len(_UNITS) - 1:
        unit += 1
        text = f"{value / _BASE:.3g}"
    return f"{text} {_UNITS[unit]}"


def exact_bytes(size_bytes: int) -> str:
    """A size to the byte, for numbers users compare with other tools: ``1,234,567 bytes``."""
    return f"{size_bytes:,} bytes"


def count(n: int) -> str:
    """A count with thousands separators: ``12,345``."""
    return f"{n:,}"


def plural(n: int, word: str) -> str:
    """A count and its noun, the noun plural unless ``n`` is 1: ``1 service``,
    ``12,345 files``."""
    return f"{n:,} {word}" if n == 1 else f"{n:,} {word}s"


def percent(part: int, whole: int) -> str:
    """``part`` as a share of ``whole`` with one decimal (``12.3%``); ``n/a`` when whole is 0.

    A non-zero share too small to show is ``<0.1%`` rather than a misleading ``0.0%``.
    """
    if whole <= 0:
        return "n/a"
    share = 100.0 * part / whole
    if 0 < share < 0.05:
        return "<0.1%"
    return f"{share:.1f}%"


def fraction_percent(fraction: float, decimals: int = 1) -> str:
    """A fraction (``0.98765``) as a percentage (``98.8%``, or ``98.7650%`` with 4 decimals)."""
    return f"{fraction * 100.0:.{decimals}f}%"
