"""JT109 fix (safe): yarn's cache cleaned in the same layer."""

from __future__ import annotations

from jettison.fix.autofix.model import Autofix, Fixed, FixInput, Skip, appended
from jettison.lint.model import Finding


def make(fix_input: FixInput, finding: Finding) -> Fixed | Skip:
    return appended(
        fix_input, finding, "yarn cache clean", "yarn's cache cleaned in the same layer"
    )


AUTOFIX = Autofix("JT109", True, "End the RUN with `yarn cache clean`.", make)
