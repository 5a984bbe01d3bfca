"""Writing the small files tests lint, parse or scan."""

from __future__ import annotations

from pathlib import Path


def write_file(path: Path, text: str | bytes) -> Path:
    """``text`` (UTF-8) or bytes written to ``path``, its directories created; ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def write(directory: Path, name: str, text: str | bytes) -> Path:
    """:func:`write_file` to ``directory / name``."""
    return write_file(directory / name, text)
