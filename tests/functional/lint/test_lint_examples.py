"""The real rules on the seed examples: the acceptance criteria of the lint issue."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..conftest import Run

REPO = Path(__file__).resolve().parents[3]
BERT = REPO / "examples" / "bert-classifier" / "naive_image"


def _lint(run_cli: Callable[..., Run], *args: str | Path) -> dict[str, Any]:
    run = run_cli("lint", *args, "--offline", "-f", "json")
    assert run.exit_code == 1, run.stderr
    document: dict[str, Any] = json.loads(run.stdout)
    assert document["notices"] == []  # no rule crashed
    return document


def _line_of(path: Path, name: str) -> int:
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.split("==")[0].strip() == name:
            return number
    raise AssertionError(f"{name} not in {path}")


def test_naive_bert_dockerfile(run_cli: Callable[..., Run]) -> None:
    document = _lint(run_cli, BERT / "Dockerfile")
    found = {(f["code"], Path(f["file"]).name, f["line"]) for f in document["findings"]}
    dockerfile = {(code, line) for code, name, line in found if name == "Dockerfile"}
    requirements = {(code, line) for code, name, line in found if name == "requirements.txt"}
    # the full python:3.10 base in the final stage; no USER at all (reported at its FROM)
    assert {("JT201", 5), ("JT601", 5)} <= dockerfile
    # apt without --no-install-recommends, and the lists kept
    assert {("JT101", 6), ("JT102", 6)} <= dockerfile
    req = BERT / "requirements.txt"
    # pytest, jupyter, ipython, black, flake8, mypy in production
    for tool in ("pytest", "jupyter", "ipython", "black", "flake8", "mypy"):
        assert ("JT301", _line_of(req, tool)) in requirements, tool
    # torch from the default index (CUDA wheels) in a CPU-only app
    assert ("JT302", _line_of(req, "torch")) in requirements
    # torchvision and torchaudio never imported
    for addon in ("torchvision", "torchaudio"):
        assert ("JT303", _line_of(req, addon)) in requirements, addon
    # matplotlib and seaborn never imported by the app
    for unused in ("matplotlib", "seaborn"):
        assert ("JT309", _line_of(req, unused)) in requirements, unused
    # unpinned packages
    assert any(code == "JT308" for code, _ in requirements)
    # the build context is the example's parent directory (COPY naive_image/...)
    assert document["files"][0].endswith("naive_image/Dockerfile")


def test_the_bert_example_from_its_directory(run_cli: Callable[..., Run]) -> None:
    """Given the directory, with the requirements file as a second path (pre-commit style)."""
    document = _lint(run_cli, BERT, BERT / "requirements.txt")
    assert len({f["file"] for f in document["findings"]}) == 2
    codes = [f["code"] for f in document["findings"]]
    assert codes.count("JT301") == 6


SEEDS = REPO / "tests" / "fixtures" / "seeds"


def _codes(document: dict[str, Any]) -> dict[str, list[tuple[str, int]]]:
    """code -> [(severity, line)] over every finding, all rules at once."""
    out: dict[str, list[tuple[str, int]]] = {}
    for finding in document["findings"]:
        out.setdefault(finding["code"], []).append((finding["severity"], finding["line"]))
    return out


def test_multi_stage_template_end_of_life_base_and_baked_models(
    run_cli: Callable[..., Run],
) -> None:
    codes = _codes(_lint(run_cli, SEEDS / "multi-stage-template"))
    assert codes["JT203"] == [("warning", 10)]  # FROM python:3.9-slim-buster
    assert codes["JT501"] == [("warning", 14)]  # COPY --from=builder /app/models ./models


def test_pytorch_example_heavy_base_baked_models_and_recommends(
    run_cli: Callable[..., Run],
) -> None:
    codes = _codes(_lint(run_cli, SEEDS / "pytorch-example"))
    # pytorch/pytorch:...-runtime under a service that imports torch on the GPU: the image
    # it runs on, not a heavy base it could drop (issue 10's standard; the seed had warned)
    assert "JT204" not in codes
    assert codes["JT501"] == [("warning", 12)]  # COPY models/
    assert codes["JT102"] == [("info", 5)]  # apt-get install without --no-install-recommends
    assert "JT302" not in codes  # a CUDA base and device selection: the GPU is meant


def test_fourteen_service_template_has_nothing_above_info(run_cli: Callable[..., Run]) -> None:
    run = run_cli("lint", SEEDS / "fourteen-services", "--offline", "-f", "json")
    assert run.exit_code == 0, run.stdout  # the default --fail-on is warning
    document = json.loads(run.stdout)
    assert document["notices"] == []
    assert {severity for f in _codes(document).values() for severity, _ in f} == {"info"}
