"""The Dockerfile text jettison writes: one writer for ``fix`` and ``plan`` (pure functions
returning text).

Both write the same layers the same way: a virtualenv at :data:`VENV` on ``PATH``, apt
installs in one layer without recommended packages and without the lists, an unprivileged
user ``app`` (uid 10001) switched to after the last build step, a ``HEALTHCHECK`` that uses
the image's own Python (slim images have no curl), and a ``# jettison: CODE what`` comment
above every change.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from jettison.dockerfile.shellwords import Part

VENV = "/opt/venv"
"""Where the service's virtualenv lives in every image jettison writes."""
APP_USER = "app"
APP_UID = 10001
RUNTIME_ENV = (
    f"ENV PIP_NO_CACHE_DIR=1 PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PATH={VENV}/bin:$PATH"
)
"""The runtime stage's environment: no pip cache, no bytecode written, unbuffered output,
the virtualenv first on ``PATH``."""
NONINTERACTIVE = "ARG DEBIAN_FRONTEND=noninteractive"
"""Build-time only (an ARG, not an ENV): apt never stops at a question (tzdata...)."""
APT_LISTS_REMOVED = "rm -rf /var/lib/apt/lists/*"
HEALTHCHECK_OPTIONS = "--interval=30s --timeout=5s --start-period=30s --retries=3"
_SAFE_PATH = re.compile(r"^/[A-Za-z0-9._~/%&=+,;:@!$-]*$")
"""URL paths that can go into the health check's Python string as they are."""


def change(code: str, description: str) -> str:
    """The comment above a change: ``# jettison: JT101 JT102 apt in one layer...``."""
    return f"# jettison: {code} {description}"


def run(commands: Iterable[str], *, flags: Sequence[str] = ()) -> str:
    """``RUN a \\ && b \\ && c``: one layer, one command a line; ``flags`` (``--mount=...``)
    each on a line of their own before the commands."""
    head = "".join(f"{flag} \\\n    " for flag in flags)
    return "RUN " + head + " \\\n    && ".join(commands)


def apt_install(packages: Sequence[str], *, noninteractive: bool = False) -> str:
    """The apt-get command that installs ``packages`` without recommended packages."""
    frontend = "DEBIAN_FRONTEND=noninteractive " if noninteractive else ""
    return f"{frontend}apt-get install -y --no-install-recommends {' '.join(packages)}"


def apt_layer(packages: Sequence[str], *, noninteractive: bool = False) -> str:
    """One apt layer: update, install without recommended packages, lists removed."""
    return run(
        ["apt-get update", apt_install(packages, noninteractive=noninteractive), APT_LISTS_REMOVED]
    )


def apt_for_one_command(
    packages: Sequence[str],
    command: str,
    *,
    noninteractive: bool = False,
    flags: Sequence[str] = (),
) -> str:
    """One layer that installs ``packages`` for ``command`` only and purges them again (build
    tools that must not ship); ``flags`` as for :func:`run`."""
    return run(
        [
            "apt-get update",
            apt_install(packages, noninteractive=noninteractive),
            command,
            f"apt-get purge -y --auto-remove {' '.join(packages)}",
            APT_LISTS_REMOVED,
        ],
        flags=flags,
    )


def venv_command(python: str, *, system_site_packages: bool = False) -> str:
    """The command that creates the virtualenv with ``python``."""
    site = " --system-site-packages" if system_site_packages else ""
    return f"{python} -m venv{site} {VENV}"


def venv_on_path() -> str:
    return f"ENV PATH={VENV}/bin:$PATH"


def strip_venv(*, tests: bool, headers: bool) -> list[str]:
    """Commands that strip the virtualenv of what no import needs: bytecode (rebuilt in
    memory at import), with ``tests`` the packages' bundled test suites (only those below a
    package, as inspect's ``tests`` cause counts them), with ``headers`` C/C++ headers and
    static libraries."""
    if tests:
        names = (
            "\\( -name __pycache__ -o -path '*/site-packages/*/tests' "
            "-o -path '*/site-packages/*/test' \\)"
        )
    else:
        names = "-name __pycache__"
    out = [f"find {VENV} -depth -type d {names} -exec rm -rf {{}} +"]
    if headers:
        out.append(
            f"find {VENV} -type f \\( -name '*.h' -o -name '*.hpp' -o -name '*.cuh' "
            "-o -name '*.a' \\) -delete"
        )
    return out


INSTALLER_DISTRIBUTIONS = ("setuptools", "wheel")
"""What ``python -m venv`` (or an upgrade before the installs) puts in a virtualenv besides pip
that nothing imports at run time unless a package does (``pkg_resources``)."""
INSTALLERS_UNUSED = (
    'import glob, importlib.metadata as m, os, re, sys; t = {"pip", "setuptools", "wheel"}; '
    'p = re.compile(rb"(import|from)[ ]+(setuptools|distutils|wheel)([^A-Za-z0-9_]|$)'
    '|pkg_resources", re.M); '
    'n = lambda s: re.split("[^A-Za-z0-9._-]", s.strip(), maxsplit=1)[0].lower(); '
    'r = lambda f: f.suffix in (".py", ".pth") and f.locate().is_file() '
    "and p.search(f.locate().read_bytes()); "
    'b = [open(f, "rb").read() for f in glob.glob(sys.prefix + "/bin/*") '
    "if os.path.isfile(f) and not os.path.islink(f)]; "
    'sys.exit(any(p.search(s) for s in b if s[:2] == b"#!") '
    'or any(n(d.metadata["Name"] or "") not in t '
    "and (any(n(q) in t for q in d.requires or ()) "
    "or d.files is None or any(map(r, d.files))) "
    "for d in m.distributions()))"
)
"""Exits 0 when no installed distribution but the installer tools themselves requires
setuptools or wheel or imports them (``pkg_resources``, ``setuptools``, ``distutils``, which
setuptools provides on Python 3.12), none lists no files (an egg-info install), and no script
of the environment's ``bin`` names them (a legacy ``setup.py develop`` launcher); else 1 (an
error too: the tools then stay)."""


def drop_installers(prefix: str, *, pip: bool, setuptools: bool) -> list[str]:
    """Commands that take the installer tools out of the virtualenv at ``prefix`` after the
    installs: with ``setuptools``, setuptools and wheel when the check finds that no
    installed package requires or imports them; with ``pip``, pip itself (last, as it
    uninstalls the others)."""
    python = f"{prefix}/bin/python"
    out: list[str] = []
    if setuptools:
        names = " ".join(INSTALLER_DISTRIBUTIONS)
        out.append(
            f"if {python} -c '{INSTALLERS_UNUSED}'; "
            f"then {python} -m pip uninstall --yes --quiet {names}; fi"
        )
    if pip:
        out.append(f"{python} -m pip uninstall --yes --quiet pip")
    return out


def add_user() -> str:
    """The command that creates the unprivileged user the service runs as."""
    return f"useradd --create-home --uid {APP_UID} {APP_USER}"


def with_user(
    groups: Sequence[Sequence[str]],
    build_steps: Sequence[bool],
    user: Sequence[str] = (f"USER {APP_USER}",),
) -> list[str]:
    """``groups`` (the lines of one instruction each) with the ``user`` lines after the last
    group that is a build step (``RUN``, ``COPY``, ``WORKDIR``...): files the steps create
    stay root's, the service runs unprivileged. At the end when no group is a build step."""
    last = max((n for n, step in enumerate(build_steps) if step), default=len(groups) - 1)
    out: list[str] = []
    for index, group in enumerate(groups):
        out.extend(group)
        if index == last:
            out.extend(user)
    if not groups:
        out.extend(user)
    return out


def healthcheck(port: int, path: str | None = None, flags: Sequence[str] = ()) -> str:
    """A ``HEALTHCHECK`` with the image's own Python: a GET of ``path`` on ``port`` when the
    service has a health path, else a TCP connect (no guess at a path it may not have).
    ``flags`` replace the default timing options."""
    options = " ".join(flags) or HEALTHCHECK_OPTIONS
    if path is not None and _SAFE_PATH.match(path):
        probe = (
            "import urllib.request; "
            f"urllib.request.urlopen('http://127.0.0.1:{port}{path}', timeout=4)"
        )
    else:
        probe = f"import socket; socket.create_connection(('127.0.0.1', {port}), 4).close()"
    return f'HEALTHCHECK {options} CMD ["python", "-c", "{probe}"]'


def join(parts: Sequence[Part]) -> str:
    """A script that runs ``parts`` in order with their separators (the last one's dropped),
    one part a line, laid out as :func:`run` lays out a RUN."""
    out = ""
    for index, part in enumerate(parts):
        out += part.text
        if index < len(parts) - 1:
            joiner = part.separator or "&&"
            out += " \\\n    && " if joiner == "&&" else f"{joiner} \\\n    "
    return out
