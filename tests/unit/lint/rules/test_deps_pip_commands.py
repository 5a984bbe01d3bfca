"""How the dependency rules read pip command lines and pick the production stages."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from jettison.lint.packages import (
    installed_at,
    installed_requirement_files,
    production_commands,
    production_packages,
    production_stages,
    torch_variant,
)

from ._stack_helpers import make_ctx, requirements_file


def _installs(tmp_path: Path, run_line: str) -> list[tuple[str, str]]:
    ctx = make_ctx(tmp_path, f"FROM python:3.11-slim\nRUN {run_line}\n")
    return [(d.name, d.specifier) for d in production_packages(ctx)]


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("pip install torch==2.1.0 numpy", [("torch", "==2.1.0"), ("numpy", "")]),
        ("pip3 install --no-cache-dir -U 'Flask>=3'", [("flask", ">=3")]),
        ("pip install Flask>=3", [("flask", "")]),  # the shell redirects to a file "=3"
        ("python -m pip install 'uvicorn[standard]==0.30.1'", [("uvicorn", "==0.30.1")]),
        ("python3.11 -m pip install -q requests", [("requests", "")]),
        ("/opt/venv/bin/pip install pandas", [("pandas", "")]),
        ("uv pip install --system polars==1.0", [("polars", "==1.0")]),
        (
            "pip install --index-url https://download.pytorch.org/whl/cpu torch torchvision",
            [("torch", ""), ("torchvision", "")],
        ),
        ("pip install -r requirements.txt -c constraints.txt", []),
        ("pip install -rrequirements.txt", []),
        ("pip install --extra-index-url=https://x/simple pkg", [("pkg", "")]),
        ("pip --no-cache-dir install black", [("black", "")]),
        ("pip install . /src/lib -e ./plugin[dev]", []),
        ("pip install $PACKAGES", []),
        (
            "pip install /wheels/torch-2.1.0+cpu-cp311-cp311-linux_x86_64.whl",
            [("torch", "==2.1.0+cpu")],
        ),
        ("pip download torch", []),
        ("pip uninstall -y torch", []),
        ("set -eux; pip install a && pip install b", [("a", ""), ("b", "")]),
        ("sh -c 'pip install a'", [("a", "")]),
        ("pip install --index-strategy unsafe-best-match x", [("x", "")]),
    ],
)
def test_pip_arguments(tmp_path: Path, line: str, expected: list[tuple[str, str]]) -> None:
    assert _installs(tmp_path, line) == expected


def test_production_stages_include_copied_environments(tmp_path: Path) -> None:
    text = (
        "FROM python:3.11 AS builder\n"  # 0: its venv is copied
        "RUN python -m venv /opt/venv && /opt/venv/bin/pip install flask\n"
        "FROM python:3.11 AS tests\n"  # 1: never copied
        "RUN pip install pytest\n"
        "FROM python:3.11 AS assets\n"  # 2: only a static file is copied
        "RUN pip install sass && sass build\n"
        "FROM python:3.11 AS prefixed\n"  # 3: installs into a prefix that is copied
        "RUN pip install --prefix=/install gunicorn\n"
        "FROM python:3.11-slim\n"
        "COPY --from=builder /opt/venv /opt/venv\n"
        "COPY --from=assets /out/site.css /static/\n"
        "COPY --from=prefixed /install /usr/local\n"
    )
    ctx = make_ctx(tmp_path, text)
    assert [s.index for s in production_stages(ctx.dockerfile)] == [0, 3, 4]
    assert [d.name for d in production_packages(ctx)] == ["flask", "gunicorn"]


def test_copied_wheels_are_not_an_environment(tmp_path: Path) -> None:
    text = (
        "FROM python:3.11 AS builder\n"
        "RUN pip install pytest && pip wheel -r requirements.txt -w /wheels && pytest\n"
        "FROM python:3.11-slim\n"
        "COPY --from=builder /wheels /wheels\n"
        "RUN pip install --no-index /wheels/*\n"
    )
    ctx = make_ctx(tmp_path, text)
    assert [s.index for s in production_stages(ctx.dockerfile)] == [1]
    assert production_packages(ctx) == []


def test_requirements_come_first_and_only_group_main(tmp_path: Path) -> None:
    main = requirements_file(tmp_path, "flask==3.0.3\n")
    dev = requirements_file(tmp_path, "pytest\n", name="requirements-dev.txt", group="dev")
    ctx = make_ctx(
        tmp_path,
        "FROM python:3.11-slim\nRUN pip install -r requirements.txt gunicorn\n",
        requirements=[*main, *dev],
    )
    found = production_packages(ctx)
    assert [(d.name, d.where(ctx)) for d in found] == [
        ("flask", "requirements.txt:1"),
        ("gunicorn", "Dockerfile:2"),
    ]


def test_pip_config_sets_the_index_of_later_installs(tmp_path: Path) -> None:
    text = (
        "FROM python:3.11-slim\n"
        "RUN pip config set global.index-url https://download.pytorch.org/whl/cpu\n"
        "RUN git config --global url.https://x/.insteadOf https://download.pytorch.org/whl/cu121\n"
        "RUN pip install torch\n"
    )
    ctx = make_ctx(tmp_path, text)
    (torch,) = production_packages(ctx)
    assert torch_variant(ctx, torch) == "cpu"


# -- which requirement files the image installs ------------------------------------------------


def _files(tmp_path: Path, dockerfile: str, *names: str) -> list[str] | None:
    reqs = [r for name in names for r in requirements_file(tmp_path, "x==1\n", name=name)]
    ctx = make_ctx(tmp_path, dockerfile, requirements=reqs)
    found = installed_requirement_files(ctx)
    return None if found is None else sorted(p.name for p in found)


def test_only_the_files_pip_installs_are_production(tmp_path: Path) -> None:
    text = (
        "FROM python:3.12-slim\nCOPY requirements*.txt /tmp/\n"
        "RUN pip install -r /tmp/requirements.txt\n"
    )
    assert _files(tmp_path, text, "requirements.txt", "requirements-gpu.txt") == [
        "requirements.txt"
    ]


def test_includes_renames_and_project_files(tmp_path: Path) -> None:
    base = requirements_file(tmp_path, "y==2\n", name="base.txt")
    svc = requirements_file(tmp_path, "-r base.txt\nx==1\n", name="svc.txt")
    other = requirements_file(tmp_path, "z==3\n", name="unused.txt")
    text = (
        "FROM python:3.12-slim\nCOPY svc.txt /tmp/service-requirements.txt\n"
        "RUN pip install -r /tmp/service-requirements.txt\n"
    )
    ctx = make_ctx(tmp_path, text, requirements=[*base, *svc, *other])
    found = installed_requirement_files(ctx)
    assert found is not None and sorted(p.name for p in found) == ["base.txt", "svc.txt"]
    # a project install reads the project files, and what setup.py opens
    (tmp_path / "setup.py").write_text("open('unused.txt')\n", encoding="utf-8")
    ctx = make_ctx(tmp_path, "FROM python:3.12-slim\nRUN pip install .\n", requirements=other)
    assert installed_requirement_files(ctx) == frozenset({tmp_path / "unused.txt"})
    # --no-deps installs the project alone
    ctx = make_ctx(
        tmp_path, "FROM python:3.12-slim\nRUN pip install --no-deps .\n", requirements=other
    )
    assert installed_requirement_files(ctx) == frozenset()


def test_when_the_installed_files_cannot_be_told(tmp_path: Path) -> None:
    assert _files(tmp_path, "FROM python:3.12-slim\nCOPY . /app\n", "requirements.txt") is None
    text = "FROM python:3.12-slim\nRUN pip install -r $REQS\n"
    assert _files(tmp_path, text, "requirements.txt") is None
    (tmp_path / "install.sh").write_text("pip install -r requirements.txt\n", encoding="utf-8")
    text = "FROM python:3.12-slim\nRUN pip install flask && ./install.sh\n"
    assert _files(tmp_path, text, "requirements.txt") is None
    # a downloaded installer does not read the project's files
    text = "FROM python:3.12-slim\nRUN bash /tmp/miniconda.sh -b && pip install flask\n"
    assert _files(tmp_path, text, "requirements.txt") == []


def test_installs_a_default_build_skips(tmp_path: Path) -> None:
    text = (
        "FROM python:3.12-slim\nARG TEST_ENV\nARG EXTRAS=--no-deps\n"
        "RUN pip install -r requirements.txt && "
        'if [ "$TEST_ENV" = "true" ]; then pip install -r requirements-test.txt; fi\n'
        "RUN pip install $EXTRAS gunicorn\n"
    )
    assert _files(tmp_path, text, "requirements.txt", "requirements-test.txt") == [
        "requirements.txt"
    ]
    ctx = make_ctx(tmp_path, text)
    commands = [c.argv for _, c in production_commands(ctx)]
    assert ("pip", "install", "--no-deps", "gunicorn") in commands


def test_a_copy_of_the_whole_filesystem_ships_the_environment(tmp_path: Path) -> None:
    text = "FROM python:3.12 AS base\nRUN pip install flask\nFROM scratch\nCOPY --from=base / /\n"
    ctx = make_ctx(tmp_path, text)
    assert [s.index for s in production_stages(ctx.dockerfile)] == [0, 1]
    assert [d.name for d in production_packages(ctx)] == ["flask"]


def test_extras_the_installs_ask_for(tmp_path: Path) -> None:
    main = requirements_file(tmp_path, "fastapi==0.115.0\n", name="pyproject.toml")
    gpu, docs = (
        dataclasses.replace(r, section="project.optional-dependencies")
        for r in requirements_file(tmp_path, "onnxruntime-gpu==1.19.2\nsphinx==8.0\n")
    )
    gpu = dataclasses.replace(gpu, group="gpu", file=main[0].file)
    docs = dataclasses.replace(docs, group="docs", file=main[0].file)
    reqs = [*main, gpu, docs]
    for line, expected in (
        ("pip install '.[gpu]'", ["fastapi", "onnxruntime-gpu"]),
        ("uv sync --extra gpu --no-dev", ["fastapi", "onnxruntime-gpu"]),
        ("uv sync --all-extras", ["fastapi", "onnxruntime-gpu", "sphinx"]),
        ("pip install .", ["fastapi"]),
    ):
        ctx = make_ctx(tmp_path, f"FROM python:3.12-slim\nRUN {line}\n", requirements=reqs)
        assert [d.name for d in production_packages(ctx)] == expected, line


def test_where_each_package_is_installed(tmp_path: Path) -> None:
    reqs = requirements_file(tmp_path, "flask==3.0.3\n")
    text = (
        "FROM python:3.12-slim\nRUN pip install gunicorn\nCOPY requirements.txt .\n"
        "RUN pip install -r requirements.txt\n"
    )
    ctx = make_ctx(tmp_path, text, requirements=reqs)
    where = {d.name: installed_at(ctx, d) for d in production_packages(ctx)}
    assert {name: run.position.line for name, run in where.items() if run} == {
        "flask": 4,
        "gunicorn": 2,
    }
