"""System package managers: apt-get/apt/aptitude, apk, yum/dnf/dnf5/microdnf, zypper."""

from __future__ import annotations

import re

_VERSION_OR_ARCH = re.compile(r"[=:<>~]")


def package_name(word: str) -> str:
    """The package a word of an install command names, lower case, without its version or
    architecture: ``curl=7.88*`` -> ``curl``, ``libfoo:amd64`` -> ``libfoo``, apk's
    ``musl>1.2`` -> ``musl``."""
    return _VERSION_OR_ARCH.split(word, maxsplit=1)[0].strip().lower()
