"""JT104 fix (safe): yum's cache cleaned in the same layer."""

from __future__ import annotations

from jettison.fix.autofix.model import Autofix, Fixed, FixInput, Skip, appended
from jettison.lint.model import Finding


def make(fix_input: FixInput, finding: Finding) -> Fixed | Skip:
    return appended(fix_input, finding, "yum clean all", "yum's cache cleaned in the same layer")


AUTOFIX = Autofix("JT104", True, "End the RUN with `yum clean all`.", make)
