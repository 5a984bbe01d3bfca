"""pyproject.toml: PEP 621, PEP 735 (uv), Poetry, uv, setuptools dynamic; line numbers."""

from __future__ import annotations

from pathlib import Path

import pytest

from jettison.requirements import parse_pyproject
from jettison.requirements.pyproject import TomlLocator, poetry_specifier
from support.files import write_file


def rows(path: Path) -> list[tuple[str, str, str, int]]:
    return [(r.name, r.specifier, r.group, r.line) for r in parse_pyproject(path).requirements]


def test_pep621_dependencies_and_extras(tmp_path: Path) -> None:
    path = write_file(
        tmp_path / "pyproject.toml",
        "[project]\n"  # 1
        'name = "svc"\n'
        "dependencies = [\n"
        '    "fastapi==0.115.0",\n'  # 4
        "    'torch>=2.3; platform_machine == \"x86_64\"',\n"  # 5
        "]\n"
        "\n"
        "[project.optional-dependencies]\n"  # 8
        'gpu = ["onnxruntime-gpu"]\n'  # 9
        "dev = [\n"
        '  "pytest",\n'  # 11
        '  "svc[gpu]",\n'  # a self-reference selects extras: not a package
        "]\n",
    )
    found = parse_pyproject(path)
    assert rows(path) == [
        ("fastapi", "==0.115.0", "main", 4),
        ("torch", ">=2.3", "main", 5),
        ("onnxruntime-gpu", "", "gpu", 9),
        ("pytest", "", "dev", 11),
    ]
    assert found.requirements[1].marker == 'platform_machine == "x86_64"'
    assert all(r.source_kind == "pyproject" for r in found.requirements)
    assert found.requirements[0].raw == "fastapi==0.115.0"
    assert found.problems == ()


def test_dependency_groups_with_include_group(tmp_path: Path) -> None:
    path = write_file(
        tmp_path / "pyproject.toml",
        "[project]\n"
        'name = "svc"\n'
        'dependencies = ["httpx"]\n'
        "\n"
        "[dependency-groups]\n"  # 5
        'test = ["pytest>=8", "coverage"]\n'  # 6
        "lint = [\n"
        '    "ruff",\n'  # 8
        "]\n"
        'dev = [{include-group = "test"}, {include-group = "Lint"}, "ipython"]\n'  # 10
        'loop-a = [{include-group = "loop-b"}]\n'  # 11
        'loop-b = [{include-group = "loop-a"}, {include-group = "missing"}]\n'  # 12
        "\n"
        "[tool.uv]\n"
        'dev-dependencies = ["black"]\n',  # 15
    )
    found = parse_pyproject(path)
    assert rows(path) == [
        ("httpx", "", "main", 3),
        ("pytest", ">=8", "test", 6),
        ("coverage", "", "test", 6),
        ("ruff", "", "lint", 8),
        ("pytest", ">=8", "dev", 6),
        ("coverage", "", "dev", 6),
        ("ruff", "", "dev", 8),
        ("ipython", "", "dev", 10),
        ("black", "", "dev", 15),
    ]
    messages = sorted(message for _f, _l, message in found.problems)
    assert messages == [
        "dependency group 'loop-b' includes unknown 'missing'",
        "include-group loop (loop-a -> loop-b -> loop-a)",
        "include-group loop (loop-b -> loop-a -> loop-b)",
    ]


def test_poetry_tables_groups_and_sources(tmp_path: Path) -> None:
    path = write_file(
        tmp_path / "pyproject.toml",
        "[tool.poetry]\n"
        'name = "svc"\n'
        "\n"
        "[tool.poetry.dependencies]\n"  # 4
        'python = "^3.11"\n'
        'fastapi = "^0.115.0"\n'  # 6
        'numpy = "~1.26"\n'  # 7
        'torch = { version = "2.7.0", source = "pytorch-cpu" }\n'  # 8
        'pillow = { version = ">=10, <11", extras = ["Zlib"], '
        "markers = \"sys_platform == 'linux'\" }\n"
        'boto3 = { version = "*", optional = true }\n'  # 10
        'weird = "1.0 || 2.0"\n'  # 11
        'mylib = { git = "https://github.com/org/mylib.git", tag = "v1" }\n'  # 12
        "\n"
        "[tool.poetry.extras]\n"
        's3 = ["boto3"]\n'
        "\n"
        "[tool.poetry.group.dev.dependencies]\n"  # 17
        'pytest = "^8.0"\n'  # 18
        "\n"
        "[tool.poetry.dev-dependencies]\n"
        'black = "^24"\n'  # 21
        "\n"
        "[[tool.poetry.source]]\n"
        'name = "pytorch-cpu"\n'
        'url = "https://download.pytorch.org/whl/cpu"\n'
        'priority = "explicit"\n',
    )
    found = parse_pyproject(path)
    assert rows(path) == [
        ("fastapi", ">=0.115.0,<0.116.0", "main", 6),
        ("numpy", ">=1.26,<1.27", "main", 7),
        ("torch", "==2.7.0", "main", 8),
        ("pillow", ">=10,<11", "main", 9),
        ("boto3", "", "s3", 10),
        ("weird", "1.0 || 2.0", "main", 11),
        ("mylib", "", "main", 12),
        ("black", ">=24,<25", "dev", 21),
        ("pytest", ">=8.0,<9.0", "dev", 18),
    ]
    by_name = {r.name: r for r in found.requirements}
    assert by_name["torch"].index_url == "https://download.pytorch.org/whl/cpu"
    assert by_name["fastapi"].index_url is None  # an explicit source applies to no one else
    assert by_name["pillow"].extras == ("zlib",)
    assert by_name["pillow"].marker == 'sys_platform == "linux"'
    assert by_name["mylib"].url == "git+https://github.com/org/mylib.git@v1"
    assert by_name["torch"].raw == 'torch = { version = "2.7.0", source = "pytorch-cpu" }'
    assert found.index_urls == ("https://download.pytorch.org/whl/cpu",)
    assert found.problems == ()


@pytest.mark.parametrize(
    ("constraint", "expected"),
    [
        ("^1.2.3", ">=1.2.3,<2.0.0"),
        ("^1.2", ">=1.2,<2.0"),
        ("^1", ">=1,<2"),
        ("^0.2.3", ">=0.2.3,<0.3.0"),
        ("^0.0.3", ">=0.0.3,<0.0.4"),
        ("^0.0", ">=0.0,<0.1"),
        ("^0", ">=0,<1"),
        ("~1.2.3", ">=1.2.3,<1.3.0"),
        ("~1", ">=1,<2"),
        ("~=1.4", "~=1.4"),
        ("1.2.3", "==1.2.3"),
        ("1.2.*", "==1.2.*"),
        ("=1.0", "==1.0"),
        (">= 1.2, < 1.5", ">=1.2,<1.5"),
        (">=1.2 <1.5", ">=1.2,<1.5"),
        ("*", ""),
        ("", ""),
        ("1.0 || 2.0", None),
        ("latest", None),
    ],
)
def test_poetry_constraints(constraint: str, expected: str | None) -> None:
    assert poetry_specifier(constraint) == expected


def test_poetry2_project_table_is_enriched_not_duplicated(tmp_path: Path) -> None:
    path = write_file(
        tmp_path / "pyproject.toml",
        '[project]\nname = "svc"\ndependencies = ["torch==2.7.0", "numpy"]\n'
        '[tool.poetry.dependencies]\ntorch = { source = "cpu" }\n'
        '[[tool.poetry.source]]\nname = "cpu"\nurl = "https://download.pytorch.org/whl/cpu"\n'
        'priority = "explicit"\n',
    )
    found = parse_pyproject(path)
    assert [(r.name, r.index_url) for r in found.requirements] == [
        ("torch", "https://download.pytorch.org/whl/cpu"),
        ("numpy", None),
    ]


def test_uv_sources_and_indexes(tmp_path: Path) -> None:
    path = write_file(
        tmp_path / "pyproject.toml",
        "[project]\n"
        'name = "svc"\n'
        'dependencies = ["torch==2.7.0", "numpy", "mylib"]\n'
        "[tool.uv.sources]\n"
        'torch = [{ index = "pytorch-cpu", marker = "sys_platform == \'linux\'" }]\n'
        'mylib = { path = "libs/mylib", editable = true }\n'
        "[[tool.uv.index]]\n"
        'name = "pytorch-cpu"\n'
        'url = "https://download.pytorch.org/whl/cpu"\n'
        "explicit = true\n"
        "[[tool.uv.index]]\n"
        'name = "mirror"\n'
        'url = "https://mirror.example/simple"\n',
    )
    found = parse_pyproject(path)
    assert [(r.name, r.index_url, r.url) for r in found.requirements] == [
        ("torch", "https://download.pytorch.org/whl/cpu", None),
        ("numpy", "https://mirror.example/simple", None),
        ("mylib", "https://mirror.example/simple", "libs/mylib"),
    ]
    assert found.index_urls == (
        "https://download.pytorch.org/whl/cpu",
        "https://mirror.example/simple",
    )


def test_setuptools_dynamic_dependencies_read_requirement_files(tmp_path: Path) -> None:
    write_file(tmp_path / "requirements.txt", "flask==2.3.3\n")
    write_file(tmp_path / "requirements-gpu.txt", "onnxruntime-gpu\n")
    path = write_file(
        tmp_path / "pyproject.toml",
        '[project]\nname = "svc"\ndynamic = ["dependencies", "optional-dependencies"]\n'
        "[tool.setuptools.dynamic]\n"
        'dependencies = { file = ["requirements.txt"] }\n'
        'optional-dependencies.gpu = { file = "requirements-gpu.txt" }\n',
    )
    found = parse_pyproject(path)
    assert [(r.name, r.group, r.file.name) for r in found.requirements] == [
        ("flask", "main", "requirements.txt"),
        ("onnxruntime-gpu", "gpu", "requirements-gpu.txt"),
    ]
    assert [f.name for f in found.files] == [
        "pyproject.toml",
        "requirements.txt",
        "requirements-gpu.txt",
    ]


def test_bad_toml_and_bad_values_are_problems(tmp_path: Path) -> None:
    broken = write_file(
        tmp_path / "a" / "pyproject.toml", '[project]\nname = "x"\ndependencies = [\n'
    )
    found = parse_pyproject(broken)
    assert found.requirements == () and found.files == (broken,)
    assert found.problems[0][2].startswith("invalid TOML")
    odd = write_file(
        tmp_path / "b" / "pyproject.toml",
        '[project]\nname = "x"\ndependencies = "flask"\n'
        '[project.optional-dependencies]\nx = [1, "torch=2"]\n',
    )
    problems = parse_pyproject(odd).problems
    assert [(line, message.split(" ")[0]) for _f, line, message in problems] == [
        (3, "'dependencies'"),
        (5, "'x':"),
        (5, "not"),
    ]


def test_locator_finds_keys_headers_and_strings() -> None:
    locator = TomlLocator(
        '[project]\ndependencies = ["a"]\n\n[ tool . "poetry" . dependencies ]\n"b" = "1"\n'
    )
    assert locator.find(("project",), "dependencies", "a") == 2
    assert locator.find(("tool", "poetry", "dependencies"), "b") == 5
    assert locator.find(("tool", "poetry", "dependencies"), "missing") == 4
    assert locator.find(("nowhere",)) == 1


def test_each_requirement_knows_its_table(tmp_path: Path) -> None:
    """An extra and a dependency group may share a name (``dev``); installers tell them
    apart, so each requirement says which table it came from."""
    path = write_file(
        tmp_path / "pyproject.toml",
        "[project]\n"
        'name = "svc"\n'
        'dependencies = ["httpx"]\n'
        "[project.optional-dependencies]\n"
        'dev = ["pudb"]\n'
        "[dependency-groups]\n"
        'dev = ["pytest"]\n'
        "[tool.uv]\n"
        'dev-dependencies = ["black"]\n',
    )
    found = parse_pyproject(path)
    assert [(r.name, r.group, r.section) for r in found.requirements] == [
        ("httpx", "main", "project"),
        ("pudb", "dev", "project.optional-dependencies"),
        ("pytest", "dev", "dependency-groups"),
        ("black", "dev", "tool.uv"),
    ]
