#!/usr/bin/env python3
"""``jettison plan --measure --push REGISTRY`` against a registry on loopback.

    .venv/bin/python bench/plan_push.py [--fleet tests/fixtures/plan/mini] [-- PLAN OPTIONS]

Starts Debian's docker-registry on loopback (``tests/support/registries.py``), copies FLEET
to a temporary folder and runs

    jettison plan COPY --measure --push 127.0.0.1:PORT/fleet --tls-verify false \\
        --builder buildah --ca-bundle /etc/ssl/certs/ca-certificates.crt --format json

(options after ``--`` are added, e.g. ``--mount /opt/wheels:/wheels``). Then, independently
of jettison: the manifest of every image the report says it pushed, read from the registry
with plain urllib (each layer blob once per side, by digest, at its stored size), and the
blob files in the registry's storage folder. Prints the registry's bytes and layers before
and after the plan and the storage ratio, and removes the measured images from the local
buildah store. Exit 0 when the plan passed and the report's registry figures equal the ones
read here; 1 otherwise; 2 when it cannot run.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "tests")]

from support import registries  # noqa: E402

CA_BUNDLE = "/etc/ssl/certs/ca-certificates.crt"
MANIFESTS = (
    "application/vnd.oci.image.manifest.v1+json, "
    "application/vnd.docker.distribution.manifest.v2+json"
)


def manifest(pushed: str) -> dict[str, Any]:
    """The registry's manifest of ``HOST/REPO:TAG@sha256:...``."""
    name, _, digest = pushed.partition("@")
    host, _, rest = name.partition("/")
    repository = rest.rsplit(":", 1)[0]
    request = urllib.request.Request(
        f"http://{host}/v2/{repository}/manifests/{digest}", headers={"Accept": MANIFESTS}
    )
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(request) as answer:
        found: dict[str, Any] = json.loads(answer.read())
    return found


def layer_blobs(images: list[dict[str, Any]]) -> dict[str, int]:
    """Digest -> stored size of each distinct layer blob of ``images`` (by their manifests)."""
    blobs: dict[str, int] = {}
    for image in images:
        for layer in manifest(image["pushed"])["layers"]:
            blobs.setdefault(layer["digest"], layer["size"])
    return blobs


def blob_files(registry: registries.Registry) -> dict[str, int]:
    """Digest -> size of every blob file in the registry's filesystem storage."""
    root = registry.root / "data" / "docker" / "registry" / "v2" / "blobs" / "sha256"
    return {f"sha256:{data.parent.name}": data.stat().st_size for data in root.glob("*/*/data")}


def mb(n: float) -> str:
    return f"{n / 1e6:,.1f} MB"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--fleet", type=Path, default=ROOT / "tests/fixtures/plan/mini")
    parser.add_argument("--json", type=Path, help="keep the plan's JSON report here")
    parser.add_argument("plan_options", nargs="*", help="more options for jettison plan")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="jettison-plan-push-") as tmp:
        work = Path(tmp)
        return registries.with_running(
            "plain", lambda registry: run(registry, args.fleet, work, args.plan_options, args.json)
        )


def run(
    registry: registries.Registry,
    fleet: Path,
    work: Path,
    options: list[str],
    keep: Path | None,
) -> int:
    copy = work / fleet.name
    shutil.copytree(fleet, copy, ignore=shutil.ignore_patterns("__pycache__", "jettison-plan"))
    output = work / "plan.json"
    argv = [str(ROOT / ".venv/bin/jettison"), "plan", str(copy), "--measure",
            "--push", f"{registry.host}/fleet", "--tls-verify", "false",
            "--builder", "buildah", "--ca-bundle", CA_BUNDLE,
            "--format", "json", "--output", str(output), *options]  # fmt: skip
    print("$ " + " ".join(argv), flush=True)
    started = time.monotonic()
    status = subprocess.run(argv, check=False).returncode
    seconds = time.monotonic() - started
    if not output.is_file():
        print(f"jettison plan exited {status} without a report", file=sys.stderr)
        return 2
    if keep is not None:
        shutil.copy(output, keep)
    report = json.loads(output.read_text())
    measured = report["measurement"]
    if measured is None:
        print(f"jettison plan exited {status} with nothing measured", file=sys.stderr)
        return 1
    try:
        return compare(registry, measured, status, seconds)
    finally:
        remove_images(measured)


def compare(
    registry: registries.Registry, measured: dict[str, Any], status: int, seconds: float
) -> int:
    print(f"jettison plan --measure --push: exit {status} in {seconds:.0f} s")
    sides: dict[str, dict[str, int]] = {}
    ok = status == 0
    for side in ("before", "after"):
        images = [s[side] for s in measured["services"] if s[side] is not None]
        if side == "after":
            images += measured["bases"]
        blobs = layer_blobs(images)
        sides[side] = blobs
        totals = measured[side]
        mine = (len(blobs), sum(blobs.values()))
        theirs = (totals["registry_layers"], totals["registry_bytes"])
        print(f"{side}: {len(images)} images pushed; the registry holds {mine[1]:,} bytes "
              f"({mb(mine[1])}) in {mine[0]} layer blobs (report: {theirs[1]:,} in "
              f"{theirs[0]}); uncompressed, each distinct layer once: "
              f"{mb(totals['distinct_bytes'])} in {totals['distinct_layers']} layers; "
              f"image sizes added up {mb(totals['sum_bytes'])}")  # fmt: skip
        ok = ok and mine == theirs
    before, after = sum(sides["before"].values()), sum(sides["after"].values())
    tars = measured["after"]["distinct_bytes"] / measured["before"]["distinct_bytes"]
    print(f"storage ratio after/before (registry bytes): {after / before:.4f} "
          f"(report: {measured['storage_ratio']}); uncompressed ratio: {tars:.4f}")  # fmt: skip
    files = blob_files(registry)
    union = sides["before"] | sides["after"]
    shared = set(sides["before"]) & set(sides["after"])
    print(f"registry storage folder: {len(files)} blobs, {sum(files.values()):,} bytes "
          f"(layers of both sides, {len(shared)} shared between them: "
          f"{sum(union.values()):,} bytes; the rest are configs and manifests)")  # fmt: skip
    missing = [d for d, size in union.items() if files.get(d) != size]
    if missing:
        print(f"layer blobs not in the storage folder at their size: {missing}")
    return 0 if ok and not missing and abs(after / before - measured["storage_ratio"]) < 1e-4 else 1


def remove_images(measured: dict[str, Any]) -> None:
    """The measured images (before, after and bases) by the tags the report names."""
    images = [s[k] for s in measured["services"] for k in ("before", "after")]
    for tag in sorted({i["tag"] for i in images + measured["bases"] if i}):
        subprocess.run(["buildah", "rmi", tag], capture_output=True, check=False)


if __name__ == "__main__":
    sys.exit(main())
