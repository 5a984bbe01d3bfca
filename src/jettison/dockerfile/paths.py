"""Paths inside an image as a Dockerfile names them: absolute, normalised, compared.

Shared by what follows a Dockerfile's files (lint's rules, the plan's discovery of the code
a service copies): ``WORKDIR``, ``COPY`` destinations and ``rm`` arguments all resolve
against the working directory in effect, the way the builder does.
"""

from __future__ import annotations

import posixpath


def absolute(path: str, cwd: str) -> str:
    """``path`` made absolute against ``cwd`` and normalised (no trailing slash)."""
    joined = posixpath.normpath(posixpath.join(cwd or "/", path))
    return "/" + joined.lstrip("/") if joined != "/" else "/"


def covers(outer: str, inner: str) -> bool:
    """``inner`` is ``outer`` or lies under it (both absolute and normalised)."""
    return inner == outer or outer == "/" or inner.startswith(outer + "/")
