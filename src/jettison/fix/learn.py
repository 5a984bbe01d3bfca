"""What a base image is, read from the image itself when it is at hand (in the builder's store,
or an archive): the facts the multi-stage split otherwise takes from the image's name.

Read with jettison's own image model (every source yields the same ``Image``; the scan
lists each layer once and keeps only ``/etc/os-release``):

- the distribution (``ID`` and ``VERSION_ID`` of os-release) and whether apt is there;
- the Python a virtualenv would be made with: the interpreter whose standard library the
  image holds (``/usr/local``, ``/usr``, ``/opt/conda``), its version, whether it can make a
  virtualenv (ensurepip's wheels, or Debian's ``python3-venv``), the distributions already
  in its site-packages;
- the image's ``USER`` and whether it ships the CUDA runtime (``libcudart``).

Nothing is run: an image that cannot be opened or read is simply not learnt from (None),
and the split falls back to names.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from packaging.utils import canonicalize_name

from jettison.errors import JettisonError
from jettison.image.model import Image
from jettison.image.scan import FileResolver, glob_filter, scan_image

OS_RELEASE = ("etc/os-release", "usr/lib/os-release")
_STDLIB = re.compile(r"^(usr/local|usr|opt/conda)/lib/python(3\.\d+)/os\.py$")
_DIST_INFO = re.compile(r"/(?:site|dist)-packages/([^/]+?)-[^/-]+\.dist-info/METADATA$")
_CUDART = re.compile(r"(?:^|/)libcudart\.so(?:\.\d+)*$")
_PREFERENCE = ("usr/local", "opt/conda", "usr")
"""Where the image's own Python is looked for first (official python images, conda, apt)."""


@dataclass(frozen=True, slots=True)
class BaseFacts:
    """A base image, as read from it."""

    reference: str
    os_id: str | None = None
    """``debian``, ``ubuntu``, ``rhel``, ``alpine``... (os-release ``ID``)."""
    os_version: str | None = None
    apt: bool = False
    python: str | None = None
    """The interpreter's absolute path (``/usr/local/bin/python3.11``)."""
    python_version: str | None = None
    venv: bool = False
    """``python -m venv`` can make a virtualenv with pip in it."""
    packages: frozenset[str] = frozenset()
    """Canonical names of the distributions in its site-packages."""
    user: str | None = None
    cuda: bool = False

    def describe(self) -> str:
        """``debian 12, Python 3.11 at /usr/local/bin/python3.11, USER app, CUDA``."""
        out = [" ".join(p for p in (self.os_id, self.os_version) if p) or "an unknown system"]
        if self.python:
            out.append(f"Python {self.python_version} at {self.python}")
        if self.user:
            out.append(f"USER {self.user}")
        if self.cuda:
            out.append("CUDA")
        return ", ".join(out)


def learn(image: Image) -> BaseFacts:
    """The facts of ``image`` (see the module docstring)."""
    scanned = scan_image(image, capture=glob_filter(OS_RELEASE))
    resolver = scanned.resolver
    os_id, os_version = _os_release(resolver)
    python, version = _interpreter(resolver)
    user = image.config.user or None
    return BaseFacts(
        reference=image.reference,
        os_id=os_id,
        os_version=os_version,
        apt=resolver.exists("usr/bin/apt-get"),
        python=f"/{python}" if python else None,
        python_version=version,
        venv=_can_make_venv(resolver, python, version),
        packages=frozenset(
            canonicalize_name(m.group(1)) for p in resolver.paths() if (m := _DIST_INFO.search(p))
        ),
        user=None if user in ("root", "0", "0:0") else user,
        cuda=any(_CUDART.search(p) for p in resolver.paths()),
    )


def learn_reference(reference: str) -> BaseFacts | None:
    """:func:`learn` of the image ``reference`` names (a store name, an archive, a layout);
    None when it cannot be opened or read."""
    from jettison.image.sources import open_image

    try:
        with open_image(reference) as image:
            return learn(image)
    except (JettisonError, OSError):
        return None


def _os_release(resolver: FileResolver) -> tuple[str | None, str | None]:
    for path in OS_RELEASE:
        data = resolver.read_bytes(path)
        if data is None:
            continue
        fields = dict(
            line.split("=", 1)
            for line in data.decode("utf-8", "replace").splitlines()
            if "=" in line
        )
        return (
            fields.get("ID", "").strip("\"'") or None,
            fields.get("VERSION_ID", "").strip("\"'") or None,
        )
    return None, None


def _interpreter(resolver: FileResolver) -> tuple[str | None, str | None]:
    """(the interpreter's path without the leading slash, its X.Y) of the image's Python."""
    found: dict[str, str] = {}
    for path in resolver.under("usr") + resolver.under("opt/conda"):
        match = _STDLIB.match(path)
        if match:
            found.setdefault(match.group(1), match.group(2))
    for prefix in _PREFERENCE:
        version = found.get(prefix)
        if version is None:
            continue
        for name in (f"python{version}", "python3", "python"):
            binary = f"{prefix}/bin/{name}"
            if resolver.exists(binary):
                return binary, version
    return None, None


def _can_make_venv(resolver: FileResolver, python: str | None, version: str | None) -> bool:
    if python is None or version is None:
        return False
    prefix = python.split("/bin/", 1)[0]
    bundled = f"{prefix}/lib/python{version}/ensurepip/_bundled"
    if any(p.endswith(".whl") for p in resolver.under(bundled)):
        return True
    return any(  # Debian's python3-venv: ensurepip takes pip from python-wheels
        p.startswith("usr/share/python-wheels/pip-")
        for p in resolver.under("usr/share/python-wheels")
    )
