"""JT4xx: build hygiene."""

from __future__ import annotations

from jettison.lint.model import Rule

RULES: tuple[Rule, ...] = ()
