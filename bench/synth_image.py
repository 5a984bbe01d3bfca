#!/usr/bin/env python3
"""Write a large synthetic image cheaply: 20 GB uncompressed, 500,000 entries, in two forms.

    .venv/bin/python bench/synth_image.py OUT_DIR [--scale 1.0] [--variant N]

writes ``OUT_DIR/synth.tar`` (docker-archive, legacy layout, uncompressed layers written
*sparse*: file contents are holes, so 20 GB cost a few hundred MB of disk) and
``OUT_DIR/synth-oci.tar`` (oci-archive, gzip layers: zeros compress 1000-fold, ~25 MB).
``--variant N`` changes only the last layer (an image that shares all its other layers
with variant 0, for the layer cache benchmark); ``--scale`` shrinks everything (tests of
this script, quick tries).

The layers, as an ML service image has them (sizes at scale 1):

    0  base OS          132,000 files of 4 KiB and less; dpkg-like directories    0.3 GB
    1  Python + deps    210,000 files, many small, site-packages tree              1.9 GB
    2  ML libraries     100 files of ~160 MB (CUDA-like .so files)               16.0 GB
    3  app              79,000 files of ~12.7 KiB                                  1.0 GB
    4  RUN chown -R     the same 79,000 files again, owned by uid 1000: every one
                        shadows layer 3 (and the layer's digest differs from 3's)  1.0 GB
    5  last             1 file (what --variant changes)

The contents are zeros: what is measured is the tar walk, the merge and the analysis,
and for the gzip form the inflate and the digests of every byte; nothing inspects contents
except duplicate detection (which then finds many identical files: that is fine, it hashes
them all).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import tarfile
import zlib
from collections.abc import Iterator
from pathlib import Path

BLOCK = 512
ZEROS = bytes(4 << 20)
MTIME = 1_700_000_000

Entry = tuple[str, int] | tuple[str, int, int]
"""(path, size[, uid and gid]); a path ending in "/" is a directory."""


def _layers(scale: float, variant: int) -> list[tuple[str, list[Entry]]]:
    def n(count: int) -> int:
        return max(1, int(count * scale))

    base: list[Entry] = []
    for d in range(n(1320)):
        base.append((f"usr/share/pkg{d}/", 0))
        base += [(f"usr/share/pkg{d}/file{i}.txt", 512 + (i * 97) % 3584) for i in range(99)]
    site = "usr/local/lib/python3.11/site-packages"
    deps: list[Entry] = []
    for d in range(n(2100)):
        deps.append((f"{site}/dep{d}/", 0))
        deps += [(f"{site}/dep{d}/mod{i}.py", 2048 + (i * 131 + d) % 14336) for i in range(99)]
    ml: list[Entry] = [(f"{site}/nvidia/lib/", 0)]
    ml += [(f"{site}/nvidia/lib/libcuda_{i}.so.12", 160_000_000 + i * 4096) for i in range(n(100))]
    app: list[Entry] = []
    for d in range(n(790)):
        app.append((f"app/data{d}/", 0))
        app += [(f"app/data{d}/part{i}.bin", 12_700 + (i % 7) * 512) for i in range(99)]
    return [
        ("/bin/sh -c #(nop) ADD rootfs.tar /", base),
        ("RUN pip install -r requirements.txt", deps),
        ("RUN pip install torch", ml),
        ("COPY data/ /app/", app),
        ("RUN chown -R app:app /app", [(path, size, 1000) for path, size, *_ in app]),
        ("COPY VERSION /app/", [(f"app/VERSION-{variant}", 64 + variant)]),
    ]


def _header(path: str, size: int, owner: int = 0) -> bytes:
    info = tarfile.TarInfo(path.rstrip("/"))
    info.mtime = MTIME
    info.uid = info.gid = owner
    if path.endswith("/"):
        info.type, info.mode = tarfile.DIRTYPE, 0o755
    else:
        info.size, info.mode = size, 0o644
    return info.tobuf(format=tarfile.GNU_FORMAT)


def _stream(entries: list[Entry]) -> Iterator[tuple[bytes, int]]:
    """(header bytes, zero bytes after it: body and padding) per entry, then the end marker."""
    for path, size, *owner in entries:
        yield _header(path, size, *owner), size + (-size % BLOCK)
    yield bytes(2 * BLOCK), 0


def _tar_size(entries: list[Entry]) -> int:
    return sum(len(h) + z for h, z in _stream(entries))


class _Sha:
    """sha256 of a stream that is mostly zeros, fed in large pieces."""

    def __init__(self) -> None:
        self.digest = hashlib.sha256()

    def data(self, data: bytes) -> None:
        self.digest.update(data)

    def zeros(self, count: int) -> None:
        while count > 0:
            piece = min(count, len(ZEROS))
            self.digest.update(memoryview(ZEROS)[:piece])
            count -= piece


def _write_sparse_layer(out: object, entries: list[Entry]) -> str:
    """Write the layer tar at the file's position, bodies as holes; returns its sha256."""
    sha = _Sha()
    for head, zeros in _stream(entries):
        out.write(head)  # type: ignore[attr-defined]
        sha.data(head)
        if zeros:
            out.seek(zeros, os.SEEK_CUR)  # type: ignore[attr-defined]
            sha.zeros(zeros)
    return "sha256:" + sha.digest.hexdigest()


def _gzip_layer(path: Path, entries: list[Entry]) -> tuple[str, str, int]:
    """Write the gzip blob; returns (blob digest, diff_id, blob size)."""
    sha = _Sha()
    packer = zlib.compressobj(1, zlib.DEFLATED, 31)
    blob = hashlib.sha256()
    with path.open("wb") as out:

        def emit(data: bytes) -> None:
            if data:
                blob.update(data)
                out.write(data)

        for head, zeros in _stream(entries):
            sha.data(head)
            emit(packer.compress(head))
            while zeros > 0:
                piece = min(zeros, len(ZEROS))
                chunk = memoryview(ZEROS)[:piece]
                sha.digest.update(chunk)
                emit(packer.compress(chunk))
                zeros -= piece
        emit(packer.flush())
    return "sha256:" + blob.hexdigest(), "sha256:" + sha.digest.hexdigest(), path.stat().st_size


def _config(layers: list[tuple[str, list[Entry]]], diff_ids: list[str]) -> bytes:
    return json.dumps(
        {
            "architecture": "amd64",
            "os": "linux",
            "config": {"Cmd": ["python", "app/main.py"]},
            "rootfs": {"type": "layers", "diff_ids": diff_ids},
            "history": [{"created_by": cmd} for cmd, _ in layers],
        }
    ).encode()


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mtime = len(data), MTIME
    tar.addfile(info, __import__("io").BytesIO(data))


def write_docker_archive(path: Path, layers: list[tuple[str, list[Entry]]]) -> None:
    """Outer tar by hand: each layer member's header, then its sparse body, then the JSON."""
    diff_ids = []
    with path.open("wb") as out:
        for index, (_, entries) in enumerate(layers):
            size = _tar_size(entries)
            out.write(_header(f"layer{index}/layer.tar", size))
            start = out.tell()
            diff_ids.append(_write_sparse_layer(out, entries))
            assert out.tell() - start == size
            out.seek(-size % BLOCK, os.SEEK_CUR)
        config = _config(layers, diff_ids)
        manifest = [
            {
                "Config": "config.json",
                "RepoTags": ["localhost/synth:latest"],
                "Layers": [f"layer{i}/layer.tar" for i in range(len(layers))],
            }
        ]
        tail = __import__("io").BytesIO()
        with tarfile.open(fileobj=tail, mode="w", format=tarfile.GNU_FORMAT) as tar:
            _add_bytes(tar, "config.json", config)
            _add_bytes(tar, "manifest.json", json.dumps(manifest).encode())
        out.write(tail.getvalue())
        out.truncate()


def write_oci_archive(path: Path, layers: list[tuple[str, list[Entry]]], work: Path) -> None:
    blobs, descriptors, diff_ids = [], [], []
    for index, (_, entries) in enumerate(layers):
        blob_path = work / f"layer{index}.gz"
        digest, diff_id, size = _gzip_layer(blob_path, entries)
        blobs.append((digest, blob_path))
        diff_ids.append(diff_id)
        descriptors.append(
            {
                "mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
                "digest": digest,
                "size": size,
            }
        )
    config = _config(layers, diff_ids)
    config_digest = "sha256:" + hashlib.sha256(config).hexdigest()
    manifest = json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": {
                "mediaType": "application/vnd.oci.image.config.v1+json",
                "digest": config_digest,
                "size": len(config),
            },
            "layers": descriptors,
        }
    ).encode()
    manifest_digest = "sha256:" + hashlib.sha256(manifest).hexdigest()
    image_index = {
        "schemaVersion": 2,
        "manifests": [
            {
                "mediaType": "application/vnd.oci.image.manifest.v1+json",
                "digest": manifest_digest,
                "size": len(manifest),
                "annotations": {"org.opencontainers.image.ref.name": "latest"},
            }
        ],
    }
    with tarfile.open(path, "w", format=tarfile.GNU_FORMAT) as tar:
        _add_bytes(tar, "oci-layout", b'{"imageLayoutVersion": "1.0.0"}')
        _add_bytes(tar, "index.json", json.dumps(image_index).encode())
        for digest, blob_path in blobs:
            tar.add(blob_path, f"blobs/sha256/{digest.split(':')[1]}")
            blob_path.unlink()
        _add_bytes(tar, f"blobs/sha256/{config_digest.split(':')[1]}", config)
        _add_bytes(tar, f"blobs/sha256/{manifest_digest.split(':')[1]}", manifest)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--variant", type=int, default=0)
    parser.add_argument("--only", choices=("docker", "oci"), default=None)
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    layers = _layers(args.scale, args.variant)
    suffix = f"-v{args.variant}" if args.variant else ""
    entries = sum(len(e) for _, e in layers)
    total = sum(entry[1] for _, e in layers for entry in e)
    summary = f"{len(layers)} layers, {entries:,} entries, {total / 1e9:.2f} GB"
    print(f"synth: {summary}", file=sys.stderr)
    if args.only in (None, "docker"):
        write_docker_archive(args.out / f"synth{suffix}.tar", layers)
    if args.only in (None, "oci"):
        write_oci_archive(args.out / f"synth{suffix}-oci.tar", layers, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
