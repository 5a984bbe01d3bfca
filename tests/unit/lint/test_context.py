"""Building the lint context: the Dockerfile, its requirements, .dockerignore and imports."""

from __future__ import annotations

from pathlib import Path

from jettison.dockerfile.discover import is_requirements_input
from jettison.lint.context import build_context, input_files
from support.files import write


def test_build_context_reads_everything(tmp_path: Path) -> None:
    write(tmp_path, ".dockerignore", "# comment\n\n.git\n  __pycache__  \n!keep\n")
    write(tmp_path, "requirements.txt", "flask==3.0.0\n")
    write(tmp_path, "app.py", "import flask\n")
    path = write(tmp_path, "Dockerfile", "FROM python:3.11-slim\nCOPY . /app\n")
    sizes = {"flask": 10}
    ctx = build_context(
        tmp_path, src=None, image=None, sizes=lambda n, s: sizes.get(n), options={"a": 1}
    )
    assert ctx.dockerfile is not None and ctx.dockerfile.path == path
    assert ctx.context_dir == tmp_path
    assert ctx.dockerignore == (".git", "__pycache__", "!keep")
    assert [r.name for r in ctx.requirements.requirements] == ["flask"]
    assert ctx.sizes is not None and ctx.sizes("flask", "") == 10
    assert ctx.options == {"a": 1}
    assert input_files(ctx) == [path, tmp_path / "requirements.txt", tmp_path / ".dockerignore"]


def test_a_requirements_file_alone(tmp_path: Path) -> None:
    req = write(tmp_path, "requirements.txt", "torch\n")
    assert is_requirements_input(req)
    ctx = build_context(req, src=None, image=None, sizes=None)
    assert ctx.dockerfile is None
    assert ctx.context_dir == tmp_path
    assert ctx.dockerignore is None
    assert [r.name for r in ctx.requirements.requirements] == ["torch"]


def test_requirements_the_dockerfile_copies_win_over_discovery(tmp_path: Path) -> None:
    write(tmp_path, "Dockerfile", "FROM python:3.11-slim\nCOPY reqs/requirements.txt .\n")
    write(tmp_path, "reqs/requirements.txt", "flask==3.0.0\n")
    write(tmp_path, "requirements-dev.txt", "pytest\n")  # next to it, never installed
    ctx = build_context(tmp_path / "Dockerfile")
    assert [r.name for r in ctx.requirements.requirements] == ["flask"]
    assert ctx.requirements.files == (tmp_path / "reqs" / "requirements.txt",)


def test_copy_of_the_whole_context_falls_back_to_discovery(tmp_path: Path) -> None:
    write(tmp_path, "Dockerfile", "FROM python:3.11-slim\nCOPY . .\n")
    write(tmp_path, "requirements.txt", "flask==3.0.0\n")
    ctx = build_context(tmp_path / "Dockerfile")
    assert [r.name for r in ctx.requirements.requirements] == ["flask"]


def test_the_setup_py_of_an_installed_project_is_read(tmp_path: Path) -> None:
    write(tmp_path, "setup.py", "setup(install_requires=['tensorflow==2.*'])\n")
    write(tmp_path, "server/setup.py", "setup(install_requires=['jina==3.25'])\n")
    write(tmp_path, "requirements.txt", "numpy==1.26.4\n")
    write(
        tmp_path,
        "Dockerfile",
        "FROM python:3.11-slim\nCOPY . /app\nRUN pip install -e '/app[gpu]' ./server/\n",
    )
    ctx = build_context(tmp_path / "Dockerfile")
    assert sorted(p.relative_to(tmp_path).as_posix() for p in ctx.requirements.files) == [
        "requirements.txt",
        "server/setup.py",
        "setup.py",
    ]
