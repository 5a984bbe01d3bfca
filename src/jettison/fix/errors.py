"""Errors of ``jettison fix``: input it cannot rewrite safely (nothing is written then)."""

from __future__ import annotations

from jettison.errors import JettisonError


class FixError(JettisonError):
    """The Dockerfile or its requirements cannot be rewritten safely."""
