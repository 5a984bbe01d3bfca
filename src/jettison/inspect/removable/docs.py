"""``docs``: documentation, manual pages, info pages, translations and lintian overrides.

Counted: everything under ``usr/share/{doc,man,info,locale,lintian}`` and
``usr/local/share/{doc,man,info}``, except license notices (``usr/share/doc/*/copyright``,
which redistributing the binaries obliges you to keep) and ``usr/share/locale/locale.alias``
(read by glibc's ``setlocale``). Documentation inside ``site-packages`` is left alone: it is
small and part of a distribution.

Rolls up by documentation directory (``usr/share/doc``, ``usr/share/man``...).
"""

from __future__ import annotations

from jettison.inspect.removable._cause import Cause, PathPatterns, claim_matches

PATTERNS = PathPatterns(
    r"(usr/share/doc)/(?![^/]+/copyright$).+",
    r"(usr/share/(?:man|info|lintian))/.+",
    r"(usr/share/locale)/(?!locale\.alias$).+",
    r"(usr/local/share/(?:doc|man|info))/.+",
    needles=("usr/share/", "usr/local/share/"),
)
"""Group 1 is the directory reported in ``top``."""

CAUSE = Cause(
    code="docs",
    title="Documentation, manual pages and translations",
    advice=(
        "Nothing in a service reads them. On Debian/Ubuntu, stop dpkg from installing them: "
        "before `apt-get install`, write /etc/dpkg/dpkg.cfg.d/01-nodoc with `path-exclude "
        "/usr/share/doc/*`, `path-include /usr/share/doc/*/copyright`, `path-exclude "
        "/usr/share/man/*`, `path-exclude /usr/share/info/*`, `path-exclude /usr/share/locale/*` "
        "(with `path-include /usr/share/locale/locale.alias`) and `path-exclude "
        "/usr/share/lintian/*`; or `rm -rf` them in the same RUN that installs packages. Keep "
        "the copyright files: they are the license notices."
    ),
    find=lambda unclaimed: claim_matches(unclaimed, PATTERNS),
)
