#!/usr/bin/env python3
"""``inspect registry://`` against ``skopeo copy`` + ``inspect`` of the copy.

    .venv/bin/python bench/registry_inspect.py [--image docker.io/library/python:3.11]

Starts Debian's docker-registry on loopback (``tests/support/registries.py``), pushes IMAGE
from the local buildah store into it with skopeo (which gzips its layers, as ``buildah push``
to a registry does), then, with an empty layer cache and ``--verify all``:

1. ``jettison inspect registry://127.0.0.1:PORT/bench:1`` in this process, measuring wall
   time, the bytes the registry sent (its access log: the body of every GET it answered),
   the client's own count of body bytes, and what this process wrote to storage
   (``write_bytes`` of ``/proc/self/io``: a temporary copy would show here);
2. ``skopeo copy docker://... oci:DIR`` (what one does today before inspecting) and
   ``jettison inspect oci:DIR``, timed.

Prints the figures and the ratio of the bytes the registry sent (manifest, config and
layers) to the image's compressed layers; exit 0 when that ratio is at most 1.05, nothing
was written, and both reports agree number for number (but for the source); 1 otherwise,
2 when it cannot run.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT / "tests")]

from jettison.image.distribution import client as client_module  # noqa: E402
from jettison.inspect.core import inspect  # noqa: E402
from support import registries  # noqa: E402

MAX_RATIO = 1.05


def io_counters() -> dict[str, int]:
    with open("/proc/self/io", encoding="ascii") as fh:
        return {key: int(value) for key, value in (line.split(": ") for line in fh)}


_DOCKER_LAYER, _OCI_LAYER = (
    "application/vnd.docker.image.rootfs.diff",
    "application/vnd.oci.image.layer.v1",
)
DOCKER_TO_OCI = {
    f"{_DOCKER_LAYER}.tar.gzip": f"{_OCI_LAYER}.tar+gzip",
    f"{_DOCKER_LAYER}.tar": f"{_OCI_LAYER}.tar",
}
"""The layer media types of a Docker v2s2 manifest and the OCI names of the same blobs:
``skopeo copy`` to ``oci:`` rewrites a Docker manifest as OCI (same blobs, same digests)."""


def comparable(report: object) -> dict[str, object]:
    fields = dataclasses.asdict(report)  # type: ignore[call-overload]
    for key in ("reference", "source_kind", "tags"):
        fields.pop(key)
    return fields


def renamed(fields: dict[str, object]) -> tuple[dict[str, object], int]:
    """``fields`` with Docker layer media types under their OCI names; how many were."""
    count = 0
    layers = []
    for row in fields["layers"]:  # type: ignore[attr-defined]
        oci = DOCKER_TO_OCI.get(row["media_type"])
        if oci is not None:
            row, count = {**row, "media_type": oci}, count + 1
        layers.append(row)
    return {**fields, "layers": layers}, count


def differences(a: object, b: object, path: str = "") -> list[tuple[str, object, object]]:
    """The leaves where two nested values differ (at most 10)."""
    if isinstance(a, dict) and isinstance(b, dict):
        found = []
        for key in sorted(set(a) | set(b), key=str):
            found += differences(a.get(key), b.get(key), f"{path}.{key}")
        return found[:10]
    if isinstance(a, list | tuple) and isinstance(b, list | tuple) and len(a) == len(b):
        found = []
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            found += differences(x, y, f"{path}[{i}]")
        return found[:10]
    return [] if a == b else [(path, a, b)]


def gb(n: float) -> str:
    return f"{n / 1e9:.3f} GB"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--image", default="docker.io/library/python:3.11")
    args = parser.parse_args(argv)
    clients: list[client_module.RegistryClient] = []
    original_init = client_module.RegistryClient.__init__

    def counting_init(self: client_module.RegistryClient, *a: object, **k: object) -> None:
        original_init(self, *a, **k)  # type: ignore[arg-type]
        clients.append(self)

    client_module.RegistryClient.__init__ = counting_init  # type: ignore[method-assign]
    with tempfile.TemporaryDirectory(prefix="jettison-registry-bench-") as tmp:
        work = Path(tmp)
        os.environ["JETTISON_CACHE"] = str(work / "cache")
        return registries.with_running(
            "plain", lambda registry: run(registry, args.image, work, clients)
        )


def run(
    registry: registries.Registry,
    image: str,
    work: Path,
    clients: list[client_module.RegistryClient],
) -> int:
    started = time.monotonic()
    registries.push(registry, f"containers-storage:{image}", "bench:1")
    print(f"pushed {image} with skopeo in {time.monotonic() - started:.0f} s")
    reference = f"registry://{registry.host}/bench:1"

    served_before = registry.sent_bytes()
    before, started = io_counters(), time.monotonic()
    remote = inspect(reference, verify="all", cache=False)
    seconds = time.monotonic() - started
    after = io_counters()
    served_after = registry.sent_bytes()
    gets = served_after[0] - served_before[0]
    read = served_after[1] - served_before[1]
    written = after["write_bytes"] - before["write_bytes"]
    body = sum(c.counters.body_bytes for c in clients)
    requests = sum(c.counters.requests for c in clients)
    stored = remote.pull_bytes or 0

    started = time.monotonic()
    registries.pull(registry, "bench:1", f"oci:{work / 'copy'}:copy")
    copy_s = time.monotonic() - started
    started = time.monotonic()
    local = inspect(f"oci:{work / 'copy'}:copy", verify="all", cache=False)
    local_s = time.monotonic() - started

    layers = stored
    count = sum(1 for row in remote.layers if row.compressed_bytes is not None)
    print(f"image: {gb(remote.size_bytes)} in {count} layers, {gb(layers)} compressed")
    print(f"registry:// inspect: {seconds:.1f} s; the registry sent {read:,} bytes in {gets} "
          f"GETs = {read / layers:.5f}x the compressed layers, {layers:,} bytes "
          f"(client: {body:,} bytes of bodies, "
          f"{requests} requests); written to storage: {written} bytes")  # fmt: skip
    total = copy_s + local_s
    print(f"skopeo copy + inspect oci: {copy_s:.1f} s + {local_s:.1f} s = {total:.1f} s "
          f"({total / seconds:.2f}x the streamed inspect)")  # fmt: skip
    (theirs, copied), (ours, held) = renamed(comparable(local)), renamed(comparable(remote))
    docker = abs(held - copied)
    same = theirs == ours
    print(f"reports equal number for number: {same}")
    if docker:
        print(f"  ({docker} layer media types compared under their OCI names: the registry "
              "holds a Docker v2s2 manifest, skopeo's copy to oci: rewrote it as OCI)")  # fmt: skip
    for path, mine, other in differences(ours, theirs):
        print(f"  differs at {path}: {str(mine)[:200]} != {str(other)[:200]}")
    ok = read <= MAX_RATIO * layers and written == 0 and same
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
