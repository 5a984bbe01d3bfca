"""The facade: one function per verb, each returning a report object.

The CLI calls these and nothing below them; so can any program. Only the CLI prints or exits;
these raise :class:`jettison.errors.JettisonError` subclasses on bad input. Each verb lives
in the package named after its capability (``<package>/core.py``); this module only gathers
them, with the option objects the verbs that build or check images take.

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

from jettison.builder.core import build, verify
from jettison.builder.options import BuildOptions, CheckOptions, Mount
from jettison.diff.core import diff
from jettison.fix.core import fix
from jettison.inspect.core import VERIFY_MODES, inspect
from jettison.lint.core import lint, lint_config, rules
from jettison.optimize.core import optimize
from jettison.plan.core import plan

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
