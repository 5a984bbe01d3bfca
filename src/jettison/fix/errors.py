"""Errors of ``jettison fix``: input it cannot rewrite safely (nothing is written then)."""

from __future__ import annotations

from pathlib import Path

from jettison.errors import JettisonError


class FixError(JettisonError):
    """The Dockerfile or its requirements cannot be rewritten safely."""

    final = False
    """No other restructure is to be tried: the refusal is about the user's options (a
    wheel folder that has no torch for the requirements), not the Dockerfile's shape."""


def final(error: FixError) -> FixError:
    """``error`` marked :attr:`FixError.final`."""
    error.final = True
    return error


def refuse(dockerfile: Path, message: str, hint: str) -> FixError:
    """The refusal of ``dockerfile``: ``PATH: message``, with a one-line hint."""
    return FixError(f"{dockerfile}: {message}", hint=hint)
