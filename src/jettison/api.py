"""The facade: one function per verb, each returning a report object.

The CLI calls these and nothing below them; so can any program. Only the CLI prints or exits;
these raise :class:`jettison.errors.JettisonError` subclasses on bad input. Each verb lives
in the package named after its capability (``<package>/core.py``); this module only gathers
them, with the option objects the verbs that build or check images take. Each name is
imported when first used (PEP 562), so a program or a CLI command that calls one verb loads
that verb's code only (``jettison inspect`` starts in half the time).

=========  =====================================================================
inspect    where every byte of an image lives, what is wasted and removable
diff       what changed between two images, attributed the way inspect attributes
lint       a Dockerfile and its requirements, with rules that know AI stacks
rules      the lint rules, with their codes, summaries and examples
fix        an optimized Dockerfile and split requirements, written next to them
build      an image, daemonlessly (buildah, podman) or with Docker
verify     a smoke command or an HTTP probe in one image, or two compared
optimize   fix, build both, inspect both, verify both: one report
plan       shared base images and split requirements for a monorepo's services
=========  =====================================================================
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from jettison.builder.core import build, verify
    from jettison.builder.options import BuildOptions, CheckOptions, Mount
    from jettison.diff.core import diff
    from jettison.fix.core import fix
    from jettison.inspect.core import VERIFY_MODES, inspect
    from jettison.lint.core import lint, lint_config, rules
    from jettison.optimize.core import optimize
    from jettison.plan.core import plan

_HOMES = {
    "build": "jettison.builder.core",
    "verify": "jettison.builder.core",
    "BuildOptions": "jettison.builder.options",
    "CheckOptions": "jettison.builder.options",
    "Mount": "jettison.builder.options",
    "diff": "jettison.diff.core",
    "fix": "jettison.fix.core",
    "VERIFY_MODES": "jettison.inspect.core",
    "inspect": "jettison.inspect.core",
    "lint": "jettison.lint.core",
    "lint_config": "jettison.lint.core",
    "rules": "jettison.lint.core",
    "optimize": "jettison.optimize.core",
    "plan": "jettison.plan.core",
}
"""Where each name of this facade is defined."""

__all__ = [
    "VERIFY_MODES",
    "BuildOptions",
    "CheckOptions",
    "Mount",
    "build",
    "diff",
    "fix",
    "inspect",
    "lint",
    "lint_config",
    "optimize",
    "plan",
    "rules",
    "verify",
]


def __getattr__(name: str) -> object:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value  # once: later lookups find it without this hook
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
