"""``jettison inspect`` on generated images in every format: the numbers a user relies on."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema  # type: ignore[import-untyped]  # no stubs
import pytest

from jettison.render.inspect.json_model import load_schema
from support.imagewriter import ImageSpec, LayerSpec, build_image, sized

from .conftest import FORMATS, ML_SPEC, PYTEST_RECORD, SITE, Run, write_image

OS_RELEASE_OLD = len("ID=debian\nVERSION_ID=12\n")
OS_RELEASE_NEW = len("ID=custom\n")
PYTEST_METADATA = len("Name: pytest\nVersion: 8.0.0\n")
PYTEST_BYTES = PYTEST_METADATA + len(PYTEST_RECORD) + 700 + 1300

LAYER_BYTES = [
    OS_RELEASE_OLD + 5000 + 3000,
    100 + 400 + PYTEST_BYTES + 20_000,
    OS_RELEASE_NEW,
]
SHADOWED = 3000 + OS_RELEASE_OLD
SIZE = sum(LAYER_BYTES)
FINAL = SIZE - SHADOWED


def inspect_json(run_cli: Callable[..., Run], *args: str | Path) -> dict[str, Any]:
    run = run_cli("inspect", "--format", "json", *args)
    assert run.exit_code == 0, run.stderr
    assert run.stderr == ""
    report: dict[str, Any] = json.loads(run.stdout)
    jsonschema.validate(report, load_schema())
    return report


def test_the_expected_numbers_are_what_the_spec_says() -> None:
    # Guard the constants above against a change of ML_SPEC.
    assert LAYER_BYTES == [8024, 22634, 10]
    assert (SIZE, SHADOWED, FINAL) == (30668, 3024, 27644)


@pytest.mark.parametrize("kind", FORMATS)
def test_json_report_numbers(kind: str, images: Path, run_cli: Callable[..., Run]) -> None:
    path = write_image(kind, images)
    report = inspect_json(run_cli, path)

    assert report["reference"] == str(path)
    assert report["source_kind"] == kind.removesuffix("-oci-blobs")
    assert report["platform"] == "linux/amd64"
    assert report["cmd"] == ["python", "-m", "app"]
    assert report["user"] == "1000"
    assert report["tags"] == (
        ["localhost/ml-service:1.0"] if kind.startswith("docker-archive") else ["latest"]
    )

    assert report["size_bytes"] == SIZE
    assert report["final_bytes"] == FINAL
    assert report["pull_bytes"] is None  # the bottom layer is stored uncompressed
    assert [(row["index"], row["created_by"], row["size_bytes"]) for row in report["layers"]] == [
        (0, "ADD rootfs.tar /", LAYER_BYTES[0]),
        (None, "ENV PYTHONDONTWRITEBYTECODE=", 0),
        (1, "RUN pip install app pytest", LAYER_BYTES[1]),
        (2, "RUN rm /usr/bin/tool", LAYER_BYTES[2]),
        (None, 'CMD ["python", "-m", "app"]', 0),
    ]
    built = build_image(ML_SPEC)
    by_index = {row["index"]: row for row in report["layers"] if row["index"] is not None}
    assert [by_index[i]["compression"] for i in range(3)] == ["none", "gzip", "zstd"]
    assert [by_index[i]["file_count"] for i in range(3)] == [3, 7, 1]
    assert [by_index[i]["diff_id"] for i in range(3)] == list(built.diff_ids)
    assert [by_index[i]["compressed_bytes"] for i in range(3)] == [
        None,
        built.layers[1].size,
        built.layers[2].size,
    ]

    shadowed = report["shadowed"]
    assert (shadowed["size_bytes"], shadowed["file_count"]) == (SHADOWED, 2)
    assert shadowed["by_layer"] == [{"layer_index": 0, "size_bytes": SHADOWED}]
    assert [
        (h["path"], h["size_bytes"], h["layer_index"], h["hidden_by_layer_index"], h["cause"])
        for h in shadowed["top"]
    ] == [
        ("usr/bin/tool", 3000, 0, 2, "deleted"),
        ("etc/os-release", OS_RELEASE_OLD, 0, 2, "overwritten"),
    ]

    removable = {c["cause"]: c for c in report["removable"]}
    assert {cause: (c["size_bytes"], c["file_count"]) for cause, c in removable.items()} == {
        "package-cache": (5000, 1),
        "model-weights": (20_000, 1),
        "dev-tools": (PYTEST_BYTES, 4),
        "toolchain": (0, 0),
        "tests": (0, 0),
        "docs": (0, 0),
        "bytecode": (400, 1),
        "duplicates": (0, 0),
    }
    assert report["removable_bytes"] == 5000 + 20_000 + PYTEST_BYTES + 400
    assert [(t["path"], t["layer_index"]) for t in removable["model-weights"]["top"]] == [
        ("models/bert/model.safetensors", 1)
    ]
    assert [(t["path"], t["owner"]) for t in removable["dev-tools"]["top"]] == [
        (f"{SITE}/pytest-8.0.0.dist-info", "python:pytest")
    ]

    attribution = report["attribution"]
    assert attribution["total_bytes"] == FINAL
    assert sum(o["size_bytes"] for o in attribution["owners"]) == FINAL
    assert sum(o["file_count"] for o in attribution["owners"]) == 9
    owners = {(o["kind"], o["name"]): o for o in attribution["owners"]}
    assert owners[("python", "pytest")]["size_bytes"] == PYTEST_BYTES
    assert owners[("python", "pytest")]["version"] == "8.0.0"
    assert owners[("unowned", "/models")]["size_bytes"] == 20_000
    for owner in attribution["owners"]:
        assert sum(lb["size_bytes"] for lb in owner["layer_bytes"]) == owner["size_bytes"]

    dive = report["dive"]
    assert dive["size_bytes"] == SIZE
    assert dive["layer_size_bytes"] == LAYER_BYTES
    assert dive["wasted_bytes"] == 3000 + OS_RELEASE_OLD + OS_RELEASE_NEW
    # Only the note that seeked-over layers were not hashed (see --verify) may be there.
    assert [s for s in report["skipped"] if not s["subject"].startswith("digests of layers")] == []
    assert report["budgets"] == []
    assert report["budgets_ok"] is True


def test_every_format_gives_the_same_analysis(images: Path, run_cli: Callable[..., Run]) -> None:
    def essence(report: dict[str, Any]) -> dict[str, Any]:
        ignored = {"reference", "source_kind", "tags", "layers"}
        return {k: v for k, v in report.items() if k not in ignored}

    reports = [inspect_json(run_cli, write_image(kind, images / kind)) for kind in FORMATS]
    assert all(essence(r) == essence(reports[0]) for r in reports[1:])


@pytest.mark.parametrize("fmt", ["tty", "markdown"])
def test_text_formats(fmt: str, images: Path, run_cli: Callable[..., Run]) -> None:
    path = write_image("oci-layout", images)
    run = run_cli("inspect", path, "--format", fmt)
    assert run.exit_code == 0
    assert run.stderr == ""
    assert str(path) in run.stdout
    assert "model.safetensors" in run.stdout
    assert "\x1b[" not in run.stdout  # no colour when stdout is not a terminal


def test_colour_can_be_forced(images: Path, run_cli: Callable[..., Run]) -> None:
    run = run_cli("inspect", write_image("oci-layout", images), "--color", "--width", "80")
    assert run.exit_code == 0
    assert "\x1b[" in run.stdout


@pytest.mark.parametrize("mode", ["none", "all"])
def test_verify_modes_read_the_same(images: Path, run_cli: Callable[..., Run], mode: str) -> None:
    path = write_image("docker-archive", images)
    default = inspect_json(run_cli, path)
    other = inspect_json(run_cli, path, "--verify", mode)
    notes = [s["subject"] for s in default.pop("skipped")]
    assert notes == ["digests of layers 0"]  # the uncompressed layer was seeked over
    assert other.pop("skipped") == []  # none: nothing promised; all: every digest checked
    assert other == default


def test_json_is_deterministic(images: Path, run_cli: Callable[..., Run]) -> None:
    path = write_image("oci-archive", images)
    first = run_cli("inspect", "-f", "json", path).stdout
    assert first == run_cli("inspect", "-f", "json", path).stdout


@pytest.mark.parametrize("kind", ["docker-archive", "oci-layout"])
def test_end_to_end_in_a_subprocess(
    kind: str, images: Path, run_cli: Callable[..., Run], run_process: Callable[..., Run]
) -> None:
    path = write_image(kind, images)
    run = run_process("inspect", "-f", "json", path)
    assert (run.exit_code, run.stderr) == (0, "")
    report = json.loads(run.stdout)
    assert (report["size_bytes"], report["final_bytes"]) == (SIZE, FINAL)
    assert run.stdout == run_cli("inspect", "-f", "json", path).stdout


def test_platform_option(images: Path, run_cli: Callable[..., Run]) -> None:
    amd64 = ImageSpec([LayerSpec([sized("amd", 10)])])
    arm64 = ImageSpec([LayerSpec([sized("arm", 20)])], architecture="arm64")
    path = write_image("oci-layout", images, [arm64, amd64])  # type: ignore[arg-type]
    default = inspect_json(run_cli, path)
    assert (default["platform"], default["size_bytes"]) == ("linux/amd64", 10)
    chosen = inspect_json(run_cli, path, "--platform", "linux/arm64")
    assert (chosen["platform"], chosen["size_bytes"]) == ("linux/arm64", 20)


def test_transport_prefixes(images: Path, run_cli: Callable[..., Run]) -> None:
    archive = write_image("docker-archive", images / "d")
    layout = write_image("oci-layout", images / "o")
    for reference in (
        f"docker-archive:{archive}",
        f"docker-archive:{archive}:localhost/ml-service:1.0",
        f"oci:{layout}",
        f"oci:{layout}:latest",
    ):
        report = inspect_json(run_cli, reference)
        assert report["reference"] == reference
        assert report["final_bytes"] == FINAL
