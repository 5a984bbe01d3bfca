"""``--output FILE``: the report goes to the file, and an existing file is never clobbered."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from support.imagewriter import ImageSpec, LayerSpec, sized

from .conftest import Run, write_image
from .test_inspect import FINAL


@pytest.fixture
def image(images: Path) -> Path:
    return write_image("oci-archive", images)


def test_output_file(workdir: Path, image: Path, run_cli: Callable[..., Run]) -> None:
    run = run_cli("inspect", image, "-f", "json", "--output", "report.json")
    assert run.exit_code == 0
    assert run.stdout == ""
    assert run.stderr_lines == ["jettison: report written to report.json"]
    written = (workdir / "report.json").read_text(encoding="utf-8")
    assert json.loads(written)["final_bytes"] == FINAL
    assert written == run_cli("inspect", image, "-f", "json").stdout


@pytest.mark.parametrize("fmt", ["tty", "markdown"])
def test_output_file_text_formats(
    fmt: str, workdir: Path, image: Path, run_cli: Callable[..., Run]
) -> None:
    run = run_cli("inspect", image, "-f", fmt, "-o", "report.txt")
    assert run.exit_code == 0
    text = (workdir / "report.txt").read_text(encoding="utf-8")
    assert "model.safetensors" in text
    assert "\x1b[" not in text


def test_existing_file_is_not_overwritten(
    workdir: Path, image: Path, run_cli: Callable[..., Run]
) -> None:
    target = workdir / "report.json"
    target.write_text("precious\n")
    os.utime(target, (1_000_000_000, 1_000_000_000))
    run = run_cli("inspect", image, "-f", "json", "--output", target)
    assert run.exit_code == 2
    assert run.stdout == ""
    assert run.stderr_lines == [
        f"jettison: error: {target} exists; not overwriting it",
        "  hint: pass --force to replace it",
    ]
    assert target.read_text() == "precious\n"
    assert target.stat().st_mtime == 1_000_000_000


def test_force_overwrites(workdir: Path, image: Path, run_cli: Callable[..., Run]) -> None:
    target = workdir / "report.json"
    target.write_text("old\n")
    run = run_cli("inspect", image, "-f", "json", "--output", target, "--force")
    assert run.exit_code == 0
    assert json.loads(target.read_text())["final_bytes"] == FINAL


def test_budget_failure_still_writes_the_report(
    workdir: Path, image: Path, run_cli: Callable[..., Run]
) -> None:
    run = run_cli("inspect", image, "-f", "json", "-o", "r.json", "--max-size", "1kB")
    assert run.exit_code == 1
    assert run.stderr_lines[0] == "jettison: report written to r.json"
    assert run.stderr_lines[1].startswith("jettison: budget broken: size is ")
    assert json.loads((workdir / "r.json").read_text())["budgets_ok"] is False


def test_failed_inspection_writes_no_file(
    workdir: Path, images: Path, run_cli: Callable[..., Run]
) -> None:
    bad = images / "bad.tar"
    bad.write_bytes(b"not an image")
    run = run_cli("inspect", bad, "-o", "report.json")
    assert run.exit_code == 2
    assert not (workdir / "report.json").exists()


def test_unwritable_output(workdir: Path, image: Path, run_cli: Callable[..., Run]) -> None:
    run = run_cli("inspect", image, "-o", workdir / "no-such-dir" / "r.json")
    assert run.exit_code == 2
    assert run.stderr_lines == [
        f"jettison: error: cannot write {workdir / 'no-such-dir' / 'r.json'}: "
        "No such file or directory"
    ]


def test_output_is_a_directory(workdir: Path, image: Path, run_cli: Callable[..., Run]) -> None:
    run = run_cli("inspect", image, "-o", workdir)
    assert run.exit_code == 2
    assert "is a directory" in run.stderr
    assert "Traceback" not in run.stderr


def test_pull_size_budget_with_compressed_layers(images: Path, run_cli: Callable[..., Run]) -> None:
    spec = ImageSpec([LayerSpec([sized("a", 50_000)], "gzip")])
    path = write_image("oci-layout", images, spec)
    met = run_cli("inspect", path, "-f", "json", "--max-pull-size", "1MB")
    assert met.exit_code == 0
    pull = json.loads(met.stdout)["pull_bytes"]
    assert 0 < pull < 1000
    broken = run_cli("inspect", path, "-f", "json", "--max-pull-size", str(pull - 1))
    assert broken.exit_code == 1
    assert broken.stderr_lines == [
        f"jettison: budget broken: pull size is {pull:,} B, limit <= {pull - 1:,} B"
    ]
