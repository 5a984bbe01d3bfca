"""Reading builder output: which Dockerfile step failed."""

from __future__ import annotations

import re
from collections.abc import Iterable

TAIL_LINES = 20

_BUILDKIT_STEP = r"\[(?:[\w.-]+ )?\d+/\d+\] .+?"  # `[2/3] RUN ...`, `[builder 2/4] RUN ...`

# A line saying which step failed beats the last step that started.
_FAILED_AT = (
    # buildah: `Error: building at STEP "RUN exit 1": exit status 1` (older: `error building`)
    re.compile(r'building at STEP "(?P<step>.+?)"', re.IGNORECASE),
    # BuildKit (--progress plain), in its error summary: ` > [2/3] RUN exit 1:`
    re.compile(rf"^\s*> (?P<step>{_BUILDKIT_STEP}):?$"),
)
_STARTED = (
    re.compile(r"^STEP (?P<step>\d+/\d+: .+)$"),  # buildah: `STEP 2/3: RUN exit 1`
    re.compile(r"^Step (?P<step>\d+/\d+ : .+)$"),  # docker's classic builder
    re.compile(rf"^#\d+ (?P<step>{_BUILDKIT_STEP})$"),  # BuildKit: `#6 [2/3] RUN exit 1`
)


def failing_step(lines: Iterable[str]) -> str | None:
    """The step a failed build stopped at, as the builder wrote it, or None if unknown.

    buildah's error line names only the instruction (``RUN exit 1``); when the last
    ``STEP N/M:`` line is that instruction, its numbered form is returned.
    """
    started: str | None = None
    failed: str | None = None
    for raw in lines:
        line = raw.rstrip()
        for pattern in _FAILED_AT:
            if m := pattern.search(line):
                failed = m["step"]
        for pattern in _STARTED:
            if m := pattern.match(line):
                started = m["step"]
    if failed is None:
        return started
    if started is not None and started.endswith(": " + failed):
        return started
    return failed
