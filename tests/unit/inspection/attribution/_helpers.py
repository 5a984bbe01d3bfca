"""Build Python and Debian installs as memimage specs, and attribute them."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from jettison.image.scan import FileResolver, ScannedImage, glob_filter, scan_image
from jettison.inspect.attribution import CAPTURE_GLOBS, attribute
from jettison.inspect.attribution.model import Ownership
from jettison.inspect.report import Attribution, OwnerBytes
from support.memimage import File, Spec, image

SITE = "usr/local/lib/python3.11/site-packages"


def record_line(path: str, content: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(content).digest()).rstrip(b"=").decode()
    return f"{path},sha256={digest},{len(content)}"


def wheel(
    name: str,
    version: str,
    files: Mapping[str, bytes],
    *,
    site: str = SITE,
    requires: Sequence[str] = (),
    unlisted: Mapping[str, bytes] | None = None,
    extra_record: Sequence[str] = (),
    metadata_name: str | None = None,
) -> list[Spec]:
    """A pip install: ``files`` keyed by RECORD path (relative to ``site``, may climb with
    ``../``), plus ``unlisted`` files written later inside ``site``."""
    dist_info = f"{name.replace('-', '_')}-{version}.dist-info"
    headers = ["Metadata-Version: 2.1", f"Name: {metadata_name or name}", f"Version: {version}"]
    headers += [f"Requires-Dist: {r}" for r in requires]
    metadata = ("\n".join(headers) + "\n\nA long description.\nName: not-a-header\n").encode()
    own = {f"{dist_info}/METADATA": metadata, f"{dist_info}/INSTALLER": b"pip\n"}
    lines = [record_line(p, c) for p, c in {**files, **own}.items()]
    lines += [*extra_record, f"{dist_info}/RECORD,,"]
    own[f"{dist_info}/RECORD"] = ("\n".join(lines) + "\n").encode()
    specs: list[Spec] = []
    for relative, content in {**files, **own, **(unlisted or {})}.items():
        specs.append(File(_join(site, relative), content))
    return specs


def dpkg_status(*paragraphs: Mapping[str, str]) -> bytes:
    return "\n".join("".join(f"{k}: {v}\n" for k, v in p.items()) for p in paragraphs).encode()


def deb(
    name: str,
    files: Mapping[str, bytes],
    *,
    listed_as: Iterable[str] | None = None,
    arch: str | None = None,
) -> list[Spec]:
    """Files of a Debian package (root-relative paths) and its ``info/NAME.list``.

    ``listed_as`` overrides the list's lines (absolute paths, as dpkg writes them)."""
    lines = list(listed_as) if listed_as is not None else ["/."] + [f"/{p}" for p in files]
    list_name = f"{name}:{arch}" if arch else name
    specs: list[Spec] = [File(p, c) for p, c in files.items()]
    specs.append(File(f"var/lib/dpkg/info/{list_name}.list", ("\n".join(lines) + "\n").encode()))
    return specs


def installed(name: str, version: str = "1.0", **fields: str) -> dict[str, str]:
    paragraph = {"Package": name, "Status": "install ok installed", "Version": version}
    paragraph.update({k.replace("_", "-"): v for k, v in fields.items()})
    return paragraph


def _join(site: str, relative: str) -> str:
    parts = site.split("/")
    for part in relative.split("/"):
        if part == "..":
            parts.pop()
        else:
            parts.append(part)
    return "/".join(parts)


@dataclass(frozen=True)
class Result:
    attribution: Attribution
    ownership: Ownership
    scanned: ScannedImage

    @property
    def resolver(self) -> FileResolver:
        return self.scanned.resolver

    def owner(self, kind: str, name: str) -> OwnerBytes:
        for owner in self.attribution.owners:
            if (owner.kind, owner.name) == (kind, name):
                return owner
        raise AssertionError(f"no owner {kind}:{name} in {self.attribution.owners}")

    def has_owner(self, kind: str, name: str) -> bool:
        return any((o.kind, o.name) == (kind, name) for o in self.attribution.owners)


def attribute_layers(layers: Sequence[Sequence[Spec]]) -> Result:
    """Scan as the CLI does (capturing only CAPTURE_GLOBS) and attribute; check invariants."""
    scanned = scan_image(image(layers), capture=glob_filter(CAPTURE_GLOBS))
    attribution, ownership = attribute(scanned.resolver)
    result = Result(attribution, ownership, scanned)
    check_invariants(result)
    return result


def check_invariants(result: Result) -> None:
    """Every byte in exactly one owner; the three views of ownership agree."""
    resolver = result.resolver
    files = list(resolver.files())
    total = sum(resolver.size(e) for e in files)
    att, own = result.attribution, result.ownership
    assert att.total_bytes == total == result.scanned.fs.total_bytes()
    assert sum(o.size_bytes for o in att.owners) == total
    assert sum(o.file_count for o in att.owners) == len(files)
    for o in att.owners:
        assert sum(b for _, b in o.layer_bytes) == o.size_bytes
        assert [i for i, _ in o.layer_bytes] == sorted({i for i, _ in o.layer_bytes})
    keys = [(-o.size_bytes, o.kind, o.name) for o in att.owners]
    assert keys == sorted(keys)
    assert len({(o.kind, o.name) for o in att.owners}) == len(att.owners)

    paths = {e.path for e in files}
    assert set(own.owner_by_path) <= paths
    from_packages: dict[str, str] = {}
    for dist in own.python.values():
        for path in dist.files:
            assert path not in from_packages
            from_packages[path] = f"python:{dist.name}"
    for package in own.debian.values():
        for path in package.files:
            assert path not in from_packages
            from_packages[path] = f"debian:{package.name}"
    assert from_packages == dict(own.owner_by_path)

    assert sum(f.size_bytes for f in att.cuda) <= total
    assert sum(f.file_count for f in att.cuda) <= len(files)

    for o in att.owners:
        if o.kind == "python":
            assert o.file_count == len(own.python[o.name].files)
            assert o.version == own.python[o.name].version
        elif o.kind == "debian":
            assert o.file_count == len(own.debian[o.name].files)
            assert o.version == own.debian[o.name].version
        else:
            assert o.kind == "unowned" and o.name.startswith("/")
