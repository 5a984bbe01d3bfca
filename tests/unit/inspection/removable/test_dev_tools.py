"""dev-tools: dev/test tool distributions and what only they require, rolled up per dist."""

from __future__ import annotations

import pytest
from packaging.markers import Marker

from jettison.inspect.attribution.model import PythonDist
from jettison.inspect.removable.dev_tools import (
    applies_without_extras,
    is_dev_tool,
    removable_dists,
    required_name,
    strongly_connected,
)
from support.memimage import File

from .helpers import SITE, dist, ownership, removable, rows


def names(dists: list[PythonDist]) -> list[str]:
    return [d.name for d in dists]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("pytest", True),
        ("pytest-cov", True),
        ("Pytest_Asyncio", True),
        ("jupyterlab", True),
        ("jupyterlab-server", True),
        ("jupyter-client", True),
        ("IPython", True),
        ("nbformat", True),
        ("types-requests", True),
        ("torch", False),
        ("tornado", False),
        ("pytestx", False),
        ("setuptools", False),
    ],
)
def test_dev_tool_names(name: str, expected: bool) -> None:
    assert is_dev_tool(name) is expected


def test_meta_package_and_its_exclusive_dependencies_are_removable() -> None:
    dists = [
        dist("app", "fastapi", "numpy"),
        dist("fastapi", "anyio"),
        dist("anyio"),
        dist("numpy"),
        dist("jupyter", "notebook", "ipykernel"),
        dist("notebook", "tornado>=6", "anyio"),
        dist("ipykernel", "tornado", "ipython"),
        dist("ipython", "pygments"),
        dist("tornado"),
        dist("pygments"),
    ]
    assert names(removable_dists(dists)) == [
        "ipykernel",
        "ipython",
        "jupyter",
        "notebook",
        "pygments",
        "tornado",
    ]


def test_a_dependency_shared_with_a_runtime_package_is_kept() -> None:
    dists = [dist("pytest", "packaging", "pluggy"), dist("pluggy"), dist("packaging"),
             dist("transformers", "packaging")]  # fmt: skip
    assert names(removable_dists(dists)) == ["pluggy", "pytest"]


def test_extras_only_requirements_are_ignored() -> None:
    dists = [
        dist("httpx", 'pytest; extra == "test"', 'rich; extra == "cli" or extra == "all"'),
        dist("pytest", "iniconfig"),
        dist("iniconfig"),
        dist("rich"),
    ]
    # rich is a root (only an extra requires it) and not a dev tool: kept.
    assert names(removable_dists(dists)) == ["iniconfig", "pytest"]


def test_other_markers_count_as_required() -> None:
    dists = [
        dist("app", 'colorama; sys_platform == "win32"', 'tomli; python_version < "3.11"'),
        dist("colorama"),
        dist("tomli"),
        dist("pytest", "colorama", "tomli"),
    ]
    assert names(removable_dists(dists)) == ["pytest"]


def test_a_dev_tool_a_runtime_package_requires_is_kept() -> None:
    dists = [dist("datamodel-code-generator", "black"), dist("black", "click"), dist("click")]
    assert removable_dists(dists) == []


def test_a_cycle_nothing_requires_is_a_root() -> None:
    # torch 2.0 requires triton and triton 2.0 requires torch: neither is a plain root.
    dists = [dist("torch", "triton", "filelock"), dist("triton", "torch"), dist("filelock")]
    assert removable_dists(dists) == []
    dev_cycle = [dist("sphinx", "sphinxcontrib-jsmath"), dist("sphinxcontrib-jsmath", "sphinx")]
    assert names(removable_dists(dev_cycle)) == ["sphinx", "sphinxcontrib-jsmath"]


def test_names_are_canonicalised() -> None:
    dists = [dist("My_App", "Typing.Extensions"), dist("typing-extensions"), dist("PyTest")]
    assert names(removable_dists(dists)) == ["PyTest"]


@pytest.mark.parametrize(
    ("marker", "applies"),
    [
        ('extra == "test"', False),
        ('python_version >= "3.8" and extra == "dev"', False),
        ('extra == "a" or extra == "b"', False),
        ('"test" == extra', False),
        ('python_version < "3.8" or extra == "a"', True),
        ('(python_version < "3.8" or extra == "a") and extra == "b"', False),
        ('extra != "minimal"', True),
        ('sys_platform == "win32"', True),
        ('platform_machine == "x86_64" and python_version >= "3.9"', True),
    ],
)
def test_applies_without_extras(marker: str, applies: bool) -> None:
    assert applies_without_extras(Marker(marker)) is applies


def test_required_name() -> None:
    assert required_name("Typing_Extensions (>=4.0)") == "typing-extensions"
    assert required_name('pytest>=7; extra == "test"') is None
    assert required_name("weird name ~~ 1") == "weird"


def test_strongly_connected() -> None:
    edges = {"a": ["b"], "b": ["a", "c"], "c": ["d"], "d": ["c"], "e": []}
    assert sorted(strongly_connected(edges)) == [["a", "b"], ["c", "d"], ["e"]]


def test_rows_per_distribution_largest_first() -> None:
    pytest_files = [f"{SITE}/pytest/__init__.py", f"{SITE}/pytest-8.0.dist-info/RECORD",
                    "usr/local/bin/pytest"]  # fmt: skip
    pluggy_files = [f"{SITE}/pluggy/__init__.py"]
    owned = ownership(
        [
            dist("pytest", "pluggy", files=pytest_files),
            dist("pluggy", files=pluggy_files),
            dist("fastapi", files=[f"{SITE}/fastapi/__init__.py"]),
        ]
    )
    found = removable(
        [
            File(pytest_files[0], b"p" * 300),
            File(pytest_files[1], b"r" * 20),
            File(pytest_files[2], b"b" * 5),
            File(pluggy_files[0], b"g" * 400),
            File(f"{SITE}/fastapi/__init__.py", b"f" * 1000),
        ],
        owned=owned,
    )["dev-tools"]
    assert rows(found) == [
        (f"{SITE}/pluggy-1.0.dist-info", 400, "python:pluggy"),
        (f"{SITE}/pytest-1.0.dist-info", 325, "python:pytest"),
    ]
    assert (found.size_bytes, found.file_count) == (725, 4)


def test_files_known_only_from_owner_by_path_count_too() -> None:
    owned = ownership([dist("ruff")], owners={"usr/local/bin/ruff": "python:ruff"})
    found = removable([File("usr/local/bin/ruff", b"r" * 100)], owned=owned)["dev-tools"]
    assert rows(found) == [(f"{SITE}/ruff-1.0.dist-info", 100, "python:ruff")]
