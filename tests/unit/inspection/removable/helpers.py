"""Build images and ownership by hand for the removable-cause tests."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from jettison.image.scan import FileResolver
from jettison.inspect.attribution.model import DebianPackage, Ownership, PythonDist
from jettison.inspect.removable import find_removable
from jettison.inspect.report import RemovableCause
from support.memimage import Spec, scan

MIB = 1 << 20
SITE = "usr/local/lib/python3.11/site-packages"


def resolver(*layers: Sequence[Spec]) -> FileResolver:
    return scan(layers).resolver


def dist(name: str, *requires: str, files: Iterable[str] = ()) -> PythonDist:
    return PythonDist(
        name=name,
        version="1.0",
        dist_info=f"{SITE}/{name.replace('-', '_')}-1.0.dist-info",
        requires=requires,
        files=tuple(files),
    )


def deb(name: str, files: Iterable[str] = (), section: str | None = None) -> DebianPackage:
    return DebianPackage(name=name, version="1", section=section, files=tuple(files))


def ownership(
    python: Iterable[PythonDist] = (),
    debian: Iterable[DebianPackage] = (),
    owners: Mapping[str, str] | None = None,
) -> Ownership:
    """Ownership as attribution would report it: every listed file mapped to its owner."""
    python, debian = list(python), list(debian)
    by_path = {p: f"python:{d.name}" for d in python for p in d.files}
    by_path.update({p: f"debian:{d.name}" for d in debian for p in d.files})
    by_path.update(owners or {})
    return Ownership(
        owner_by_path=by_path,
        python={d.name: d for d in python},
        debian={d.name: d for d in debian},
    )


def removable(*layers: Sequence[Spec], owned: Ownership | None = None) -> dict[str, RemovableCause]:
    causes = find_removable(resolver(*layers), owned or ownership())
    return {c.cause: c for c in causes}


def rows(cause: RemovableCause) -> list[tuple[str, int, str | None]]:
    return [(row.path, row.size_bytes, row.owner) for row in cause.top]
