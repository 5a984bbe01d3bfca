"""Property-style tests: random layered trees with overlapping, broken and stale metadata.

Whatever the metadata says, every byte of the final filesystem must land in exactly one
owner (checked by ``attribute_layers``), and the result must not depend on what else the
scan captured.
"""

from __future__ import annotations

import random

import pytest

from jettison.image.scan import scan_image
from jettison.inspect.attribution import attribute
from support.memimage import Dir, File, Hardlink, Spec, Symlink, Whiteout, image

from ._helpers import SITE, attribute_layers, dpkg_status, installed, record_line

DIRS = [
    "app",
    "app/models",
    "opt/tool",
    "usr/bin",
    "usr/lib/x86_64-linux-gnu",
    "usr/share/doc/pkg",
    "etc",
    f"{SITE}/alpha",
    f"{SITE}/alpha/__pycache__",
    "usr/lib/python3.11/json",
    "usr/lib/python3.11/json/__pycache__",
    f"{SITE}/beta/sub",
    f"{SITE}/nvidia/cublas/lib",
    f"{SITE}/nvidia/cudnn/lib",
    f"{SITE}/torch/lib",
    "app/.venv/lib/python3.11/site-packages/gamma",
]
NAMES = [
    "a.py",
    "a.cpython-311.pyc",
    "a.pyc",
    "b.so",
    "libcudnn.so.9",
    "libcublasLt.so.12",
    "libtorch_cuda.so",
    "data.bin",
    "x",
]
DISTS = ["alpha", "beta", "nvidia-cublas-cu12", "nvidia-cudnn-cu12", "torch", "gamma"]
DEBS = ["libc6", "python3-alpha", "libcudnn9", "tools"]


def random_layers(rng: random.Random) -> list[list[Spec]]:
    layers: list[list[Spec]] = []
    existing: list[str] = []
    merged_usr = rng.random() < 0.5
    for index in range(rng.randint(1, 4)):
        layer: list[Spec] = []
        if index == 0 and merged_usr:
            layer += [Dir("usr/lib"), Symlink("lib", "usr/lib"), Symlink("bin", "usr/bin")]
        for _ in range(rng.randint(0, 25)):
            path = f"{rng.choice(DIRS)}/{rng.choice(NAMES)}"
            layer.append(File(path, bytes(rng.randint(0, 200))))
            existing.append(path)
        if existing and index and rng.random() < 0.6:
            for _ in range(rng.randint(1, 4)):
                victim = rng.choice(existing + DIRS)
                layer.append(Whiteout(victim))
        if existing and rng.random() < 0.3:
            layer.append(Hardlink(f"app/link{index}", rng.choice(existing)))
        for _ in range(rng.randint(0, 2)):
            layer += random_dist(rng, existing)
        if rng.random() < 0.5:
            layer += random_dpkg(rng, existing)
        layers.append(dedupe(layer))
    return layers


def random_dist(rng: random.Random, existing: list[str]) -> list[Spec]:
    name = rng.choice(DISTS)
    site = "app/.venv/lib/python3.11/site-packages" if name == "gamma" else SITE
    version = f"{rng.randint(1, 3)}.0"
    dist_info = f"{site}/{name.replace('-', '_')}-{version}.dist-info"
    listed = [p for p in existing if rng.random() < 0.3]
    lines = [record_line(_relative(site, p), b"") for p in listed]
    lines += [
        f"{dist_info.rpartition('/')[2]}/RECORD,,",
        "../../../bin/tool,,",
        '"broken,line',
        "/etc/x,,",
    ]
    rng.shuffle(lines)
    specs: list[Spec] = [File(f"{dist_info}/RECORD", "\n".join(lines).encode())]
    if rng.random() < 0.8:
        specs.append(File(f"{dist_info}/METADATA", f"Name: {name}\nVersion: {version}\n".encode()))
    return specs


def random_dpkg(rng: random.Random, existing: list[str]) -> list[Spec]:
    names = rng.sample(DEBS, rng.randint(1, len(DEBS)))
    specs: list[Spec] = [File("var/lib/dpkg/status", dpkg_status(*(installed(n) for n in names)))]
    for name in names:
        listed = ["/."]
        for path in existing:
            if rng.random() < 0.2:
                alias = path.replace("usr/lib/", "lib/", 1) if rng.random() < 0.5 else path
                listed.append(f"/{alias}")
        listed += [f"/{rng.choice(DIRS)}", "/does/not/exist"]
        specs.append(File(f"var/lib/dpkg/info/{name}.list", "\n".join(listed).encode()))
    return specs


def dedupe(layer: list[Spec]) -> list[Spec]:
    """One entry per path in a layer (the last), whiteouts first, as real layers are written."""
    by_path: dict[str, Spec] = {}
    for spec in layer:
        by_path[spec.path] = spec
    specs = list(by_path.values())
    return [s for s in specs if isinstance(s, Whiteout)] + [
        s for s in specs if not isinstance(s, Whiteout)
    ]


def _relative(site: str, path: str) -> str:
    site_parts, parts = site.split("/"), path.split("/")
    common = 0
    while common < min(len(site_parts), len(parts)) and site_parts[common] == parts[common]:
        common += 1
    return "/".join([".."] * (len(site_parts) - common) + parts[common:])


@pytest.mark.parametrize("seed", range(80))
def test_every_byte_lands_in_exactly_one_owner(seed: int) -> None:
    layers = random_layers(random.Random(seed))
    result = attribute_layers(layers)  # checks the invariants
    # The same image scanned capturing everything gives the same answer: the capture globs
    # cover everything attribution reads.
    everything = scan_image(image(layers), capture=lambda _path, _size: True)
    assert attribute(everything.resolver) == (result.attribution, result.ownership)
