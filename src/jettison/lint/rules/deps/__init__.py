"""JT3xx: Python dependencies."""

from __future__ import annotations

from jettison.lint.model import Rule

RULES: tuple[Rule, ...] = ()
