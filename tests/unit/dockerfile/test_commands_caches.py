"""Package managers' caches: which RUN leaves one in its layer, and which does not."""

from __future__ import annotations

from pathlib import Path

import pytest

from jettison.dockerfile.commands.caches import (
    APK,
    CACHES,
    CONDA_CACHE,
    DNF_CACHE,
    PDM,
    PIP,
    POETRY,
    UV,
    YARN,
    YUM_CACHE,
    ZYPPER,
    Cache,
    home_dirs,
    left_by,
    poetry_verb,
    uv_copies,
)
from jettison.dockerfile.parser import parse_text
from jettison.dockerfile.shell import commands_of, split_commands
from support.commands import run


def _left(cache: Cache, line: str, *flags: str, env: dict[str, str] | None = None) -> int | None:
    return left_by(cache, run(line, *flags), split_commands(line), "/", env or {})


@pytest.mark.parametrize(
    ("cache", "line", "index"),
    [
        (PIP, "pip install flask", 0),
        (PIP, "python3 -m pip3.11 install torch", 0),
        (PIP, "/opt/venv/bin/pip install -r r.txt && echo done", 0),
        (PIP, "pip install --no-cache-dir flask", None),
        (PIP, "pip --no-cache-dir install flask", None),
        (PIP, "pip install flask && pip cache purge", None),
        (PIP, "pip install flask && rm -rf /root/.cache/pip", None),
        (PIP, "pip install flask && rm -rf ~/.cache", None),
        (PIP, "PIP_NO_CACHE_DIR=0 pip install flask", None),
        (PIP, "pip download flask", None),
        (PIP, "uv pip install torch", None),
        (UV, "uv pip install torch", 0),
        (UV, "uv pip install --no-cache torch", None),
        (UV, "uv pip install torch && uv cache clean", None),
        (UV, "UV_NO_CACHE=1 uv pip install torch", None),
        (UV, "pip install torch", None),
        (UV, "uv sync --frozen --no-dev", 0),
        (UV, "uv -n sync", None),
        (UV, "uv venv && uv pip sync requirements.txt", 1),
        (UV, "uv lock", None),
        (POETRY, "poetry install --only main", 0),
        (POETRY, "poetry -C /app lock", 0),
        (POETRY, "poetry install --no-cache", None),
        (POETRY, "poetry config virtualenvs.create false && poetry install", 1),
        (POETRY, "poetry install && rm -rf /root/.cache/pypoetry", None),
        (POETRY, "poetry install && rm -rf ~/.cache/pypoetry/artifacts", None),
        (POETRY, 'poetry install && rm -rf "$(poetry config cache-dir)"', None),
        (POETRY, "poetry install && rm -rf $(poetry config cache-dir)/artifacts", None),
        (POETRY, "poetry install; rm -rf /tmp/x $( poetry -C /app config cache-dir )", None),
        (POETRY, "poetry install && rm -rf $(poetry config virtualenvs.path)", 0),
        (POETRY, "poetry install && echo $(poetry config cache-dir)", 0),
        (POETRY, "poetry install && poetry cache clear --all pypi", None),
        (POETRY, "poetry install && poetry cache clear pypi", 0),
        (PDM, "pdm install --prod", 0),
        (PDM, "pdm sync && pdm cache clear", None),
        (PDM, "pdm lock", None),
        (APK, "apk add curl", 0),
        (APK, "apk --no-cache add curl", None),
        (APK, "apk add curl && rm -rf /var/cache/apk/*", None),
        (YUM_CACHE, "yum install -y gcc && yum clean all", None),
        (YUM_CACHE, "yum install -y gcc && yum clean packages", 0),
        (YUM_CACHE, "yum install -y a && yum clean all && yum install -y b", 2),
        (DNF_CACHE, "microdnf install -y python3 && dnf clean all", None),
        (DNF_CACHE, "dnf -y upgrade", 0),
        (ZYPPER, "zypper -n in gcc && zypper cc", None),
        (ZYPPER, "zypper install -y gcc", 0),
        (CONDA_CACHE, "conda install -y -c pytorch pytorch", 0),
        (CONDA_CACHE, "mamba env create -f env.yml && mamba clean -afy", None),
        (CONDA_CACHE, "conda create -n x python && conda clean --tarballs --packages", None),
        (CONDA_CACHE, "conda create -n x python && conda clean -t", 0),
        (YARN, "yarn", 0),
        (YARN, "yarn install && yarn cache clean", None),
        (YARN, "yarn add left-pad", None),
    ],
)
def test_left_by(cache: Cache, line: str, index: int | None) -> None:
    assert _left(cache, line) == index


def test_a_heredoc_removes_a_cache_as_a_line_does(tmp_path: Path) -> None:
    text = "FROM x\nRUN <<EOF\npoetry install\nrm -rf $(poetry config cache-dir)\nEOF\n"
    (instruction,) = parse_text(text, tmp_path / "Dockerfile").stages[0].instructions
    assert left_by(POETRY, instruction, commands_of(instruction), "/", {}) is None


def test_the_environment_and_mounts_keep_a_cache_out() -> None:
    assert _left(PIP, "pip install flask", env={"PIP_NO_CACHE_DIR": "off"}) is None
    assert _left(PIP, "pip install flask", "--mount=type=cache,target=/root/.cache") is None
    assert _left(PIP, "pip install flask", "--mount=type=cache,target=/home/x/.cache/pip") is None
    assert _left(UV, "uv pip install x", env={"UV_CACHE_DIR": "/uvc"}) == 0
    assert _left(UV, "uv pip install x && rm -rf /uvc", env={"UV_CACHE_DIR": "/uvc"}) is None
    assert (
        _left(DNF_CACHE, "dnf -y install gcc", "--mount=type=cache,target=/var/cache/libdnf5")
        is None
    )
    env = {"CONDA_DIR": "/opt/mc"}
    assert _left(CONDA_CACHE, "conda install x && rm -rf /opt/mc/pkgs", env=env) is None


def test_home_dirs_and_the_table() -> None:
    assert home_dirs({}, ".cache/pip") == ("/root/.cache/pip",)
    assert home_dirs({"HOME": "/home/app"}, ".cache/pip") == (
        "/root/.cache/pip",
        "/home/app/.cache/pip",
    )
    assert set(CACHES) == {
        "apk", "yum", "dnf", "zypper", "pip", "uv", "poetry", "pdm", "conda", "yarn"
    }  # fmt: skip
    assert PIP.image_rows("root/.cache/pip") and not PIP.image_rows("root/.cache/uv")


def test_poetry_and_uv_helpers() -> None:
    (install,) = split_commands("poetry --directory /app install --only main")
    (uv,) = split_commands("uv sync --link-mode=copy")
    assert poetry_verb(install) == "install" and poetry_verb(uv) is None
    assert uv_copies(uv, {}) and not uv_copies(install, {})
    assert uv_copies(split_commands("uv sync")[0], {"UV_LINK_MODE": "Clone"})
    assert _left(POETRY, "poetry install", env={"POETRY_CACHE_DIR": "/pc"}) == 0
    assert _left(POETRY, "poetry install && rm -rf /pc", env={"POETRY_CACHE_DIR": "/pc"}) is None
    assert _left(PDM, "pdm install", "--mount=type=cache,target=/root/.cache/pdm") is None
