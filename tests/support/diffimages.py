"""Pairs of small but realistic images (Debian packages, Python wheels, CUDA libraries,
unowned app files, a shared base layer) for the diff and HTML tests, inspected in memory
through the real scan and analyzers."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping, Sequence

from jettison.diff.model import DiffReport
from jettison.image.model import Image, ImageConfig, Layer
from jettison.image.scan import glob_filter, scan_image
from jettison.inspect.analyze import CAPTURE_GLOBS, analyze_with_files
from jettison.inspect.core import Inspection
from support.memimage import File, MemoryStore, Spec, Whiteout, layer_tar

SITE = "usr/local/lib/python3.11/site-packages"


def _record_line(path: str, content: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(content).digest()).rstrip(b"=").decode()
    return f"{path},sha256={digest},{len(content)}"


def wheel(name: str, version: str, files: Mapping[str, bytes]) -> list[Spec]:
    """A pip install of ``name`` into site-packages, with its dist-info and RECORD."""
    info = f"{name.replace('-', '_')}-{version}.dist-info"
    metadata = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n\n".encode()
    own = {f"{info}/METADATA": metadata, f"{info}/INSTALLER": b"pip\n"}
    lines = [_record_line(p, c) for p, c in {**files, **own}.items()] + [f"{info}/RECORD,,"]
    own[f"{info}/RECORD"] = ("\n".join(lines) + "\n").encode()
    return [File(f"{SITE}/{path}", content) for path, content in {**files, **own}.items()]


def debs(packages: Mapping[str, tuple[str, Mapping[str, bytes]]]) -> list[Spec]:
    """Debian packages (name -> (version, files)) with dpkg's status and file lists."""
    specs: list[Spec] = []
    status = []
    for name, (version, files) in packages.items():
        status.append(
            f"Package: {name}\nStatus: install ok installed\nVersion: {version}\n"
            f"Installed-Size: {max(1, sum(len(c) for c in files.values()) // 1024)}\n"
        )
        listing = "\n".join(["/.", *(f"/{p}" for p in files)]) + "\n"
        specs.append(File(f"var/lib/dpkg/info/{name}.list", listing.encode()))
        specs.extend(File(path, content) for path, content in files.items())
    specs.append(File("var/lib/dpkg/status", "\n".join(status).encode()))
    return specs


def blob(n: int, seed: str = "x") -> bytes:
    """``n`` bytes that differ per seed (duplicates are a removable cause)."""
    unit = hashlib.sha256(seed.encode()).digest()
    return (unit * (n // len(unit) + 1))[:n]


BASE_PACKAGES = {
    "libc6": ("2.36-9+deb12u4", {"usr/lib/x86_64-linux-gnu/libc.so.6": blob(20_000, "libc")}),
    "libssl3": ("3.0.11-1~deb12u2", {"usr/lib/x86_64-linux-gnu/libssl.so.3": blob(6_000, "ssl")}),
}


def base_layer() -> list[Spec]:
    return [*debs(BASE_PACKAGES), File("etc/hostname", b"box\n")]


def naive_layers() -> list[list[Spec]]:
    """A service installed naively: compilers, dev tools, tests, CUDA, a data dump."""
    toolchain = {
        **BASE_PACKAGES,
        "libc6-dev": ("2.36-9+deb12u4", {"usr/include/stdio.h": blob(9_000, "stdio")}),
        "gcc-12": ("12.2.0-14", {"usr/bin/x86_64-linux-gnu-gcc-12": blob(30_000, "gcc")}),
    }
    return [
        base_layer(),
        debs(toolchain),
        [
            *wheel("numpy", "1.26.4", {"numpy/core.so": blob(40_000, "np")}),
            *wheel(
                "pandas",
                "2.2.0",
                {"pandas/lib.so": blob(25_000, "pd"), "pandas/tests/test_a.py": blob(5_000, "pdt")},
            ),
            *wheel("scipy", "1.12.0", {"scipy/linalg.so": blob(35_000, "sp")}),
            *wheel("pytest", "8.0.0", {"_pytest/main.py": blob(8_000, "pt")}),
            *wheel(
                "nvidia-cublas-cu12",
                "12.1.3.1",
                {"nvidia/cublas/lib/libcublas.so.12": blob(50_000, "cublas")},
            ),
        ],
        [
            File("app/main.py", blob(1_000, "main")),
            File("app/data/dump.jsonl", blob(12_000, "dump")),
        ],
    ]


def slim_layers() -> list[list[Spec]]:
    """The same service, slimmed: no toolchain or dev tools, an upgraded libssl3, flask."""
    upgraded = {**BASE_PACKAGES, "libssl3": ("3.0.13-1~deb12u1", BASE_PACKAGES["libssl3"][1])}
    upgraded["libssl3"] = (
        "3.0.13-1~deb12u1",
        {"usr/lib/x86_64-linux-gnu/libssl.so.3": blob(6_500, "ssl2")},
    )
    return [
        base_layer(),
        debs(upgraded),
        [
            *wheel("numpy", "1.26.4", {"numpy/core.so": blob(40_000, "np")}),
            *wheel("flask", "3.0.2", {"flask/app.py": blob(4_000, "fl")}),
        ],
        [File("app/main.py", blob(1_500, "main2")), Whiteout("etc/hostname")],
    ]


def memory_image(layers: Sequence[Sequence[Spec]], reference: str = "memory") -> Image:
    """An in-memory image whose layers carry diff_ids (the sha256 of their tar), so that
    equal layers of two images are recognised as shared."""
    tars = [layer_tar(entries) for entries in layers]
    store = MemoryStore({f"layer{i}": tar for i, tar in enumerate(tars)})
    return Image(
        reference=reference,
        source_kind="memory",
        config=ImageConfig(),
        layers=tuple(
            Layer(
                index=i,
                blob_ref=f"layer{i}",
                store=store,
                stored_size_bytes=len(tar),
                diff_id=f"sha256:{hashlib.sha256(tar).hexdigest()}",
            )
            for i, tar in enumerate(tars)
        ),
        history=(),
    )


def inspection(layers: Sequence[Sequence[Spec]], reference: str = "memory") -> Inspection:
    """What ``inspect_files`` returns for an image of ``layers``."""
    scanned = scan_image(memory_image(layers, reference), glob_filter(CAPTURE_GLOBS))
    report, files = analyze_with_files(scanned)
    return Inspection(report, files)


def check_sums(report: DiffReport) -> None:
    """The sum rule: every view's deltas add up to the total change, exactly."""
    final, size = report.final_delta_bytes, report.size_delta_bytes
    assert sum(o.delta_bytes for o in report.owners) == final, "owners"
    assert sum(c.delta_bytes for c in report.causes) == final, "causes"
    if report.cuda:
        assert sum(c.delta_bytes for c in report.cuda) == final, "cuda"
    assert sum(f.delta_bytes for f in report.files) + report.files_rest.delta_bytes == final
    assert sum(layer.delta_bytes for layer in report.layers) == size, "layers"
    for tree, side in ((report.before_tree, report.before), (report.after_tree, report.after)):
        if tree is not None:
            assert tree.root.size_bytes == side.final_bytes
            assert tree.root.file_count == side.file_count
