"""The code view: when the build context holds only part of the shipped code."""

from __future__ import annotations

from pathlib import Path

from jettison.lint.context import build_context
from jettison.lint.model import CodeView
from support.files import write

SERVICE = 'FROM python:3.12-slim\nCOPY . /app\nCMD ["python", "/app/main.py"]\n'


def _gaps(tmp_path: Path) -> tuple[str, ...]:
    view = build_context(tmp_path / "Dockerfile").code_view
    assert view is not None
    return view.gaps


def test_all_of_the_code_is_here(tmp_path: Path) -> None:
    write(tmp_path, "Dockerfile", SERVICE)
    write(tmp_path, "requirements.txt", "flask==3.0.3\n")
    write(tmp_path, "main.py", "import flask\nfrom lib.util import f\nimport typing_extensions\n")
    write(tmp_path, "lib/util.py", "import starlette\n")  # known dependencies, undeclared
    view = build_context(tmp_path / "Dockerfile").code_view
    assert view == CodeView(files_scanned=2, gaps=())
    assert not view.partial
    assert view.summary() == "the build context holds the shipped code"


def test_local_modules_imported_but_absent(tmp_path: Path) -> None:
    write(tmp_path, "Dockerfile", SERVICE)
    write(tmp_path, "main.py", "from lib.settings import Config\n")
    write(tmp_path, "lib/__init__.py", "")
    (gap,) = _gaps(tmp_path)
    assert gap == "the code imports local modules that are not in it: lib.settings (main.py:1)"


def test_modules_nothing_here_provides(tmp_path: Path) -> None:
    write(tmp_path, "Dockerfile", SERVICE)
    write(tmp_path, "requirements.txt", "fastapi==0.115.0\n")
    write(
        tmp_path, "main.py", "import fastapi\nfrom services.auth import check\nimport setuptools\n"
    )
    assert _gaps(tmp_path) == (
        "the code imports modules that no file here and no declared package provides: services",
    )


def test_copied_sources_the_context_does_not_hold(tmp_path: Path) -> None:
    write(
        tmp_path,
        "Dockerfile",
        "FROM python:3.12-slim\nCOPY main.py /app/\nCOPY core /app/core\nCOPY web/ /app/web\n"
        "COPY models /app/models\nCOPY settings.yaml /app/\n"
        'CMD ["python", "/app/main.py"]\n',
    )
    write(tmp_path, "main.py", "import os\n")
    # web/ (assets), models/ (weights) and a YAML file are no code
    assert _gaps(tmp_path) == ("the image copies core, which the build context does not hold",)


def test_code_fetched_during_the_build(tmp_path: Path) -> None:
    write(
        tmp_path,
        "Dockerfile",
        "FROM python:3.12-slim AS build\n"
        "RUN git clone https://example.org/tool.git /src\n"  # a builder: not shipped
        "FROM python:3.12-slim\nCOPY main.py /app/\n"
        "RUN git clone --depth 1 https://example.org/engine.git /engine\n"
        "RUN pip install git+https://example.org/plugin.git wheels/x-1.0-py3-none-any.whl\n"
        'CMD ["python", "/app/main.py"]\n',
    )
    write(tmp_path, "main.py", "import os\n")
    assert _gaps(tmp_path) == (
        "the build fetches code: https://example.org/engine.git, "
        "git+https://example.org/plugin.git",
    )


def test_an_environment_image_runs_code_mounted_later(tmp_path: Path) -> None:
    write(tmp_path, "Dockerfile", 'FROM python:3.12-slim\nCOPY . /app\nCMD ["bash"]\n')
    write(tmp_path, "main.py", "import os\n")
    assert _gaps(tmp_path) == (
        "the image starts bash, so the code it runs may be mounted at run time",
    )
    write(tmp_path, "Dockerfile", "FROM python:3.12-slim\nCOPY . /app\n")
    assert _gaps(tmp_path) == (
        "the image sets no command, so the code it runs may be mounted at run time",
    )


def test_build_scripts_only(tmp_path: Path) -> None:
    write(tmp_path, "Dockerfile", SERVICE)
    write(tmp_path, "kernels/setup.py", "import setuptools\n")
    assert _gaps(tmp_path) == ("its only Python files are build scripts (setup.py)",)


def test_summary_names_two_reasons() -> None:
    view = CodeView(3, ("a", "b", "c"))
    assert view.partial
    assert view.summary() == (
        "the build context holds only part of the shipped code: a; b (and 1 more)"
    )


def test_a_copied_name_the_os_refuses_is_not_held(tmp_path: Path) -> None:
    """A source name longer than the file system allows raised OSError out of lint (found by
    the lint fuzz campaign)."""
    long = "m" * 300
    write(tmp_path, "Dockerfile", SERVICE.replace("COPY . /app", f"COPY {long}.py /app/"))
    assert _gaps(tmp_path) == (
        f"the image copies {long}.py, which the build context does not hold",
    )
