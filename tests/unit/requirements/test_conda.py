"""environment.yml: conda match specs, channels, the nested pip list, bad YAML."""

from __future__ import annotations

from pathlib import Path

import pytest

from jettison.requirements import parse_environment_yml
from jettison.requirements.conda import (
    conda_python_minor,
    conda_specifier,
    environment_python,
    has_pip_section,
)

ENVIRONMENT = """\
name: svc
channels:
  - pytorch
  - conda-forge
dependencies:
  - python=3.11
  - numpy=1.26
  - pytorch::pytorch=2.3.1=py3.11_cpu_0
  - cudatoolkit
  - conda-forge::opencv>=4.8, <5
  - pip
  - pip:
      - --extra-index-url https://download.pytorch.org/whl/cpu
      - fastapi==0.115.0
      - -r requirements-extra.txt
"""


def test_environment_with_pip_section(tmp_path: Path) -> None:
    (tmp_path / "requirements-extra.txt").write_text("uvicorn\n", encoding="utf-8")
    path = tmp_path / "environment.yml"
    path.write_text(ENVIRONMENT, encoding="utf-8")
    found = parse_environment_yml(path)
    rows = [(r.name, r.specifier, r.line, r.source_kind, r.index_url) for r in found.requirements]
    assert rows == [
        ("numpy", "==1.26.*", 7, "conda", None),
        ("pytorch", "==2.3.1", 8, "conda", "pytorch"),
        ("cudatoolkit", "", 9, "conda", None),
        ("opencv", ">=4.8,<5", 10, "conda", "conda-forge"),
        ("pip", "", 11, "conda", None),
        ("fastapi", "==0.115.0", 14, "pip-in-conda", "https://download.pytorch.org/whl/cpu"),
        ("uvicorn", "", 1, "pip-in-conda", "https://download.pytorch.org/whl/cpu"),
    ]
    assert found.requirements[-1].file == tmp_path / "requirements-extra.txt"
    assert found.index_urls == ("pytorch", "conda-forge", "https://download.pytorch.org/whl/cpu")
    assert [f.name for f in found.files] == ["environment.yml", "requirements-extra.txt"]
    assert found.problems == ()


@pytest.mark.parametrize(
    ("rest", "expected"),
    [
        ("", ""),
        ("=1.26", "==1.26.*"),
        ("=1.26.4", "==1.26.4"),
        ("=1.26.4=py311h64a7726_0", "==1.26.4"),
        ("==1.26.4", "==1.26.4"),
        ("==1.26.4=py311_0", "==1.26.4"),
        ("=1.*", "==1.*"),
        (">=1.20,<2", ">=1.20,<2"),
        (">= 1.20, < 2", ">=1.20,<2"),
        ("1.26.*", "==1.26.*"),
        ("1.26.4 py311_0", "==1.26.4"),
        ("1.26|1.27", "1.26|1.27"),
        ("=1.11.1|1.11.3", "=1.11.1|1.11.3"),
    ],
)
def test_conda_specifiers(rest: str, expected: str) -> None:
    assert conda_specifier(rest) == expected


def test_bad_yaml_and_shapes_are_problems(tmp_path: Path) -> None:
    broken = tmp_path / "environment.yml"
    broken.write_text("dependencies:\n  - numpy\n  - [unclosed\n", encoding="utf-8")
    found = parse_environment_yml(broken)
    assert found.requirements == () and found.files == (broken,)
    assert found.problems[0][2].startswith("invalid YAML")
    odd = tmp_path / "odd.yml"
    odd.write_text(
        "dependencies:\n  - numpy\n  - conda: [x]\n  - [1, 2]\n  - pip: nope\n", encoding="utf-8"
    )
    found = parse_environment_yml(odd)
    assert [r.name for r in found.requirements] == ["numpy"]
    assert [line for _f, line, _m in found.problems] == [3, 4, 5]
    listing = tmp_path / "list.yml"
    listing.write_text("- numpy\n", encoding="utf-8")
    assert "expected a mapping" in parse_environment_yml(listing).problems[0][2]
    empty = tmp_path / "empty.yml"
    empty.write_text("", encoding="utf-8")
    assert parse_environment_yml(empty).problems == ()


def test_has_pip_section(tmp_path: Path) -> None:
    with_pip = tmp_path / "a.yml"
    with_pip.write_text("dependencies:\n  - numpy\n  - pip:\n    - flask\n")
    empty_pip = tmp_path / "b.yml"
    empty_pip.write_text("dependencies:\n  - numpy\n  - pip:\n")
    broken = tmp_path / "c.yml"
    broken.write_bytes(b"dependencies: [\n")
    assert has_pip_section(with_pip)
    assert not has_pip_section(empty_pip)
    assert not has_pip_section(broken)
    assert not has_pip_section(tmp_path / "missing.yml")
    assert not has_pip_section(tmp_path)


@pytest.mark.parametrize(
    ("spec", "minor"),
    [
        ("python=3.9", "3.9"),
        ("python==3.9.18", "3.9"),
        ("python=3.5.4=0", "3.5"),
        ("python 3.8.*", "3.8"),
        ("python>=3.8", None),
        ("python", None),
        ("pythonnet=3.0", None),
        ("numpy=1.26", None),
    ],
)
def test_conda_python_minor(spec: str, minor: str | None) -> None:
    assert conda_python_minor(spec) == minor


def test_environment_python(tmp_path: Path) -> None:
    path = tmp_path / "environment.yml"
    path.write_text("name: x\ndependencies:\n  - pip\n  - python=3.8\n", encoding="utf-8")
    assert environment_python(path) == ("3.8", 4)
    path.write_text("dependencies: [numpy]\n", encoding="utf-8")
    assert environment_python(path) is None
    path.write_text(":\n  - [", encoding="utf-8")
    assert environment_python(path) is None
