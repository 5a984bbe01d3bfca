"""Autofixes: for each lint code with a mechanical remedy, a small edit of the user's
Dockerfile (or a file beside it) that resolves one finding; one module per code, listed in
:data:`AUTOFIXES`.

A fix is *safe* when it cannot change what the service sees at run time (a cache cleaned in
the layer that made it, ``.dockerignore`` entries for what no COPY names); the others
(``--no-install-recommends``, a slim base, a non-root user...) apply only when asked. A fix
that cannot be made here says why (:class:`Skip`); nothing is guessed.
"""

from __future__ import annotations

from jettison.fix.autofix import (
    jt101_apt_lists,
    jt102_recommends,
    jt103_apk_cache,
    jt104_yum_clean,
    jt106_dnf_clean,
    jt107_pip_cache,
    jt109_yarn_cache,
    jt112_tool_caches,
    jt201_slim_base,
    jt402_dockerignore,
    jt407_conda_clean,
    jt601_non_root,
)
from jettison.fix.autofix.model import Autofix, Fixed, FixInput, Skip

AUTOFIXES: tuple[Autofix, ...] = (
    jt101_apt_lists.AUTOFIX,
    jt102_recommends.AUTOFIX,
    jt103_apk_cache.AUTOFIX,
    jt104_yum_clean.AUTOFIX,
    jt106_dnf_clean.AUTOFIX,
    jt107_pip_cache.AUTOFIX,
    jt109_yarn_cache.AUTOFIX,
    jt112_tool_caches.AUTOFIX,
    jt201_slim_base.AUTOFIX,
    jt402_dockerignore.AUTOFIX,
    jt407_conda_clean.AUTOFIX,
    jt601_non_root.AUTOFIX,
)
BY_CODE = {fix.code: fix for fix in AUTOFIXES}

__all__ = ["AUTOFIXES", "BY_CODE", "Autofix", "FixInput", "Fixed", "Skip"]
