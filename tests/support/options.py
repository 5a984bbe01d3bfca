"""Option objects as the tests write them most often."""

from __future__ import annotations

from jettison.builder.backend import Builder
from jettison.builder.options import BuildOptions, CheckOptions


def check(smoke: str | None = None, **fields: object) -> CheckOptions:
    """Check options with ``--smoke "CMD"`` split as the CLI splits it (optimize's default
    timeout unless given)."""
    return CheckOptions.from_text(smoke, **{"timeout_s": 120.0, **fields})


def using(builder: str | Builder, **fields: object) -> BuildOptions:
    """Build options on ``builder`` (a fake, in most tests)."""
    return BuildOptions(builder=builder, **fields)  # type: ignore[arg-type]
