"""parse_setup_py: the literal dependencies of a setup.py, read from its syntax tree."""

from __future__ import annotations

from pathlib import Path

from jettison.requirements import load_requirements, parse_setup_py
from support.files import write


def test_install_requires_and_extras(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "setup.py",
        "from setuptools import setup, find_packages\n"
        "BASE = ['numpy', 'tqdm>=4']\n"  # 2
        "setup(\n"
        "    name='svc',\n"
        "    install_requires=BASE,\n"
        "    extras_require={\n"
        "        'gpu': ['onnxruntime-gpu==1.19.2; sys_platform == \"linux\"'],\n"  # 7
        "        'Tests': ['pytest==8.3.0'],\n"  # 8
        "        'docs': read_docs(),\n"  # computed: not read
        "    },\n"
        ")\n",
    )
    found = parse_setup_py(path)
    assert [(r.name, r.specifier, r.group, r.line, r.section) for r in found.requirements] == [
        ("numpy", "", "main", 2, "setup"),
        ("tqdm", ">=4", "main", 2, "setup"),
        ("onnxruntime-gpu", "==1.19.2", "gpu", 7, "setup.extras_require"),
        ("pytest", "==8.3.0", "tests", 8, "setup.extras_require"),
    ]
    assert found.requirements[2].marker == 'sys_platform == "linux"'
    assert {r.source_kind for r in found.requirements} == {"setup.py"}
    assert found.problems == ()


def test_computed_requirements_and_broken_files(tmp_path: Path) -> None:
    computed = write(
        tmp_path,
        "setup.py",
        "import setuptools\nsetuptools.setup(install_requires=open('r.txt').read().split())\n",
    )
    assert parse_setup_py(computed).requirements == ()
    broken = write(tmp_path / "b", "setup.py", "setup(install_requires=['x'\n")
    (problem,) = parse_setup_py(broken).problems
    assert "does not parse" in problem[2]
    bad = write(tmp_path / "c", "setup.py", "setup(install_requires=['not a ! requirement'])\n")
    assert "not a valid requirement" in parse_setup_py(bad).problems[0][2]


def test_loaded_by_name(tmp_path: Path) -> None:
    write(tmp_path, "setup.py", "setup(install_requires=['flask==3.0.3'])\n")
    found = load_requirements(tmp_path, [Path("setup.py")])
    assert [r.name for r in found.requirements] == ["flask"]
