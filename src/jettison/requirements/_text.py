"""Bytes to text for requirement files, whatever encoding a Windows editor or shell chose.

pip decodes requirement files by byte-order mark first, then a PEP 263 ``coding:`` comment,
then the locale. We do the same, except that the locale of the machine running the linter
says nothing about the file, so the last resort is Latin-1 (it never fails) with a problem
noted: names read that way may be wrong, and lint says so instead of guessing silently.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass
from pathlib import Path

from jettison.errors import RequirementsError

# UTF-32 before UTF-16: the UTF-32-LE mark starts with the UTF-16-LE one.
_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_CODING_RE = re.compile(rb"^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)")

HINT = "give a requirements*.txt, pyproject.toml or environment.yml that exists and is readable"


@dataclass(frozen=True, slots=True)
class Decoded:
    """The text of a file (None when it is not text at all) and what went wrong, if anything."""

    text: str | None
    problem: tuple[int, str] | None = None
    """(1-based line, message)."""


def decode(data: bytes) -> Decoded:
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            body = data[len(bom) :]
            try:
                return Decoded(body.decode(encoding))
            except UnicodeDecodeError as exc:
                line = body.count(b"\n", 0, exc.start) + 1
                return Decoded(
                    body.decode(encoding, errors="replace"),
                    (line, f"not valid {encoding} after its byte-order mark; bad bytes replaced"),
                )
    if b"\x00" in data:
        return Decoded(None, (1, "binary file (NUL bytes and no byte-order mark); not read"))
    try:
        return Decoded(data.decode("utf-8"))
    except UnicodeDecodeError as exc:
        declared = _coding_cookie(data)
        if declared is not None:
            try:
                return Decoded(data.decode(declared))
            except (UnicodeDecodeError, LookupError):
                pass
        line = data.count(b"\n", 0, exc.start) + 1
        return Decoded(
            data.decode("latin-1"),
            (line, f"not valid UTF-8 (byte 0x{data[exc.start]:02x}); read as Latin-1"),
        )


def _coding_cookie(data: bytes) -> str | None:
    """The encoding a ``# -*- coding: X -*-`` comment on line 1 or 2 declares (PEP 263)."""
    for line in data.splitlines()[:2]:
        match = _CODING_RE.match(line)
        if match:
            name = match.group(1).decode("ascii", errors="replace")
            try:
                return codecs.lookup(name).name
            except LookupError:
                return None
    return None


def read_bytes(path: Path) -> bytes:
    """The bytes of a file the user named; :class:`RequirementsError` when unreadable."""
    try:
        return path.read_bytes()
    except IsADirectoryError as exc:
        raise RequirementsError(
            f"{path} is a directory, not a requirements file", hint=HINT
        ) from exc
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise RequirementsError(f"cannot read {path}: {reason}", hint=HINT) from exc
