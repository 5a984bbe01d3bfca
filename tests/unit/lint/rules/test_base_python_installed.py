"""JT206: an end-of-life Python installed on top of the base."""

from __future__ import annotations

from pathlib import Path

import pytest

from jettison.lint.rules.base import jt206_eol_python_installed

from ._stack_helpers import make_ctx, run

JT206 = jt206_eol_python_installed.RULE
TODAY = {"JT206": {"today": "2026-12-07"}}


def _messages(tmp_path: Path, text: str, **kwargs: object) -> list[tuple[int, str]]:
    ctx = make_ctx(tmp_path, text, options=TODAY, **kwargs)  # type: ignore[arg-type]
    return [(f.line, f.message) for f in run(JT206, ctx)]


@pytest.mark.parametrize(
    ("run_line", "version"),
    [
        ("conda create -y -n svc python=3.8 numpy", "3.8"),
        ("mamba install -y -n base 'python==3.9.18' pip", "3.9"),
        ("micromamba install -y -n base python=3.7.12=h12debd9_0", "3.7"),
        ("uv python install 3.9", "3.9"),
        ("uv venv --python 3.8 /opt/venv", "3.8"),
        ("pyenv install 3.6.15 && pyenv global 3.6.15", "3.6"),
        (
            "curl -fsSLO https://www.python.org/ftp/python/3.8.18/Python-3.8.18.tgz "
            "&& tar xzf Python-3.8.18.tgz",
            "3.8",
        ),
    ],
)
def test_jt206_installers(tmp_path: Path, run_line: str, version: str) -> None:
    ((line, message),) = _messages(tmp_path, f"FROM ubuntu:24.04\nRUN {run_line}\n")
    assert line == 2
    assert f"installs Python {version}, which reached end of life" in message


def test_jt206_reads_an_arg_default(tmp_path: Path) -> None:
    text = 'FROM ubuntu:24.04\nARG PY=3.9\nRUN conda install -y "python=${PY}"\n'
    ((line, message),) = _messages(tmp_path, text)
    assert line == 3
    assert "Python 3.9" in message


def test_jt206_reads_the_environment_file_the_image_copies(tmp_path: Path) -> None:
    (tmp_path / "conda").mkdir()
    (tmp_path / "conda" / "env.yaml").write_text(
        "name: svc\ndependencies:\n  - numpy\n  - python=3.8.10\n", encoding="utf-8"
    )
    text = (
        "FROM continuumio/miniconda3:24.7.1-0\nWORKDIR /srv\nCOPY conda/ ./conda/\n"
        "RUN conda env create -f conda/env.yaml && conda clean -afy\n"
    )
    ((line, message),) = _messages(tmp_path, text)
    assert line == 4
    assert "env.yaml:4" in message and "Python 3.8" in message


def test_jt206_conda_env_create_defaults_to_environment_yml(tmp_path: Path) -> None:
    (tmp_path / "environment.yml").write_text("dependencies:\n  - python=3.7\n", encoding="utf-8")
    text = "FROM continuumio/miniconda3:24.7.1-0\nCOPY . /app\nWORKDIR /app\nRUN conda env create\n"
    ((_, message),) = _messages(tmp_path, text)
    assert "environment.yml:2" in message


def test_jt206_follows_an_install_script(tmp_path: Path) -> None:
    (tmp_path / "setup-env.sh").write_text(
        "#!/bin/bash\nset -e\nconda create -y -n svc python=3.9\n", encoding="utf-8"
    )
    text = (
        "FROM continuumio/miniconda3:24.7.1-0\nCOPY setup-env.sh /tmp/\n"
        "RUN bash /tmp/setup-env.sh\n"
    )
    ((line, message),) = _messages(tmp_path, text)
    assert line == 3
    assert "(in setup-env.sh)" in message


def test_jt206_deadsnakes_python(tmp_path: Path) -> None:
    text = (
        "FROM ubuntu:22.04\n"
        "RUN add-apt-repository -y ppa:deadsnakes/ppa && apt-get update "
        "&& apt-get install -y --no-install-recommends python3.9 python3.9-venv\n"
    )
    ((_, message),) = _messages(tmp_path, text)
    assert "(deadsnakes)" in message and "Python 3.9" in message


def test_jt206_another_release_s_python_on_a_known_distro(tmp_path: Path) -> None:
    text = "FROM nvidia/cuda:12.4.1-runtime-ubuntu22.04\nRUN apt-get install -y python3.8\n"
    ((_, message),) = _messages(tmp_path, text)
    assert "not the distribution's python3.10" in message


def test_jt206_a_builder_whose_conda_tree_ships(tmp_path: Path) -> None:
    text = (
        "FROM continuumio/miniconda3:24.7.1-0 AS env\n"
        "RUN conda create -y -p /opt/env python=3.8\n"
        "FROM debian:bookworm-slim\n"
        "COPY --from=env /opt/env /opt/env\n"
    )
    ((line, _),) = _messages(tmp_path, text)
    assert line == 2


@pytest.mark.parametrize(
    "text",
    [
        # the distribution's own python3, on a supported release
        "FROM ubuntu:22.04\nRUN add-apt-repository ppa:deadsnakes/ppa "
        "&& apt-get install -y python3.10\n",
        "FROM ubuntu:22.04\nRUN apt-get install -y python3.10\n",
        # supported versions, bounds and unknown values
        "FROM ubuntu:24.04\nRUN conda create -y -n svc python=3.12\n",
        "FROM ubuntu:24.04\nRUN conda create -y -n svc 'python>=3.8'\n",
        "FROM ubuntu:24.04\nARG PY\nRUN conda create -y -n svc python=$PY\n",
        "FROM ubuntu:24.04\nRUN uv python install 3.13\n",
        # an apt python3.X on a base whose distribution is unknown
        "FROM someone/base:1.0\nRUN apt-get install -y python3.9\n",
        # a builder stage whose files do not ship
        "FROM ubuntu:24.04 AS t\nRUN conda create -y -n t python=3.8\n"
        "FROM python:3.12-slim\nCOPY --from=t /opt/report.txt /r.txt\n",
    ],
)
def test_jt206_negative(tmp_path: Path, text: str) -> None:
    assert _messages(tmp_path, text) == []


def test_jt206_two_interpreters_one_finding(tmp_path: Path) -> None:
    text = "FROM ubuntu:24.04\nRUN uv python install 3.8 3.9 && conda create -n a python=3.8\n"
    ((_, message),) = _messages(tmp_path, text)
    assert message.count("installs Python") == 2
