"""Renderers: pure functions from a command's report to text, found through one registry.

Every renderer is ``render(report, look) -> str``; it never prints (the CLI decides where
the text goes). :data:`FORMATS` names, per command, its formats and the function that draws
each; modules are imported on use, so that a CI job asking for JSON never imports rich (peak
memory is one of our benchmarks against dive).

This package is the presentation tier: it reads the core's reports; no core package imports
it (``tests/unit/test_layering.py``).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any, cast

from jettison.render.look import Look

Renderer = Callable[[Any, Look], str]

FORMATS: dict[str, dict[str, str]] = {
    "inspect": {
        "tty": "inspect.document:render_tty",
        "json": "inspect.json_model:render_json",
        "markdown": "inspect.document:render_markdown",
        "html": "html.reports:render_inspect_html",
    },
    "diff": {
        "tty": "diff.document:render_tty",
        "markdown": "diff.document:render_markdown",
        "json": "diff.json_model:render_json",
        "html": "html.reports:render_diff_html",
    },
    "lint": {
        "tty": "lint.tty:render_lint_tty",
        "json": "lint.json_model:render_json",
        "sarif": "lint.sarif:render_lint_sarif",
        "github": "lint.github:render_lint_github",
    },
    "rules": {"tty": "rules:render_text", "json": "rules:render_json"},
    "fix": {"tty": "fix:render_text", "json": "fix:render_json"},
    "build": {"tty": "builder:render_build_text", "json": "builder:render_build_json"},
    "verify": {"tty": "builder:render_verify_text", "json": "builder:render_verify_json"},
    "optimize": {
        "tty": "optimize:render_text",
        "markdown": "optimize:render_markdown",
        "json": "optimize:render_json",
        "html": "html.reports:render_optimize_html",
    },
    "plan": {
        "tty": "plan:render_tty",
        "json": "plan:render_json",
        "markdown": "plan:render_markdown",
        "html": "html.reports:render_plan_html",
    },
}
"""command -> format -> ``module:function`` under ``jettison.render``; the first format of
each command is its default."""


def formats(command: str) -> tuple[str, ...]:
    """The formats ``command`` offers, its default first."""
    return tuple(FORMATS[command])


def renderer(command: str, fmt: str) -> Renderer:
    """The function drawing ``command``'s report in ``fmt``; ValueError for an unknown pair
    (a programming error: the CLI offers only :func:`formats`)."""
    try:
        where = FORMATS[command][fmt]
    except KeyError:
        known = ", ".join(FORMATS.get(command, {})) or "none"
        raise ValueError(f"unknown format {fmt!r} of {command}; expected one of: {known}") from None
    module, _, function = where.partition(":")
    return cast(Renderer, getattr(importlib.import_module(f"jettison.render.{module}"), function))


def render(command: str, report: object, fmt: str, look: Look | None = None) -> str:
    """``report`` (the report of ``command``) as text in format ``fmt``."""
    return renderer(command, fmt)(report, look or Look())


__all__ = ["FORMATS", "Look", "Renderer", "formats", "render", "renderer"]
