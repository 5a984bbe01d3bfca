"""``package-cache``: what package managers downloaded or indexed, kept after the install.

Rolls up by cache directory (``var/lib/apt/lists``, ``root/.cache/pip``, ``opt/conda/pkgs``):
the individual index files and wheels are noise.

Left alone on purpose: apt's ``lists/lock`` and ``lists/partial/``; Poetry's
``.cache/pypoetry/virtualenvs`` (Poetry's default place for the project's environment, not a
cache); a ``pkgs`` directory that is not a conda one (no ``conda-meta`` next to it and no
``urls.txt`` in it). Cache files hard-linked into an environment (uv's and conda's default
link modes) are not counted at all: removing the cache would free nothing (see the package
docstring).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from jettison.inspect.removable._cause import Cause, Claim, PathPatterns, Unclaimed, claim_matches

HOME = r"(?:.+/)?"
"""Any directory a tool's home can be (``root/``, ``home/app/``, ``opt/``), or the root."""

CACHES = PathPatterns(
    r"(var/lib/apt/lists)/(?!lock$|partial/).+",
    r"(var/cache/apt)/[^/]+\.bin",
    r"(var/cache/apt/archives)/.+\.deb",
    r"(var/cache/apk)/.+",
    r"(var/cache/yum)/.+",
    r"(var/cache/dnf)/.+",
    rf"({HOME}\.cache/pip)/.+",
    rf"({HOME}\.cache/uv)/.+",
    rf"({HOME}\.cache/pypoetry)/(?:cache|artifacts)/.+",
    rf"({HOME}\.cache/pipenv)/.+",
    rf"({HOME}\.npm/_cacache)/.+",
    needles=("var/cache/", "var/lib/apt/", ".cache/", ".npm/"),
)
"""Cache files; group 1 is the directory reported in ``top``."""

CONDA_URLS = re.compile(rf"({HOME}pkgs)/urls\.txt")
CONDA_META = re.compile(rf"({HOME})conda-meta/[^/]+")
"""Group 1 is a conda prefix (with its trailing slash): its ``pkgs`` is a package cache."""


def find(unclaimed: Unclaimed) -> Iterator[Claim]:
    yield from claim_matches(unclaimed, CACHES)
    conda = sorted(_conda_pkgs_dirs(unclaimed))
    if not conda:
        return
    for pkgs in conda:
        yield Claim(unclaimed.under(pkgs), pkgs)


def _conda_pkgs_dirs(unclaimed: Unclaimed) -> set[str]:
    """``pkgs`` directories of conda/mamba installations found in the image."""
    found = set()
    paths = unclaimed.resolver.paths()
    for path in [p for p in paths if "conda-meta/" in p or p.endswith("/urls.txt")]:
        if "conda-meta/" in path and (match := CONDA_META.fullmatch(path)) is not None:
            found.add(f"{match.group(1)}pkgs")
        elif path.endswith("/urls.txt") and (match := CONDA_URLS.fullmatch(path)) is not None:
            found.add(match.group(1))
    return found


CAUSE = Cause(
    code="package-cache",
    title="Package manager caches",
    advice=(
        "Caches left by apt, pip, uv, Poetry, Pipenv, conda, apk, yum/dnf or npm. Deleting them "
        "in a later RUN does not shrink the image: clean up in the same RUN that filled them, "
        "e.g. `apt-get update && apt-get install -y ... && rm -rf /var/lib/apt/lists/*`, "
        "`pip install --no-cache-dir` (or PIP_NO_CACHE_DIR=1), `uv sync --no-cache`, "
        "`conda clean -afy`, `apk add --no-cache`, `dnf clean all`, `npm cache clean --force`; "
        "or keep caches out of the image with `RUN --mount=type=cache,target=/root/.cache/pip`."
    ),
    find=find,
)
