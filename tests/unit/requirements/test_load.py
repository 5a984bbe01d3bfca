"""load_requirements: discovery in the build context, dispatch by file kind, the repo example."""

from __future__ import annotations

from pathlib import Path

import pytest

from jettison.errors import RequirementsError
from jettison.requirements import discover_requirement_files, load_requirements
from support.files import write_file

ROOT = Path(__file__).resolve().parents[3]
BERT = ROOT / "examples" / "bert-classifier"


def test_discovery_is_shallow_ordered_and_skips_environments(tmp_path: Path) -> None:
    write_file(tmp_path / "requirements.txt", "-r requirements-dev.txt\nflask\n")
    write_file(tmp_path / "requirements-dev.txt", "pytest\n")
    write_file(tmp_path / "pyproject.toml", '[project]\nname = "x"\ndependencies = ["httpx"]\n')
    write_file(tmp_path / "environment.yaml", "dependencies:\n  - numpy\n")
    write_file(tmp_path / "notes.txt", "not requirements\n")
    write_file(tmp_path / "naive_image" / "requirements.txt", "torch\n")
    write_file(tmp_path / "requirements" / "base.txt", "requests\n")
    write_file(tmp_path / "a" / "b" / "requirements.txt", "too-deep\n")
    for skipped in (".venv", "node_modules", ".git", "venv"):
        write_file(tmp_path / skipped / "requirements.txt", "nope\n")
    write_file(tmp_path / "myenv" / "pyvenv.cfg", "home = /usr\n")
    write_file(tmp_path / "myenv" / "requirements.txt", "nope\n")
    relative = [p.relative_to(tmp_path).as_posix() for p in discover_requirement_files(tmp_path)]
    assert relative == [
        "environment.yaml",
        "pyproject.toml",
        "requirements-dev.txt",
        "requirements.txt",
        "naive_image/requirements.txt",
        "requirements/base.txt",
    ]
    found = load_requirements(tmp_path)
    # requirements-dev.txt is read once, although discovered and included
    assert [(r.name, r.source_kind) for r in found.requirements] == [
        ("numpy", "conda"),
        ("httpx", "pyproject"),
        ("pytest", "requirements"),
        ("flask", "requirements"),
        ("torch", "requirements"),
        ("requests", "requirements"),
    ]
    assert len(found.files) == 6 and found.problems == ()


def test_given_files_are_relative_to_the_context(tmp_path: Path) -> None:
    write_file(tmp_path / "svc" / "reqs" / "prod.txt", "-r ../../shared.txt\nflask\n")
    write_file(tmp_path / "shared.txt", "requests\n")
    found = load_requirements(tmp_path / "svc", [Path("reqs/prod.txt")])
    assert [r.name for r in found.requirements] == ["flask"]
    assert "outside" in found.problems[0][2]
    found = load_requirements(tmp_path, [tmp_path / "svc" / "reqs" / "prod.txt"])
    assert [r.name for r in found.requirements] == ["requests", "flask"]


def test_missing_given_file_raises(tmp_path: Path) -> None:
    with pytest.raises(RequirementsError, match="cannot read"):
        load_requirements(tmp_path, [Path("requirements.txt")])


def test_empty_context(tmp_path: Path) -> None:
    found = load_requirements(tmp_path)
    assert found.requirements == () and found.files == () and found.problems == ()


def test_bert_example_requirements() -> None:
    found = load_requirements(BERT)
    assert found.files == (BERT / "naive_image" / "requirements.txt",)
    assert [r.name for r in found.main()] == [
        "transformers",
        "torch",
        "torchvision",
        "torchaudio",
        "flask",
        "pandas",
        "numpy",
        "requests",
        "pillow",
        "scikit-learn",
        "pytest",
        "jupyter",
        "ipython",
        "matplotlib",
        "seaborn",
        "black",
        "flake8",
        "mypy",
    ]
    unpinned = [r.name for r in found.requirements if not r.pinned]
    assert unpinned[:3] == ["pandas", "pillow", "scikit-learn"]
    torch = found.named("torch")[0]
    assert (torch.specifier, torch.line, torch.index_url) == ("==2.7.0", 3, None)
    assert found.problems == ()
