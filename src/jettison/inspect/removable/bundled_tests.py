"""``tests``: test suites shipped inside installed packages and the CPython test suite.

Counted: a ``tests`` or ``test`` directory below a top-level package in ``site-packages``/
``dist-packages`` (``scipy/linalg/tests/...``, not a top-level ``tests`` package, whose
removal could break an ``import tests``), and the standard library's ``test`` package of any
CPython (``usr/lib/python3.11/test``, ``usr/local/lib/python3.11/test``,
``opt/conda/lib/python3.11/test``). Not counted: ``testing`` directories, which packages
import at run time (``numpy.testing``, ``torch.testing``).

Rolls up: site-packages tests by top-level package directory (``.../site-packages/scipy``)
and owner; the CPython test suite as its ``test`` directory.
"""

from __future__ import annotations

from jettison.inspect.removable._cause import Cause, PathPatterns, claim_matches

PATTERNS = PathPatterns(
    r"(.+?/(?:site|dist)-packages/[^/]+)/(?:[^/]+/)*?tests?/.+",
    r"((?:.+/)?lib/python3\.\d+/test)/.+",
    needles=("/test",),
)
"""Group 1 is the directory reported in ``top``."""


CAUSE = Cause(
    code="tests",
    title="Test suites",
    advice=(
        "Test suites bundled in installed packages are never imported by the service. Delete "
        "them in the same RUN that installs the packages, e.g. `find /usr/local/lib/python3*/"
        "site-packages -mindepth 2 -depth -type d \\( -name tests -o -name test \\) -exec rm "
        "-rf {} +`, and `rm -rf /usr/local/lib/python3.*/test` for CPython's own; check first "
        "that nothing imports them (a few packages import a `test` module at run time)."
    ),
    find=lambda unclaimed: claim_matches(unclaimed, PATTERNS, with_owner=True),
)
