"""Errors of the build subsystem."""

from __future__ import annotations

from jettison.errors import JettisonError


class BuildError(JettisonError):
    """A builder is missing, or a build, export or run through it failed.

    ``step`` names the failing Dockerfile step when the builder's output told it (e.g.
    ``STEP 2/3: RUN exit 1``); ``log_tail`` holds the last lines of the builder's output.
    """

    def __init__(
        self,
        message: str,
        *,
        hint: str | None = None,
        step: str | None = None,
        log_tail: tuple[str, ...] = (),
    ) -> None:
        super().__init__(message, hint=hint)
        self.step = step
        self.log_tail = log_tail
