"""JT102 fix (unsafe: a recommended package the service needs would be missing): apt
installs without recommended packages."""

from __future__ import annotations

import re

from jettison.fix.autofix.model import Autofix, Fixed, FixInput, Skip, inserted
from jettison.lint.model import Finding

_APT_INSTALL = re.compile(
    r"(?<![\w./-])apt(?:-get)?(?:\s+(?:-o\s+\S+|-[\w-]+|--[\w-]+(?:=\S+)?))*\s+install\b"
    r"(?![^&|;\n]*(?:--no-install-recommends|Install-Recommends))"
)


def make(fix_input: FixInput, finding: Finding) -> Fixed | Skip:
    return inserted(
        fix_input,
        finding,
        ((_APT_INSTALL, " --no-install-recommends"),),
        "apt installs without recommended packages",
    )


AUTOFIX = Autofix("JT102", False, "Add --no-install-recommends to apt-get install.", make)
