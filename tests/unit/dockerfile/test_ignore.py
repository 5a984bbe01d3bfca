"""The .dockerignore that applies to a build, and its matcher (JT402 reads contexts
through it, and fix and plan too) against BuildKit's documented semantics."""

from __future__ import annotations

from pathlib import Path

import pytest

from jettison.dockerfile.ignore import DockerIgnore, clean, dockerignore_path, read_dockerignore
from support.files import write


@pytest.mark.parametrize(
    ("patterns", "path", "excluded"),
    [
        ([".git"], ".git", True),
        ([".git"], ".git/objects/ab/cd", True),  # a parent directory matches
        ([".git/"], ".git/HEAD", True),  # trailing slash cleaned away
        (["/.git"], ".git", True),  # leading slash dropped
        (["./.git"], ".git", True),
        (["*.ipynb"], "eda.ipynb", True),
        (["*.ipynb"], "notebooks/eda.ipynb", False),  # `*` stays in one directory
        (["**/*.ipynb"], "notebooks/deep/eda.ipynb", True),
        (["**/*.ipynb"], "eda.ipynb", True),  # `**/` matches no directory too
        (["**/__pycache__"], "app/__pycache__/m.cpython-311.pyc", True),
        (["__pycache__"], "app/__pycache__", False),
        (["data/**"], "data/raw/x.csv", True),
        (["data/**"], "data", False),
        (["data/**/*.csv"], "data/x.csv", True),
        (["data/**/*.csv"], "data/a/b/x.csv", True),
        (["venv?"], "venv3", True),
        (["venv?"], "venv", False),
        (["[a-c].txt"], "b.txt", True),
        (["[a-c].txt"], "d.txt", False),
        (["*.txt", "!requirements.txt"], "requirements.txt", False),
        (["*.txt", "!requirements.txt"], "notes.txt", True),
        (["!requirements.txt", "*.txt"], "requirements.txt", True),  # the last match wins
        (["data", "!data/needed.csv"], "data/needed.csv", False),
        (["data", "!data/needed.csv"], "data/other.csv", True),
        (["a.b"], "axb", False),  # `.` is literal
        (["f(x)"], "f(x)", True),
        (["\\*"], "*", True),
        (["\\*"], "a", False),
        (["# comment", "", "  .git  "], ".git", True),
        (["*"], "anything/at/all", True),
        (["**"], "x/y", True),
    ],
)
def test_matching(patterns: list[str], path: str, excluded: bool) -> None:
    assert DockerIgnore(patterns).excludes(path) is excluded


def test_clean() -> None:
    assert clean("/a/../b//c/") == "b/c"
    assert clean("./x") == "x"
    assert clean("/") == "/"


def test_a_broken_class_matches_nothing() -> None:
    assert DockerIgnore(["[z-a]"]).excludes("b") is False


def test_dockerignore_next_to_the_dockerfile_wins(tmp_path: Path) -> None:
    dockerfile = write(tmp_path, "docker/app.Dockerfile", "FROM x\n")
    assert dockerignore_path(dockerfile, tmp_path) is None
    write(tmp_path, ".dockerignore", "# comment\n\n.git\n  __pycache__  \n!keep\n")
    assert dockerignore_path(dockerfile, tmp_path) == tmp_path / ".dockerignore"
    own = write(tmp_path, "docker/app.Dockerfile.dockerignore", "*\n")
    assert dockerignore_path(dockerfile, tmp_path) == own


def test_read_dockerignore(tmp_path: Path) -> None:
    path = write(tmp_path, ".dockerignore", "\ufeff# comment\n\n.git\n  __pycache__  \n!keep\n")
    assert read_dockerignore(path) == (".git", "__pycache__", "!keep")
