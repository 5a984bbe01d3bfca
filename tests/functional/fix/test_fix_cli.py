"""The real `jettison fix` command on a copy of the seed BERT example."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from jettison.api import lint
from jettison.cli.fix_cmd import fix_cmd

RESTRUCTURE = ("--select", "restructure")  # the multi-stage rewrite, asked for by name

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "bert-classifier"


def test_fix_bert_example(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JETTISON_CACHE", str(tmp_path / "cache"))  # offline: an empty cache
    work = tmp_path / "bert-classifier"
    shutil.copytree(EXAMPLE, work, ignore=shutil.ignore_patterns("__pycache__"))
    dockerfile = work / "naive_image" / "Dockerfile"
    original = dockerfile.read_text()
    result = CliRunner().invoke(fix_cmd, [str(dockerfile), "--offline", *RESTRUCTURE])
    assert result.exit_code == 0, result.output
    assert "+FROM python:3.10-slim" in result.stdout
    assert "JT302:" in result.stderr
    assert dockerfile.read_text() == original
    new = work / "naive_image" / "Dockerfile.jettison"
    for name in ("requirements.runtime.txt", "requirements-dev.txt"):
        assert (work / "naive_image" / name).is_file()
    assert (work / ".dockerignore").is_file()
    codes = {f.code for f in lint(new, offline=True).findings}
    assert not codes & {"JT201", "JT301", "JT302", "JT601", "JT101", "JT102"}, codes
    again = CliRunner().invoke(fix_cmd, [str(dockerfile), "--offline", *RESTRUCTURE])
    assert again.exit_code == 2
    assert "not overwriting" in again.stderr


GOLDEN = Path(__file__).resolve().parents[2] / "unit" / "fix" / "golden"


def test_fix_a_cuda_base_with_a_runtime_base(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JETTISON_CACHE", str(tmp_path / "cache"))
    work = tmp_path / "svc"
    shutil.copytree(GOLDEN / "cuda_torch", work, ignore=shutil.ignore_patterns("expected.*"))
    image = "registry.example.com/cuda-python:12.1"
    args = [
        str(work / "Dockerfile"),
        "--runtime-base",
        image,
        "--offline",
        "--dry-run",
        *RESTRUCTURE,
    ]
    result = CliRunner().invoke(fix_cmd, args)
    assert result.exit_code == 0, result.output
    assert "+FROM nvidia/cuda:12.1.1-cudnn8-devel-ubuntu22.04 AS builder" in result.stdout
    assert f"+FROM {image}" in result.stdout
    assert f"JT202: runtime stage on {image} (--runtime-base)" in result.stderr
    assert not (work / "Dockerfile.jettison").exists()


def test_fix_refuses_a_cpu_target_on_pytorch(tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text(
        "FROM pytorch/pytorch:2.1.0-cuda12.1-cudnn8-devel\nCOPY requirements.txt .\n"
        "RUN pip install -r requirements.txt\n"
    )
    (tmp_path / "requirements.txt").write_text("transformers==4.36.2\n")
    result = CliRunner().invoke(
        fix_cmd, [str(tmp_path), "--target", "cpu", "--offline", *RESTRUCTURE]
    )
    assert result.exit_code == 2
    assert "torch is a CUDA build" in result.stderr
    assert "--target gpu" in result.stderr
    assert "Traceback" not in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["Dockerfile", "requirements.txt"]
