"""JT0xx: input problems (unparsable files, unknown instructions, unreadable requirements)."""

from __future__ import annotations

from jettison.lint.model import Rule

RULES: tuple[Rule, ...] = ()
