"""JT101 fix (safe): the apt package lists removed in the RUN that downloaded them."""

from __future__ import annotations

from jettison.dockerfile.writer import APT_LISTS_REMOVED
from jettison.fix.autofix.model import Autofix, Fixed, FixInput, Skip, appended
from jettison.lint.model import Finding


def make(fix_input: FixInput, finding: Finding) -> Fixed | Skip:
    return appended(fix_input, finding, APT_LISTS_REMOVED, "apt lists removed in the same layer")


AUTOFIX = Autofix("JT101", True, "End the RUN with `rm -rf /var/lib/apt/lists/*`.", make)
