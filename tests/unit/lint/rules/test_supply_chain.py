"""JT607-JT609: moving remote sources, verification turned off, password-less sudo."""

from __future__ import annotations

from pathlib import Path

import pytest

from jettison.lint.rules.runtime import (
    jt607_unpinned_remote_source,
    jt608_insecure_package_source,
    jt609_sudo_nopasswd,
)

from ._stack_helpers import make_ctx, requirements_file, run

JT607 = jt607_unpinned_remote_source.RULE
JT608 = jt608_insecure_package_source.RULE
JT609 = jt609_sudo_nopasswd.RULE


def _write(directory: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = directory / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


# -- JT607 -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("run_line", "expected"),
    [
        ("git clone https://github.com/org/tool.git /opt/tool", "the default branch"),
        ("git clone --depth 1 -b main https://github.com/org/tool /opt/tool", "branch main"),
        ("git clone https://x.org/t.git /t && cd /t && git checkout develop", "default branch"),
        ("cd /opt/tool && git pull origin main", "git pull"),
        ("pip install --no-cache-dir git+https://github.com/org/lib.git", "default branch"),
        ("pip install 'lib @ git+https://github.com/org/lib@main'", "takes main"),
        (
            "pip install --pre torch --index-url https://download.pytorch.org/whl/nightly/cpu",
            "nightly index",
        ),
        ("pip install --pre some-lib", "newest pre-release"),
        ("curl -fsSL https://example.org/install.sh | bash", "today's installer"),
        ("wget -qO- https://example.org/get | sh -s -- -y", "today's installer"),
        (
            "wget https://repo.example.org/Miniforge3-latest-Linux-x86_64.sh -O /tmp/m.sh",
            "Miniforge3-latest",
        ),
        ("poetry lock && poetry install --only main", "resolves the dependencies"),
        ("uv lock", "resolves the dependencies"),
    ],
)
def test_jt607_moving_sources(tmp_path: Path, run_line: str, expected: str) -> None:
    (finding,) = run(JT607, make_ctx(tmp_path, f"FROM python:3.12-slim\nRUN {run_line}\n"))
    assert finding.line == 2
    assert finding.severity.label == "info"
    assert expected in finding.message


@pytest.mark.parametrize(
    "run_line",
    [
        "git clone --depth 1 --branch v2.3.3 https://github.com/org/tool /opt/tool",
        "git clone https://x.org/t.git /t && git -C /t checkout 3f2a9c1",
        "git clone https://x.org/t.git /t && cd /t && git reset --hard v1.0.4",
        "pip install 'lib @ git+https://github.com/org/lib@5b3f0c2'",
        "pip install git+https://github.com/org/lib.git@v0.4.1#egg=lib",
        "pip install --pre 'torch==2.6.0.dev20241201'",
        "curl -LsSf https://astral.sh/uv/0.4.18/install.sh | sh",
        "curl -sSf https://sh.rustup.rs | sh -s -- -y --default-toolchain 1.85.0",
        "poetry lock --check",
        "uv sync --frozen",
        "git clone https://huggingface.co/org/model /models/m",  # a model: JT502's
        "wget https://huggingface.co/org/m/resolve/main/model.safetensors",
    ],
)
def test_jt607_pinned_enough(tmp_path: Path, run_line: str) -> None:
    assert run(JT607, make_ctx(tmp_path, f"FROM python:3.12-slim\nRUN {run_line}\n")) == []


def test_jt607_installer_version_from_the_environment(tmp_path: Path) -> None:
    text = (
        "FROM python:3.12-slim\nENV POETRY_VERSION=1.8.3\n"
        "RUN curl -sSL https://install.python-poetry.org | python -\n"
    )
    assert run(JT607, make_ctx(tmp_path, text)) == []


def test_jt607_a_clone_of_a_branch_set_by_a_build_arg_is_unknown(tmp_path: Path) -> None:
    text = "FROM python:3.12-slim\nARG REF\nRUN git clone -b ${REF} https://x.org/t.git /t\n"
    assert run(JT607, make_ctx(tmp_path, text)) == []
    pinned = "FROM python:3.12-slim\nARG REF=main\nRUN git clone -b ${REF} https://x.org/t.git\n"
    assert len(run(JT607, make_ctx(tmp_path, pinned))) == 1


def test_jt607_a_requirements_file_with_an_unpinned_vcs_line(tmp_path: Path) -> None:
    reqs = requirements_file(tmp_path, "flask==3.0.3\nlib @ git+https://github.com/org/lib\n")
    text = "FROM python:3.12-slim\nCOPY requirements.txt .\nRUN pip install -r requirements.txt\n"
    (finding,) = run(JT607, make_ctx(tmp_path, text, requirements=reqs))
    assert finding.line == 3
    assert "requirements.txt:2 installs lib from git without a commit or tag" in finding.message


def test_jt607_follows_a_make_target(tmp_path: Path) -> None:
    _write(tmp_path, {"Makefile": "deps:\n\tpoetry lock\n\tpoetry install\n"})
    text = "FROM python:3.12-slim\nWORKDIR /app\nCOPY Makefile pyproject.toml ./\nRUN make deps\n"
    (finding,) = run(JT607, make_ctx(tmp_path, text))
    assert "`poetry lock` (in Makefile (make deps))" in finding.message


@pytest.mark.parametrize(
    ("files", "text", "expected"),
    [
        (
            {"pyproject.toml": "[tool.poetry]\n", "poetry.lock": "#"},
            "FROM python:3.12-slim\nWORKDIR /app\nCOPY pyproject.toml ./\nRUN poetry install\n",
            "finds no poetry.lock",
        ),
        (
            {"pyproject.toml": "[project]\n", "uv.lock": "#", ".dockerignore": "uv.lock\n"},
            "FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\nRUN uv sync\n",
            ".dockerignore leaves it out",
        ),
    ],
)
def test_jt607_an_install_without_its_lock_file(
    tmp_path: Path, files: dict[str, str], text: str, expected: str
) -> None:
    _write(tmp_path, files)
    ignore = ["uv.lock"] if ".dockerignore" in files else None
    (finding,) = run(JT607, make_ctx(tmp_path, text, dockerignore=ignore))
    assert expected in finding.message


@pytest.mark.parametrize(
    "text",
    [
        "FROM python:3.12-slim\nWORKDIR /app\nCOPY pyproject.toml poetry.lock ./\n"
        "RUN poetry install\n",
        "FROM python:3.12-slim\nWORKDIR /app\n"
        "RUN --mount=type=bind,source=uv.lock,target=uv.lock uv sync --no-install-project\n",
        "FROM python:3.12-slim AS b\nWORKDIR /app\nRUN poetry lock\n"
        "FROM python:3.12-slim\nWORKDIR /app\nCOPY --from=b /app/poetry.lock ./\n"
        "RUN poetry install\n",
        'FROM python:3.12-slim\nRUN ARGS="--frozen" && uv sync $ARGS\n',
    ],
)
def test_jt607_installs_with_a_lock(tmp_path: Path, text: str) -> None:
    _write(tmp_path, {"pyproject.toml": "[tool.poetry]\n", "poetry.lock": "#"})
    findings = run(JT607, make_ctx(tmp_path, text))
    assert all("poetry install" not in f.message and "uv sync" not in f.message for f in findings)


def test_jt607_only_stages_that_reach_the_image(tmp_path: Path) -> None:
    text = (
        "FROM python:3.12-slim AS scratchpad\nRUN git clone https://x.org/t.git /t\n"
        "FROM python:3.12-slim AS build\nRUN git clone https://x.org/u.git /u\n"
        "FROM python:3.12-slim\nCOPY --from=build /u /u\n"
    )
    (finding,) = run(JT607, make_ctx(tmp_path, text))
    assert finding.line == 4


def test_jt607_add_of_a_git_branch(tmp_path: Path) -> None:
    text = (
        "FROM python:3.12-slim\nADD https://github.com/org/t.git /src/t\n"
        "ADD https://github.com/org/u.git#v1.2.0 /src/u\n"
    )
    (finding,) = run(JT607, make_ctx(tmp_path, text))
    assert finding.line == 2


# -- JT608 -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("run_line", "expected"),
    [
        ("apt-get install -y --allow-unauthenticated curl", "cannot authenticate"),
        ("apt-get -o Acquire::AllowInsecureRepositories=true update", "unsigned repositories"),
        (
            "echo 'deb [trusted=yes] http://repo.example.org/ stable main' "
            "> /etc/apt/sources.list.d/x.list",
            "[trusted=yes]",
        ),
        ("apk add --allow-untrusted /tmp/x.apk", "unsigned packages"),
        ("dnf install -y --nogpgcheck x", "--nogpgcheck"),
        (
            "pip install --trusted-host mirror.example.org -i http://mirror.example.org/simple x",
            "pip trusts mirror.example.org",
        ),
        ("pip config set global.trusted-host mirror.example.org", "pip trusts"),
        ("curl -fsSLk https://example.org/x.tgz -o /tmp/x.tgz", "curl -k"),
        ("wget --no-check-certificate https://example.org/x.tgz", "--no-check-certificate"),
        ("git -c http.sslVerify=false clone https://example.org/r.git", "sslVerify"),
        ("conda config --set ssl_verify false", "ssl_verify"),
    ],
)
def test_jt608_verification_turned_off(tmp_path: Path, run_line: str, expected: str) -> None:
    (finding,) = run(JT608, make_ctx(tmp_path, f"FROM ubuntu:24.04\nRUN {run_line}\n"))
    assert finding.severity.label == "error"
    assert expected in finding.message


@pytest.mark.parametrize(
    "line",
    [
        "ENV PIP_TRUSTED_HOST=mirror.example.org",
        "ENV GIT_SSL_NO_VERIFY=1",
        "ENV PYTHONHTTPSVERIFY=0",
        "ARG NODE_TLS_REJECT_UNAUTHORIZED=0",
    ],
)
def test_jt608_settings(tmp_path: Path, line: str) -> None:
    (finding,) = run(JT608, make_ctx(tmp_path, f"FROM ubuntu:24.04\n{line}\n"))
    assert finding.line == 2


@pytest.mark.parametrize(
    "text",
    [
        "FROM ubuntu:24.04\nRUN apt-get update && apt-get install -y curl\n",
        "FROM ubuntu:24.04\nRUN echo 'deb http://deb.debian.org/debian bookworm main' > /x\n",
        "FROM ubuntu:24.04\nRUN pip install -i https://mirror.example.org/simple x\n",
        "FROM ubuntu:24.04\nRUN curl -fsSL -o /tmp/k https://example.org/k\n",
        "FROM ubuntu:24.04\nENV GIT_SSL_NO_VERIFY=false PYTHONHTTPSVERIFY=1\n",
    ],
)
def test_jt608_negative(tmp_path: Path, text: str) -> None:
    assert run(JT608, make_ctx(tmp_path, text)) == []


def test_jt608_a_stage_nothing_is_taken_from_is_info(tmp_path: Path) -> None:
    text = (
        "FROM ubuntu:24.04 AS scratchpad\nRUN curl -k https://example.org/x\n"
        "FROM ubuntu:24.04\nRUN echo\n"
    )
    (finding,) = run(JT608, make_ctx(tmp_path, text))
    assert finding.severity.label == "info"


def test_jt608_in_a_script_the_run_executes(tmp_path: Path) -> None:
    _write(tmp_path, {"deps.sh": "#!/bin/sh\napt-get install -y --allow-unauthenticated x\n"})
    text = "FROM ubuntu:24.04\nCOPY deps.sh /tmp/\nRUN sh /tmp/deps.sh\n"
    (finding,) = run(JT608, make_ctx(tmp_path, text))
    assert "(in deps.sh)" in finding.message


# -- JT609 -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "grant",
    [
        "echo 'svc ALL=(ALL) NOPASSWD: ALL' >> /etc/sudoers",
        'echo "${APP_USER} ALL=(root) NOPASSWD:ALL" > /etc/sudoers.d/app',
        "usermod -aG sudo svc && echo '%sudo ALL=(ALL:ALL) NOPASSWD: ALL' >> /etc/sudoers",
        "sed -i 's/^%sudo.*/%sudo ALL=(ALL) NOPASSWD:ALL/' /etc/sudoers && adduser svc sudo",
    ],
)
def test_jt609_the_runtime_user_is_root_in_effect(tmp_path: Path, grant: str) -> None:
    text = (
        f"FROM ubuntu:24.04\nARG APP_USER=svc\nRUN useradd -m svc && {grant}\nUSER ${{APP_USER}}\n"
    )
    (finding,) = run(JT609, make_ctx(tmp_path, text))
    assert finding.line == 3
    assert finding.severity.label == "warning"
    assert "the image runs as svc" in finding.message


def test_jt609_a_sudoers_file_copied_in(tmp_path: Path) -> None:
    _write(tmp_path, {"conf/sudoers-app": "app ALL=(ALL) NOPASSWD: ALL\n"})
    text = "FROM ubuntu:24.04\nCOPY conf/sudoers-app /etc/sudoers.d/app\nUSER app\n"
    (finding,) = run(JT609, make_ctx(tmp_path, text))
    assert finding.line == 2 and finding.severity.label == "warning"


@pytest.mark.parametrize(
    "text",
    [
        # another user than the one the image runs as
        "FROM ubuntu:24.04\nRUN echo 'ops ALL=(ALL) NOPASSWD: ALL' >> /etc/sudoers\nUSER app\n",
        # the image runs as root anyway (JT601's finding)
        "FROM ubuntu:24.04\nRUN echo 'app ALL=(ALL) NOPASSWD: ALL' >> /etc/sudoers\n",
        # a group the user was never added to
        "FROM ubuntu:24.04\nRUN echo '%wheel ALL=(ALL) NOPASSWD: ALL' >> /etc/sudoers\nUSER app\n",
    ],
)
def test_jt609_grants_that_do_not_cover_the_runtime_user_are_info(
    tmp_path: Path, text: str
) -> None:
    (finding,) = run(JT609, make_ctx(tmp_path, text))
    assert finding.severity.label == "info"


def test_jt609_negative(tmp_path: Path) -> None:
    text = (
        "FROM ubuntu:24.04 AS dev\nRUN echo 'app ALL=(ALL) NOPASSWD: ALL' >> /etc/sudoers\n"
        "FROM ubuntu:24.04\nRUN echo 'app ALL=(ALL) ALL' >> /etc/sudoers\nUSER app\n"
    )
    assert run(JT609, make_ctx(tmp_path, text)) == []


@pytest.mark.parametrize(
    "run_line",
    [
        "npm install -g some-cli@latest",
        "go install example.org/tool/cmd/tool@latest",
        "conda install -y -c pytorch-nightly pytorch",
    ],
)
def test_jt607_latest_packages_and_nightly_channels(tmp_path: Path, run_line: str) -> None:
    assert len(run(JT607, make_ctx(tmp_path, f"FROM python:3.12-slim\nRUN {run_line}\n"))) == 1
