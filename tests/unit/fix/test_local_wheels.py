"""A local folder of wheels as --torch-index: where it is, which wheel, and refusals."""

from __future__ import annotations

from pathlib import Path

import pytest

from jettison.fix.core import fix
from jettison.fix.errors import FixError
from jettison.fix.wheels import local_folder, pick_wheel

RESTRUCTURE = ["restructure"]  # the multi-stage rewrite alone, no edit fixes

NAIVE = "FROM python:3.11\nCOPY requirements.txt .\nRUN pip install -r requirements.txt\n"
APP = "import torch\nimport transformers\n"


def _wheels(tmp_path: Path, *names: str) -> Path:
    folder = tmp_path / "wheels"
    folder.mkdir()
    for name in names:
        (folder / name).write_bytes(b"")
    return folder


def _project(tmp_path: Path, requirements: str) -> Path:
    ctx = tmp_path / "svc"
    ctx.mkdir()
    (ctx / "Dockerfile").write_text(NAIVE)
    (ctx / "requirements.txt").write_text(requirements)
    (ctx / "main.py").write_text(APP)
    return ctx


CPU_213 = "torch-2.13.0+cpu-cp311-cp311-manylinux_2_28_x86_64.whl"


def test_folder_forms(tmp_path: Path) -> None:
    assert local_folder("https://download.pytorch.org/whl/cpu") is None
    assert local_folder(str(tmp_path)) == tmp_path
    assert local_folder(tmp_path.as_uri()) == tmp_path
    with pytest.raises(FixError, match="neither an index URL nor an absolute folder"):
        local_folder("wheels")
    with pytest.raises(FixError, match="no such folder"):
        local_folder(str(tmp_path / "missing"))
    with pytest.raises(FixError, match="another host"):
        local_folder("file://server/wheels")


def test_pick_matching_fallback_and_refusal(tmp_path: Path) -> None:
    folder = _wheels(
        tmp_path,
        CPU_213,
        "torch-2.12.1+cpu-cp311-cp311-manylinux_2_28_x86_64.whl",
        "torch-2.7.0-cp311-cp311-manylinux_2_28_x86_64.whl",
        "not-a-wheel.txt",
    )
    exact = pick_wheel(folder, "torch", "==2.12.1")
    assert (exact.pin, exact.reason) == ("torch==2.12.1+cpu", None)
    assert pick_wheel(folder, "torch", "").pin == "torch==2.13.0+cpu"
    assert pick_wheel(folder, "torch", "==2.7.0").reason is None  # the folder has it
    fallback = pick_wheel(folder, "torch", "==2.8.0")
    assert fallback.pin == "torch==2.13.0+cpu"
    assert fallback.reason == f"the newest CPU build in {folder}"
    with pytest.raises(FixError, match=r"no CPU build of torch 1\.x") as caught:
        pick_wheel(folder, "torch", "==1.13.1")
    assert caught.value.hint
    with pytest.raises(FixError, match="torchvision"):
        pick_wheel(folder, "torchvision", "==0.22.0")


def test_fix_installs_torch_from_the_mount(tmp_path: Path) -> None:
    folder = _wheels(tmp_path, CPU_213)
    ctx = _project(tmp_path, "transformers==4.52.3\ntorch==2.7.0\n")
    report = fix(
        ctx / "Dockerfile",
        target="cpu",
        torch_index=folder.as_uri(),
        dry_run=True,
        offline=True,
        select=RESTRUCTURE,
    )
    assert report.mounts == ((folder, "/wheels"),)
    dockerfile = report.files[0][1]
    assert "pip install --no-cache-dir --find-links /wheels torch==2.13.0+cpu" in dockerfile
    assert "-c /tmp/torch-constraints.txt -r /tmp/requirements.txt" in dockerfile
    assert "--index-url" not in dockerfile
    assert f"torch==2.7.0 -> 2.13.0+cpu: the only CPU build in {folder}" in [
        c.description for c in report.changes if c.code == "JT302"
    ]
    runtime = report.files[1][1]
    assert "torch==2.13.0+cpu\n" in runtime
    assert "torch==2.7.0" in runtime.splitlines()[1]  # only in the JT302 comment
    assert not (ctx / "Dockerfile.jettison").exists()


def test_a_pin_the_folder_has_stays(tmp_path: Path) -> None:
    folder = _wheels(tmp_path, CPU_213)
    ctx = _project(tmp_path, "torch==2.13.0\n")
    report = fix(
        ctx / "Dockerfile",
        target="cpu",
        torch_index=str(folder),
        dry_run=True,
        offline=True,
        select=RESTRUCTURE,
    )
    assert report.files[1][1] == "torch==2.13.0\n"
    assert "torch==2.13.0+cpu" in report.files[0][1]


def test_gpu_target_needs_no_mount(tmp_path: Path) -> None:
    folder = _wheels(tmp_path, CPU_213)
    ctx = _project(tmp_path, "torch==2.7.0\n")
    report = fix(
        ctx / "Dockerfile",
        target="gpu",
        torch_index=str(folder),
        dry_run=True,
        offline=True,
        select=RESTRUCTURE,
    )
    assert report.mounts == ()
    assert "/wheels" not in report.files[0][1]


def test_no_compatible_wheel_is_refused_without_output(tmp_path: Path) -> None:
    folder = _wheels(tmp_path, CPU_213)
    ctx = _project(tmp_path, "torch==1.13.1\n")
    before = sorted(p.name for p in ctx.iterdir())
    with pytest.raises(FixError, match=r"no CPU build of torch 1\.x") as caught:
        fix(
            ctx / "Dockerfile",
            target="cpu",
            torch_index=str(folder),
            offline=True,
            select=RESTRUCTURE,
        )
    assert "--torch-index" in (caught.value.hint or "")
    assert sorted(p.name for p in ctx.iterdir()) == before


def test_a_torch_addon_the_folder_lacks_is_refused(tmp_path: Path) -> None:
    folder = _wheels(tmp_path, CPU_213)
    ctx = _project(tmp_path, "torch==2.7.0\ntorchvision==0.22.0\n")
    (ctx / "main.py").write_text("import torch\nimport torchvision\n")
    with pytest.raises(FixError, match="no torchvision wheel"):
        fix(
            ctx / "Dockerfile",
            target="cpu",
            torch_index=str(folder),
            dry_run=True,
            offline=True,
            select=RESTRUCTURE,
        )
