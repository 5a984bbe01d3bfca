"""``jettison diff`` through the real command line, on images written by the test writer."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from support.imagewriter import ImageSpec, LayerSpec, sized

from .conftest import FORMATS, ML_SPEC, Run, write_image

GROWN = ImageSpec(
    [
        *ML_SPEC.layers,
        LayerSpec([sized("app/data/cache.bin", 40_000)], created_by="COPY data /app/data"),
    ],
    history=None,
    tag="localhost/ml-service:2.0",
)


def _sums(document: dict) -> None:  # type: ignore[type-arg]
    final = document["final_delta_bytes"]
    assert sum(o["delta_bytes"] for o in document["owners"]) == final
    assert sum(c["delta_bytes"] for c in document["causes"]) == final
    files = sum(f["delta_bytes"] for f in document["files"])
    assert files + document["files_rest"]["delta_bytes"] == final
    assert sum(x["delta_bytes"] for x in document["layers"]) == document["size_delta_bytes"]


@pytest.mark.parametrize("kind", FORMATS)
def test_an_image_against_itself_reports_nothing_and_exits_0(
    kind: str, images: Path, run_cli: Callable[..., Run]
) -> None:
    path = write_image(kind, images / kind)
    run = run_cli("diff", path, path)
    assert run.exit_code == 0, run.stderr
    assert "no change" in run.stdout
    document = json.loads(run_cli("diff", path, path, "-f", "json").stdout)
    assert document["identical"] and document["owners"] == [] and document["files"] == []
    assert {x["status"] for x in document["layers"]} == {"shared"}
    _sums(document)


def test_the_same_image_in_two_formats_shares_every_layer(
    images: Path, run_cli: Callable[..., Run]
) -> None:
    archive = write_image("docker-archive", images / "a")
    layout = write_image("oci-archive", images / "b")
    document = json.loads(run_cli("diff", archive, layout, "-f", "json").stdout)
    assert document["identical"]


def test_a_grown_image_lists_the_change_and_the_gate_fails(
    images: Path, run_cli: Callable[..., Run]
) -> None:
    before = write_image("docker-archive", images / "before")
    after = write_image("docker-archive", images / "after", GROWN)
    run = run_cli("diff", before, after, "-f", "json", "--fail-if-grown", "10kB")
    assert run.exit_code == 1
    assert run.stderr_lines == [
        "jettison: gate broken: the image grew by 40 kB, limit 10kB (10 kB)"
    ]
    document = json.loads(run.stdout)
    _sums(document)
    assert document["size_delta_bytes"] == 40_000
    assert document["gate"]["ok"] is False
    (added,) = [x for x in document["layers"] if x["status"] != "shared"]
    assert (added["status"], added["after_index"]) == ("added", 3)
    assert document["files"][0]["path"] == "app/data/cache.bin"
    assert run_cli("diff", before, after, "--fail-if-grown", "5%").exit_code == 1
    assert run_cli("diff", before, after, "--fail-if-grown", "50kB").exit_code == 0
    assert run_cli("diff", after, before, "--fail-if-grown", "0").exit_code == 0
    markdown = run_cli("diff", before, after, "-f", "markdown").stdout
    assert "`/app/data/cache.bin`" in markdown and "| **added** |" in markdown


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("missing.tar", "missing.tar"), "jettison: error: "),
        (("{a}", "{a}", "--fail-if-grown", "lots"), "jettison: error: --fail-if-grown: "),
        (("{a}", "{a}", "--platform", "nonsense"), "jettison: error: "),
    ],
)
def test_bad_input_is_one_line_and_a_hint(
    args: tuple[str, ...], message: str, images: Path, run_cli: Callable[..., Run]
) -> None:
    path = write_image("docker-archive", images / "a")
    run = run_cli("diff", *(a.format(a=path) for a in args))
    assert run.exit_code == 2
    assert run.stderr_lines[0].startswith(message)
    assert len(run.stderr_lines) <= 2
    assert "Traceback" not in run.stderr
