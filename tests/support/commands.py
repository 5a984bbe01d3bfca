"""Commands and RUN instructions made from one line of shell, for the Dockerfile layer's
tests."""

from __future__ import annotations

from jettison.dockerfile.model import Instruction, Position
from jettison.dockerfile.shell import Command, split_commands


def command(line: str) -> Command:
    """The one simple command ``line`` runs (after wrappers such as ``sudo``, ``env X=1``)."""
    (found,) = split_commands(line)
    return found


def run(line: str, *flags: str) -> Instruction:
    """``RUN [flags] line`` as the parser gives it."""
    written = " ".join(["RUN", *flags, line])
    return Instruction("RUN", (line,), tuple(flags), written, Position(1), 0)
