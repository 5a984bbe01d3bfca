"""Seed corpora, one function per harness: images made by the tests' image writer, and the
real-world corpus read in place (``../shared/corpus``; never copied into the repository).

Seeds are deterministic (fixed order, fixed mtimes), so the bounded CI run is too.
"""

from __future__ import annotations

import gzip
import os
from pathlib import Path

import zstandard

from fuzz import fileset
from support import imagewriter as w
from support.seeds import FOURTEEN_SERVICES_TEMPLATE

ROOT = Path(__file__).resolve().parents[2]
CORPUS = Path(os.environ.get("JETTISON_CORPUS", ROOT.parent / "shared" / "corpus"))
FIXTURES = ROOT / "tests" / "fixtures"
MAX_SEED_BYTES = 64 << 10


def _corpus(pattern: str) -> list[bytes]:
    if not CORPUS.is_dir():
        return []
    found = sorted(p for p in CORPUS.glob(f"*/{pattern}") if p.is_file())
    return [p.read_bytes()[:MAX_SEED_BYTES] for p in found]


def _fixtures(pattern: str) -> list[bytes]:
    found = sorted(p for p in FIXTURES.rglob(pattern) if p.is_file())
    return [p.read_bytes()[:MAX_SEED_BYTES] for p in found]


# --------------------------------------------------------------------------- images


def _layers() -> list[list[w.TarEntry]]:
    """Layer contents that reach every branch of the readers: long names (pax), odd names,
    links, whiteouts, opaque directories, a global pax header, package metadata."""
    status = (
        b"Package: libc6\nStatus: install ok installed\nInstalled-Size: 12000\n"
        b"Version: 2.36-9\nArchitecture: amd64\n\n"
    )
    record = b"torch/__init__.py,sha256=x,12\ntorch-2.3.1.dist-info/METADATA,,\n"
    return [
        [
            w.directory("usr"),
            w.directory("usr/lib"),
            w.file("usr/lib/a.so", b"\x7fELF" + bytes(60)),
            w.symlink("usr/lib/b.so", "a.so"),
            w.hardlink("usr/lib/c.so", "usr/lib/a.so"),
            w.file("var/lib/dpkg/status", status),
            w.file("usr/lib/python3/site-packages/torch-2.3.1.dist-info/RECORD", record),
            w.file(
                "usr/lib/python3/site-packages/torch-2.3.1.dist-info/METADATA", b"Name: torch\n"
            ),
        ],
        [
            w.whiteout("usr/lib/b.so"),
            w.opaque("usr/lib"),
            w.file("usr/lib/d" * 30, b"long"),
            w.file(b"bad-\xff-name", b"x"),
            w.symlink("loop", "loop"),
            w.file("root/.cache/pip/http/x", b"cache" * 20),
        ],
        [w.pax_global({"comment": "git archive"}), w.file("../escape", b"x"), w.file("ok", b"y")],
        [w.hardlink("dangling", "missing/file"), w.file("app/model.safetensors", bytes(300))],
    ]


def _tars() -> list[bytes]:
    return [w.build_layer_tar(entries) for entries in _layers()] + [w.build_layer_tar([])]


def tar() -> list[bytes]:
    tars = _tars()
    return [bytes([size]) + t for size in (0, 9, 73) for t in tars[:2]] + [b"\x01" + tars[2]]


def layer() -> list[bytes]:
    tars = _tars()
    out = [bytes([mode]) + t for mode in range(4) for t in tars]
    out.append(b"\x01" + gzip.compress(tars[0], mtime=0))
    out.append(b"\x01" + zstandard.ZstdCompressor().compress(tars[1]))
    out.append(b"\x01" + gzip.compress(tars[0], mtime=0) + gzip.compress(tars[1], mtime=0))
    return out


def filesystem() -> list[bytes]:
    return [
        b"d usr\nf usr/a.py 10\ns usr/b.py a.py\nh usr/c.py usr/a.py\n---\nw usr/a.py\n",
        b"d opt\nf opt/x/1 100\nf opt/x/2 5\n---\no opt/x\nf opt/x/3 7\n---\nw opt\n",
        b"s lib usr/lib\nd usr/lib\nf lib/x.so 50\n---\nx ../../etc/passwd\nx .wh.\n",
        b"f var/lib/dpkg/status 40\nf usr/lib/python3.11/site-packages/a/tests/t.py 900\n"
        b"f root/.cache/pip/x 800\nf usr/share/doc/a/README 30\n---\nf a.pyc 12\n",
        b"s a b\ns b a\nh c d\nf d 3\n---\nw d\n---\nf d 9\n",
    ]


def _images() -> list[w.ImageSpec]:
    layers = _layers()
    return [
        w.ImageSpec(
            layers=[w.LayerSpec(layers[0]), w.LayerSpec(layers[1], compression="gzip")],
            cmd=["python", "app.py"],
            exposed_ports=["8000/tcp"],
            labels={"a": "b"},
        ),
        w.ImageSpec(
            layers=[w.LayerSpec(layers[3], compression="zstd"), w.LayerSpec(layers[2])],
            history=[
                w.History("FROM scratch", empty_layer=True),
                w.History("ADD x /"),
                w.History("RUN y"),
            ],
        ),
        w.ImageSpec(layers=[]),
    ]


def image() -> list[bytes]:
    out = []
    specs = _images()
    for spec in specs:
        out.append(b"\x00" + fileset.with_placeholders(w.docker_archive_files(spec)))
        out.append(b"\x00" + fileset.with_placeholders(w.docker_archive_files(spec, "oci-blobs")))
        out.append(b"\x01" + fileset.with_placeholders(w.oci_layout_files(spec)))
        out.append(b"\x02" + fileset.with_placeholders(w.oci_layout_files(spec, nested_index=True)))
    arm = w.ImageSpec(layers=specs[0].layers, architecture="arm64", variant="v8")
    out.append(b"\x01" + fileset.with_placeholders(w.oci_layout_files([specs[0], arm])))
    broken = w.Faults(wrong_digest=frozenset({0}), truncate={1: 40})
    out.append(b"\x00" + fileset.with_placeholders(w.docker_archive_files(specs[0], faults=broken)))
    small = w.ImageSpec(layers=[w.LayerSpec([w.file("a", b"x")])])
    out.append(b"\x03" + _archive_bytes(w.docker_archive_files(small)))
    return out


def _archive_bytes(files: dict[str, bytes]) -> bytes:
    import tempfile

    with tempfile.TemporaryDirectory() as directory:
        return w.write_tar(Path(directory) / "a.tar", files).read_bytes()


# --------------------------------------------------------------------------- text inputs


def dockerfile() -> list[bytes]:
    own = [
        FOURTEEN_SERVICES_TEMPLATE.encode(),
        b"ARG BASE=python:3.11\nFROM ${BASE:-x} AS b\nRUN --mount=type=cache,target=/root/.cache "
        b"pip install -r r.txt && rm -rf /tmp/*\nFROM b\nCOPY --from=b /a /b\n"
        b'RUN <<EOF\napt-get update && apt-get install -y gcc\nEOF\nENV A=1 B="2 3"\n'
        b'CMD ["uvicorn", "app:app"]\n',
        b"# escape=`\nFROM alpine\nRUN apk add --no-cache py3-pip `\n && wget -O /m.bin "
        b"https://huggingface.co/x/resolve/main/m.bin\n",
    ]
    return _corpus("Dockerfile*") + _fixtures("Dockerfile*") + own


def lint() -> list[bytes]:
    """Corpus projects: Dockerfile, requirements.txt and .dockerignore of the same entry."""
    out = []
    if CORPUS.is_dir():
        for entry in sorted(p for p in CORPUS.iterdir() if (p / "Dockerfile").is_file()):
            parts = [(entry / "Dockerfile").read_bytes()[:MAX_SEED_BYTES]]
            for name in ("requirements.txt", ".dockerignore"):
                path = entry / name
                parts.append(path.read_bytes()[:MAX_SEED_BYTES] if path.is_file() else b"")
            out.append(b"\n#---\n".join(parts).rstrip(b"\n#-"))
    return out + dockerfile()[-3:]


def fix() -> list[bytes]:
    return lint()


def dockerignore() -> list[bytes]:
    own = [b"**/*.pyc\n!keep.pyc\n/models\n.git\n[a-\n\\*\n**\n", b"*\n!app.py\n"]
    return _corpus(".dockerignore") + own


def requirements() -> list[bytes]:
    own = [
        b"-r base.txt\n-c constraints.txt\n--index-url https://x/simple\ntorch==2.3.1+cpu ; "
        b'python_version >= "3.8"\nnumpy>=1.26,<2 \\\n  --hash=sha256:00\n-e ./pkg\n'
        b"git+https://github.com/a/b@v1#egg=b\n./wheels/x-1.0-py3-none-any.whl\n",
    ]
    conda = (
        b"name: x\nchannels: [conda-forge]\ndependencies:\n  - python=3.11\n  - pytorch>=2\n"
        b"  - pip:\n    - fastapi==0.110\n"
    )
    compose = (
        b"services:\n  api:\n    build: ./api\n    ports: ['8000:8000']\n  worker:\n"
        b"    build:\n      context: ./worker\n"
    )
    out = [b"\x00" + t for t in _corpus("requirements*.txt") + own]
    out += [b"\x01" + t for t in _corpus("pyproject.toml")]
    out += [b"\x02" + t for t in [*_fixtures("environment.y*ml"), conda]]
    out += [b"\x03" + t for t in [*_fixtures("*compose*.y*ml"), compose]]
    return out


def cache() -> list[bytes]:
    """A layer scan entry's payload as jettison writes it (the key as ``@KEY@``), and a
    wheel-size cache file."""
    import zlib

    from fuzz.harnesses import _layer
    from jettison.image import scan_cache
    from jettison.image.layer_reader import read_layer

    out = []
    for blob in _tars()[:2]:
        layer = _layer(blob, seekable=False)
        listing = read_layer(layer, capture=lambda _p, s: s < 100)
        data = scan_cache._encode(listing, "@KEY@")
        payload = data[len(b"jettison layer scan\n") + scan_cache._HEAD.size :]
        out.append(b"\x00" + zlib.decompress(payload))
        out.append(b"\x01" + data)
    sizes = (
        b'{"format": 2, "indexes": {"https://pypi.org/pypi": {"wheels": {"torch|==2.3.1": '
        b'{"installed_bytes": 1000, "requires": ["numpy"]}}, "resolved": {"numpy|": '
        b'{"version": "1.26.4", "checked_at": 1.0}}}}}'
    )
    out.append(b"\x02" + sizes)
    return out


def index() -> list[bytes]:
    """A project document naming three releases, and a wheel with a METADATA file."""
    import io
    import json
    import zipfile

    out = []
    for compression in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", compression) as wheel:
            wheel.writestr("torch/__init__.py", "x = 1\n" * 50)
            wheel.writestr("torch/lib/a.so", bytes(3000))
            wheel.writestr(
                "torch-2.3.1.dist-info/METADATA",
                "Name: torch\nVersion: 2.3.1\nRequires-Dist: numpy\n"
                'Requires-Dist: nvidia-cublas-cu12==12.1; platform_system == "Linux"\n'
                "Requires-Dist: triton (==2.3.1)\n\nbody\n",
            )
            wheel.writestr("torch-2.3.1.dist-info/RECORD", "")
        name = "torch-2.3.1-cp311-cp311-manylinux_2_17_x86_64.whl"
        release = [{"filename": name, "url": "https://files.invalid/" + name, "yanked": False}]
        project = {
            "info": {"name": "torch", "version": "2.3.1"},
            "releases": {"2.3.1": release, "2.2.0": [], "not a version": release},
        }
        files = {"project": json.dumps(project).encode(), "wheel": buffer.getvalue()}
        out.append(fileset.encode(files))
    return out
