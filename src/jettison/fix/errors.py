"""Errors of ``jettison fix``: input it cannot rewrite safely (nothing is written then)."""

from __future__ import annotations

from pathlib import Path

from jettison.errors import JettisonError


class FixError(JettisonError):
    """The Dockerfile or its requirements cannot be rewritten safely."""


def refuse(dockerfile: Path, message: str, hint: str) -> FixError:
    """The refusal of ``dockerfile``: ``PATH: message``, with a one-line hint."""
    return FixError(f"{dockerfile}: {message}", hint=hint)
