"""``jettison plan --measure`` for real on the reduced monorepo, with buildah (a private
store) and with Docker Engine (the session's own dockerd).

``tests/fixtures/plan/mini`` has three FastAPI services that all install one requirements
file (web stack, pypdf, rdflib, dev tools). The plan is measured: every original and every
plan image is built without the layer cache, every service answers its ``/healthz`` probe
in both, and the layer accounting is checked against the store itself: the diff_ids
``buildah inspect`` (``docker image inspect``) lists for each image, and the layer sizes read
independently with ``open_image`` (of ``docker save``'s archive for Docker). Both builds
``pip install`` from PyPI through the host CA bundle (skipped when PyPI does not answer).
A few minutes per backend.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema  # type: ignore[import-untyped]  # no stubs (types-jsonschema)
import pytest

from integration.conftest import HOST_CA_BUNDLE, REPO, Store, _base_images, _cleanup, _run
from integration.conftest import missing_requirements as _missing
from integration.test_optimize import _pypi_unreachable
from jettison.builder.backend import Builder
from jettison.builder.buildah import BuildahBuilder
from jettison.builder.docker import DockerBuilder
from jettison.builder.options import BuildOptions
from jettison.image.sources import open_image
from jettison.plan.core import plan
from jettison.plan.model import ImageMeasure, PlanReport
from jettison.render.plan import load_schema
from support import registries
from support.render import renderer_for

render = renderer_for("plan")

pytestmark = pytest.mark.integration

MINI = REPO / "tests" / "fixtures" / "plan" / "mini"
BASE = "docker.io/library/python:3.11-slim"


@dataclass(frozen=True)
class Target:
    """A builder under test and how to read its images independently of jettison's plan."""

    builder: Builder
    store: Store | None = None
    engine: Any = None
    """The docker backend's dockerd (``support.engines.Engine``)."""

    def diff_ids(self, image: ImageMeasure) -> list[str]:
        if self.store is not None:
            inspected = json.loads(self.store.buildah("inspect", "--type", "image", image.image_id))
            return list(inspected["OCIv1"]["rootfs"]["diff_ids"])
        fmt = "{{json .RootFS.Layers}}"
        return list(
            json.loads(self.engine.docker("image", "inspect", "--format", fmt, image.image_id))
        )

    def layer_sizes(self, image: ImageMeasure, scratch: Path) -> dict[str, int]:
        if self.store is not None:
            reference = f"containers-storage:{self.store.spec}{image.image_id}"
        else:
            reference = str(scratch / f"{image.image_id.removeprefix('sha256:')}.tar")
            self.engine.docker("save", "-o", reference, image.image_id)
        with open_image(reference) as opened:
            return {layer.diff_id or "": layer.stored_size_bytes for layer in opened.layers}


@pytest.fixture(scope="module", params=["buildah", "docker"])
def target(request: pytest.FixtureRequest) -> Iterator[Target]:
    reason = _missing() or _pypi_unreachable()
    if reason is not None:
        pytest.skip(reason)
    if request.param == "docker":
        engine = request.getfixturevalue("docker_engine")
        yield Target(DockerBuilder(env={**os.environ, "DOCKER_HOST": engine.host}), None, engine)
        return
    _base_images()
    top = Path(tempfile.mkdtemp(prefix="jettison-plan-it-"))
    private = Store(top / "store" / "root", top / "store" / "run")
    try:
        _run(["buildah", "push", "--quiet", BASE, f"containers-storage:{private.spec}{BASE}"])
        yield Target(BuildahBuilder(root=private.root, runroot=private.runroot), private)
    finally:
        _cleanup(private, [], top)


@pytest.fixture(scope="module")
def registry() -> Iterator[registries.Registry]:
    """A registry the plan pushes to (plan --push): its storage is what a fleet pays."""
    try:
        with registries.running("plain") as started:
            yield started
    except registries.Unavailable as exc:
        registries.skip_or_fail(f"cannot start a registry: {exc}")


@pytest.fixture(scope="module")
def report(
    target: Target, registry: registries.Registry, tmp_path_factory: pytest.TempPathFactory
) -> PlanReport:
    root = tmp_path_factory.mktemp("plan-it") / "mini"
    shutil.copytree(MINI, root)
    build = BuildOptions(builder=target.builder, ca_bundle=HOST_CA_BUNDLE)
    # a repository path of the backend's own: both backends push to one registry
    push_to = f"{registry.host}/{target.builder.name}"
    return plan(root, measure=True, build=build, timeout_s=90, push_to=push_to, tls_verify=False)


def test_every_service_passes_its_check_before_and_after(report: PlanReport) -> None:
    measured = report.measurement
    assert measured is not None
    assert [s.service for s in measured.services] == ["svc_docs", "svc_orders", "svc_users"]
    for service in measured.services:
        assert service.error is None, service.error
        for check in (service.check_before, service.check_after):
            assert check.kind == "probe", (service.service, check)
            assert check.passed, (service.service, check.detail)
        assert not service.ships_torch_before and not service.ships_torch_after
    assert {b.tag.rsplit("/", 1)[1] for b in measured.bases} == {
        "base:plan",
        "base-pdf:plan",
    }


def test_layer_accounting_matches_the_store(
    report: PlanReport, target: Target, tmp_path: Path
) -> None:
    measured = report.measurement
    assert measured is not None
    sizes: dict[str, int] = {}
    for side in ("before", "after"):
        images = [getattr(s, side) for s in measured.services]
        assert all(isinstance(i, ImageMeasure) for i in images)
        seen: dict[str, int] = {}
        total = 0
        for image in images:
            diff_ids = target.diff_ids(image)
            assert [layer.diff_id for layer in image.layers] == diff_ids, image.tag
            layer_sizes = target.layer_sizes(image, tmp_path)
            assert [layer.size_bytes for layer in image.layers] == [
                layer_sizes[d] for d in diff_ids
            ], image.tag
            total += sum(layer_sizes[d] for d in diff_ids)
            for d in diff_ids:
                seen[d] = layer_sizes[d]
        totals = getattr(measured, side)
        assert totals.images == 3
        assert totals.sum_bytes == total
        assert totals.distinct_layers == len(seen)
        assert totals.distinct_bytes == sum(seen.values())
        sizes[side] = totals.distinct_bytes
    # Built without the cache, the originals share only python's layers; the plan's
    # services share their base image's layers too, so the fleet stores less.
    assert sizes["after"] < sizes["before"]
    assert measured.after.distinct_bytes < measured.after.sum_bytes
    ratio = measured.storage_ratio
    assert ratio is not None and ratio < 1


def test_the_report_renders(report: PlanReport) -> None:
    jsonschema.Draft202012Validator(load_schema()).validate(json.loads(render(report, "json")))
    text = render(report, "tty", width=120)
    assert "Registry storage after the plan" in text
    assert "FAILED" not in text


def test_the_registry_holds_what_the_plan_counts(
    report: PlanReport, registry: registries.Registry
) -> None:
    """plan --push: every image is in the registry, and each side's registry storage is the
    layer blobs its manifests list there, each digest once: the same blobs, of the same
    sizes, as the registry's own storage folder holds."""
    measured = report.measurement
    assert measured is not None
    stored = blob_files(registry)
    for side in ("before", "after"):
        images = [getattr(s, side) for s in measured.services]
        blobs: dict[str, int] = {}
        for image in images:
            assert image.pushed is not None and "@sha256:" in image.pushed, image
            for digest, size in manifest_layers(image.pushed):
                blobs[digest] = size
        totals = getattr(measured, side)
        assert (totals.registry_layers, totals.registry_bytes) == (len(blobs), sum(blobs.values()))
        for digest, size in blobs.items():
            assert stored[digest] == size, digest
    assert measured.after.registry_bytes < measured.before.registry_bytes  # type: ignore[operator]
    ratio = measured.storage_ratio
    assert ratio == measured.after.registry_bytes / measured.before.registry_bytes  # type: ignore[operator]
    assert all(b.pushed for b in measured.bases)


def blob_files(registry: registries.Registry) -> dict[str, int]:
    """Digest -> size of every blob in the registry's filesystem storage."""
    root = registry.root / "data" / "docker" / "registry" / "v2" / "blobs" / "sha256"
    return {f"sha256:{data.parent.name}": data.stat().st_size for data in root.glob("*/*/data")}


def manifest_layers(pushed: str) -> list[tuple[str, int]]:
    """The layers the registry's manifest of ``pushed`` lists, read with plain urllib."""
    name, _, digest = pushed.partition("@")
    host, _, rest = name.partition("/")
    repository = rest.rsplit(":", 1)[0]
    request = urllib.request.Request(
        f"http://{host}/v2/{repository}/manifests/{digest}",
        headers={"Accept": "application/vnd.oci.image.manifest.v1+json, "
                 "application/vnd.docker.distribution.manifest.v2+json"},
    )  # fmt: skip
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(request) as answer:
        manifest = json.loads(answer.read())
    return [(layer["digest"], layer["size"]) for layer in manifest["layers"]]
