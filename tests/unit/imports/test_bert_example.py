"""The repo's naive BERT example: what its requirements declare against what its app imports."""

from __future__ import annotations

from pathlib import Path

from jettison.imports import scan_source_tree, servers_in_commands, used_distributions
from jettison.requirements import load_requirements

ROOT = Path(__file__).resolve().parents[3]
EXAMPLE = ROOT / "examples" / "bert-classifier"


def test_declared_but_never_imported() -> None:
    requirements = load_requirements(EXAMPLE, [Path("naive_image/requirements.txt")])
    scan = scan_source_tree(EXAMPLE / "naive_image" / "app")
    assert scan.skipped == ()
    assert {i.module for i in scan.imports} == {"torch", "transformers"}
    command = ["python", "app/predictor.py", "sample_data/sample_text.txt"]
    used = used_distributions(scan.imports, requirements) | servers_in_commands([command])
    assert used == {"torch", "transformers"}
    unused = {r.name for r in requirements.main()} - used
    assert {
        "torchvision",
        "torchaudio",
        "matplotlib",
        "seaborn",
        "pytest",
        "jupyter",
        "ipython",
        "black",
        "flake8",
        "mypy",
    } <= unused


def test_whole_context_scan_keeps_the_same_answer() -> None:
    scan = scan_source_tree(EXAMPLE)
    assert {i.module for i in scan.imports} == {"torch", "transformers"}
    assert "predictor" in scan.local_modules
