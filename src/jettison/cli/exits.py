"""Exit codes, declared once, and the guard that turns every failure into one line.

0 success; 1 the verb's own "no" (a budget broken, a finding at or above --fail-on, a
verification or a measured check failed); 2 bad input or usage (one line and a hint on
stderr, never a traceback; ``JETTISON_DEBUG=1`` shows it); 130 interrupted.
"""

from __future__ import annotations

import os
import traceback
from collections.abc import Callable
from typing import NoReturn

import click

from jettison.errors import JettisonError

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_ERROR = 2
EXIT_INTERRUPTED = 130


def fail(message: str, hint: str | None = None) -> None:
    """``jettison: error: MESSAGE`` (and ``  hint: HINT``) on stderr."""
    click.echo(f"jettison: error: {message}", err=True)
    if hint:
        click.echo(f"  hint: {hint}", err=True)


def run_guarded(fn: Callable[[], int]) -> int:
    """Run a verb, turning every failure into one line (and a hint) and an exit code."""
    try:
        return fn()
    except JettisonError as exc:
        fail(str(exc), exc.hint)
        return EXIT_ERROR
    except KeyboardInterrupt:
        click.echo("jettison: interrupted", err=True)
        return EXIT_INTERRUPTED
    except Exception as exc:
        if os.environ.get("JETTISON_DEBUG"):
            traceback.print_exc()
        fail(
            f"internal error: {type(exc).__name__}: {exc}",
            "this is a bug in jettison; rerun with JETTISON_DEBUG=1 and report the traceback",
        )
        return EXIT_ERROR


def exit_with(fn: Callable[[], int]) -> NoReturn:
    """:func:`run_guarded`, then exit with its code (what every command ends with)."""
    raise SystemExit(run_guarded(fn))
