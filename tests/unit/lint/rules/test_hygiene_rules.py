"""JT4xx one by one: positive and negative Dockerfiles, build contexts made in tmp_path."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from jettison.inspect.report import HiddenPath, InspectReport, Shadowed
from jettison.lint.model import Finding, ImportedName, Rule, Severity
from jettison.lint.rules import RULES
from jettison.lint.rules.hygiene import (
    RULES as HYGIENE_RULES,
)
from jettison.lint.rules.hygiene import (
    jt401_build_tools_in_final,
    jt402_copy_whole_context,
    jt403_requirements_after_source,
    jt404_deleted_later,
    jt405_recursive_chown,
    jt406_installers_left,
    jt407_conda_clean,
    jt408_second_python,
)
from support.files import write

from ._stack_helpers import make_ctx, make_image, run

ROOT = Path(__file__).resolve().parents[4]
TEXT_SERVICE = ROOT / "examples" / "text-service"


def lint(rule: Rule, tmp_path: Path, text: str, **kwargs: object) -> list[Finding]:
    return run(rule, make_ctx(tmp_path, text, **kwargs))  # type: ignore[arg-type]


def lines(findings: list[Finding]) -> list[int]:
    return [f.line for f in findings]


def put(root: Path, relative: str, data: bytes | str = b"x") -> Path:
    return write(root, relative, data)


def image_hiding(*rows: tuple[str, int]) -> InspectReport:
    hidden = tuple(HiddenPath(path, size, 1, 2, "deleted") for path, size in rows)
    shadowed = Shadowed(sum(size for _, size in rows), len(rows), ((1, 0),), hidden)
    return dataclasses.replace(make_image(reference="build/app.tar"), shadowed=shadowed)


def test_registry() -> None:
    assert [r.code for r in HYGIENE_RULES] == [f"JT40{n}" for n in range(1, 9)]
    assert all(rule in RULES for rule in HYGIENE_RULES)


@pytest.mark.parametrize("rule", HYGIENE_RULES, ids=lambda r: r.code)
def test_every_rule_has_a_docstring_saying_why(rule: Rule) -> None:
    module = __import__(rule.check.__module__, fromlist=["_"])
    assert module.__doc__ and "Why it matters" in module.__doc__


# --- JT401 ----------------------------------------------------------------------------------


def test_jt401_single_stage(tmp_path: Path) -> None:
    text = (
        "FROM python:3.11-slim\n"
        "RUN apt-get update && apt-get install -y --no-install-recommends build-essential "
        "python3-dev libpq-dev libpq5 gcc-12=12.2.0-14 && rm -rf /var/lib/apt/lists/*\n"
    )
    [finding] = lint(jt401_build_tools_in_final.RULE, tmp_path, text)
    assert finding.line == 2
    assert "build-essential, gcc-12, libpq-dev, python3-dev" in finding.message
    assert "libpq5" not in finding.message
    assert "single-stage" in finding.message
    assert finding.fix and "builder stage" in finding.fix


def test_jt401_builder_stage_is_fine_final_stage_is_not(tmp_path: Path) -> None:
    text = (
        "FROM python:3.11 AS builder\nRUN apt-get install -y build-essential cmake\n"
        "FROM python:3.11-slim\nRUN dnf install -y gcc-c++ python3-devel\n"
    )
    [finding] = lint(jt401_build_tools_in_final.RULE, tmp_path, text)
    assert finding.line == 4 and "gcc-c++, python3-devel" in finding.message
    assert "of the final image" in finding.message


@pytest.mark.parametrize(
    "run_line",
    [
        "RUN apt-get install -y gcc && pip install x && apt-get purge -y --auto-remove gcc",
        "RUN apk add --no-cache --virtual .build-deps gcc musl-dev && pip install x "
        "&& apk del .build-deps",
        "RUN apt-get install -y --no-install-recommends libgomp1 curl",
        "RUN pip install --no-cache-dir cmake",
    ],
)
def test_jt401_accepts(tmp_path: Path, run_line: str) -> None:
    assert lint(jt401_build_tools_in_final.RULE, tmp_path, f"FROM python:3.11\n{run_line}\n") == []


def test_jt401_python3_pip_recommends_build_tools(tmp_path: Path) -> None:
    text = (
        "FROM ubuntu:22.04\n"
        "RUN apt-get update && apt-get install -y python3-pip && rm -rf /var/lib/apt/lists/*\n"
    )
    [finding] = lint(jt401_build_tools_in_final.RULE, tmp_path, text)
    assert finding.severity is Severity.WARNING
    assert "also installs build-essential, python3-dev (its recommends)" in finding.message
    assert finding.fix and "--no-install-recommends" in finding.fix
    configured = text.replace(
        "RUN apt-get update",
        "RUN echo 'APT::Install-Recommends \"0\";' > /etc/apt/apt.conf.d/no\nRUN apt-get update",
    )
    assert lint(jt401_build_tools_in_final.RULE, tmp_path, configured) == []


def test_jt401_small_tools_are_info(tmp_path: Path) -> None:
    text = (
        "FROM python:3.11-slim\nWORKDIR /src\n"
        "RUN apt-get update && apt-get install -y --no-install-recommends git make "
        "&& rm -rf /var/lib/apt/lists/*\n"  # 3
        "RUN pip install --no-cache-dir poetry && poetry install --only main\n"  # 4
        "RUN pip install --no-cache-dir pipx && pip uninstall -y pipx\n"  # gone again
        "RUN git clone https://example.com/lib.git && cd lib && pip install --no-cache-dir .\n"
        "RUN git clone https://example.com/dev.git && pip install -e dev\n"  # editable: needed
        "RUN git clone https://example.com/x.git /opt/x && pip install /opt/x && rm -rf /opt/x\n"
        "COPY --from=ghcr.io/astral-sh/uv:0.5 /uv /bin/\n"  # 9
    )
    findings = lint(jt401_build_tools_in_final.RULE, tmp_path, text)
    assert [(f.line, f.severity) for f in findings] == [
        (3, Severity.INFO),
        (4, Severity.INFO),
        (6, Severity.INFO),
        (9, Severity.INFO),
    ]
    build_time, poetry, checkout, uv = (f.message for f in findings)
    assert build_time.startswith("git, make stay in this single-stage image")
    assert poetry.startswith("Poetry stays") and uv.startswith("uv stays")
    assert checkout.startswith("the source checkout /src/lib stays")


def test_jt401_poetry_home_copied_from_a_builder(tmp_path: Path) -> None:
    text = (
        "FROM python:3.11-slim AS base\nENV POETRY_HOME=/opt/poetry\n"
        "FROM base AS build\nRUN curl -sSL https://install.python-poetry.org | python -\n"
        "FROM base\nCOPY --from=build $POETRY_HOME $POETRY_HOME\n"  # 6
    )
    [finding] = lint(jt401_build_tools_in_final.RULE, tmp_path, text)
    assert finding.line == 6 and finding.message.startswith("Poetry stays")


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("FROM python:3.11\nRUN apt-get install -y g++\n", "already ships a compiler"),
        (
            "FROM nvidia/cuda:12.4.1-runtime-ubuntu22.04\n"
            "RUN apt-get install -y build-essential && pip install torch==2.5.1\n",
            "may compile kernels at run time",
        ),
        (
            "FROM debian:12-slim\nRUN apt-get install -y gcc && pip install deepspeed\n",
            "may compile kernels at run time",
        ),
    ],
)
def test_jt401_info_when_a_compiler_is_there_or_needed(tmp_path: Path, text: str, why: str) -> None:
    [finding] = lint(jt401_build_tools_in_final.RULE, tmp_path, text)
    assert finding.severity is Severity.INFO and why in finding.message


def test_jt401_reads_scripts_and_stages_copied_whole(tmp_path: Path) -> None:
    put(tmp_path, "setup.sh", "apt-get update\napt-get install -y --no-install-recommends cmake\n")
    text = (
        "FROM python:3.11-slim AS base\nCOPY setup.sh /tmp/\nRUN sh /tmp/setup.sh\n"  # 3
        "FROM scratch\nCOPY --from=base / /\n"
    )
    [finding] = lint(jt401_build_tools_in_final.RULE, tmp_path, text)
    assert finding.line == 3 and finding.message.startswith("cmake installed in stage")
    assert finding.severity is Severity.WARNING


# --- JT402 ----------------------------------------------------------------------------------


def junk_context(root: Path) -> None:
    put(root, ".git/objects/pack/p.pack", b"g" * 1000)
    put(root, ".venv/pyvenv.cfg", "home = /usr\n")
    put(root, ".venv/lib/site.py", b"v" * 500)
    put(root, "app/main.py", "print()\n")
    put(root, "app/__pycache__/main.cpython-311.pyc", b"c" * 10)
    put(root, "notebooks/eda.ipynb", b"n" * 20)
    put(root, "data/train.csv", b"d" * 300)
    put(root, ".env", "HF_TOKEN=x\n")
    put(root, "tests/test_main.py", b"t" * 100)


def test_jt402_without_dockerignore_lists_what_ships(tmp_path: Path) -> None:
    junk_context(tmp_path)
    text = "FROM python:3.11\nWORKDIR /app\nCOPY . .\n"
    [finding] = lint(jt402_copy_whole_context.RULE, tmp_path, text)
    assert finding.line == 3 and finding.severity is Severity.WARNING
    assert "no .dockerignore" in finding.message
    # the six largest, then a count of the rest (app/__pycache__, 10 bytes)
    for name in (".git", ".venv", "notebooks/eda.ipynb", "data", ".env", "tests (test suite"):
        assert name in finding.message
    assert "app/__pycache__" not in finding.message and "1 more" in finding.message
    assert finding.message.index(".git (Git history") < finding.message.index(".venv")
    assert finding.fix and "**/__pycache__" in finding.fix and "**/*.ipynb" in finding.fix
    assert finding.saving is not None
    # the saving counts the files (sizes as written), not the Dockerfile
    assert finding.saving.size_bytes >= 1000 + 500 + 10 + 20 + 300
    assert "build context" in finding.saving.source


def test_jt402_dockerignore_that_covers_everything(tmp_path: Path) -> None:
    junk_context(tmp_path)
    ignore = [".git", ".venv", "**/__pycache__", "**/*.ipynb", "data/", ".env", "tests"]
    text = "FROM python:3.11\nCOPY . /app\n"
    assert lint(jt402_copy_whole_context.RULE, tmp_path, text, dockerignore=ignore) == []


def test_jt402_dockerignore_with_gaps(tmp_path: Path) -> None:
    junk_context(tmp_path)
    ignore = [".git", "*.ipynb", "data", "!data/train.csv", ".env", "venv"]
    [finding] = lint(
        jt402_copy_whole_context.RULE, tmp_path, "FROM python:3.11\nADD . .\n", dockerignore=ignore
    )
    assert "does not exclude" in finding.message
    assert ".venv" in finding.message and "notebooks/eda.ipynb" in finding.message
    assert "app/__pycache__" in finding.message
    assert "data/train.csv" not in finding.message  # a directory re-included file is data,
    assert ".git " not in finding.message  # but only top-level data dirs are reported


def test_jt402_no_dockerignore_even_when_the_context_is_clean(tmp_path: Path) -> None:
    put(tmp_path, "main.py", "print()\n")
    [finding] = lint(jt402_copy_whole_context.RULE, tmp_path, "FROM python:3.11\nCOPY ./ /app/\n")
    assert "no .dockerignore" in finding.message and finding.saving is None


@pytest.mark.parametrize(
    "copy_line", ["COPY app/ ./app/", "COPY --from=builder . .", "COPY requirements.txt ."]
)
def test_jt402_narrow_copies_are_fine(tmp_path: Path, copy_line: str) -> None:
    junk_context(tmp_path)
    assert lint(jt402_copy_whole_context.RULE, tmp_path, f"FROM python:3.11\n{copy_line}\n") == []


def test_jt402_builder_stage_is_info_without_saving(tmp_path: Path) -> None:
    junk_context(tmp_path)
    text = "FROM python:3.11 AS build\nCOPY . .\nFROM python:3.11-slim\nCOPY --from=build /x /x\n"
    [finding] = lint(jt402_copy_whole_context.RULE, tmp_path, text)
    assert finding.severity is Severity.INFO and finding.saving is None


def test_jt402_what_a_working_copy_holds(tmp_path: Path) -> None:
    # this context shows no .git or .env, but a build from a checkout has them
    put(tmp_path, "svc/main.py", "from dotenv import load_dotenv\n")
    text = "FROM python:3.11-slim\nCOPY . /app\n"
    imports = [ImportedName("dotenv", tmp_path / "svc/main.py", 1)]
    ctx = make_ctx(tmp_path, text, dockerignore=["__pycache__"], imports=imports)
    [finding] = run(jt402_copy_whole_context.RULE, ctx)
    assert finding.severity is Severity.INFO and finding.line == 2
    assert ".dockerignore does not exclude .git, .env" in finding.message
    assert finding.fix == "List .git, .env in .dockerignore."
    ctx = make_ctx(tmp_path, text, dockerignore=[".git*", "**/.env"], imports=imports)
    assert run(jt402_copy_whole_context.RULE, ctx) == []
    # no dotenv: only .git; a context inside a checkout has no .git of its own
    [finding] = lint(jt402_copy_whole_context.RULE, tmp_path, text, dockerignore=["*.pyc"])
    assert "does not exclude .git," in finding.message and ".env" not in finding.message
    (tmp_path / ".git").mkdir()
    sub = tmp_path / "svc"
    assert lint(jt402_copy_whole_context.RULE, sub, text, dockerignore=["*.pyc"]) == []


# --- JT403 ----------------------------------------------------------------------------------


def test_jt403_copy_all_before_install(tmp_path: Path) -> None:
    put(tmp_path, "requirements.txt", "flask\n")
    put(tmp_path, "app/main.py", "")
    text = (
        "FROM python:3.11\nWORKDIR /app\nCOPY . .\n"
        "RUN pip install --no-cache-dir -r requirements.txt\n"
    )
    [finding] = lint(jt403_requirements_after_source.RULE, tmp_path, text)
    assert finding.line == 4 and finding.severity is Severity.WARNING
    assert "`COPY . .` (line 3)" in finding.message
    assert "pip install --no-cache-dir -r requirements.txt" in finding.message
    assert finding.fix and "requirement" in finding.fix


def test_jt403_app_directory_before_install(tmp_path: Path) -> None:
    put(tmp_path, "svc/requirements.txt", "flask\n")
    put(tmp_path, "svc/main.py", "")
    put(tmp_path, "reqs/requirements.txt", "flask\n")
    put(tmp_path, "reqs/constraints.txt", "flask\n")
    text = (
        "FROM python:3.11\n"
        "COPY reqs/ /reqs/\n"  # only requirement files: fine
        "RUN pip install --no-cache-dir -r /reqs/requirements.txt\n"
        "COPY svc/ /svc/\n"  # 4: the source
        "RUN python -m pip install --no-cache-dir --requirement=/svc/requirements.txt\n"  # 5
    )
    assert lines(lint(jt403_requirements_after_source.RULE, tmp_path, text)) == [5]


@pytest.mark.parametrize(
    "text",
    [
        "COPY . .\nRUN pip install --no-cache-dir -e .",
        "COPY . .\nRUN pip install --no-cache-dir -r requirements.txt .",
        "COPY . .\nRUN python setup.py install",
        "COPY . .\nRUN poetry install --only main",
        "COPY . .\nRUN uv sync --frozen --no-install-project",
        "COPY . .\nRUN pdm install --prod",
        "COPY . .\nRUN pipenv install --deploy",
        "COPY . .\nRUN conda env create -f environment.yml",
        "COPY . .\nRUN apt-get update && apt-get install -y --no-install-recommends ffmpeg",
        "COPY main.py model.pt ./\nRUN pip install fastapi",
        "COPY server server\nRUN pip install ./server",  # not in the context: a folder
    ],
)
def test_jt403_every_installer(tmp_path: Path, text: str) -> None:
    put(tmp_path, "requirements.txt", "flask\n")
    put(tmp_path, "main.py", "")
    put(tmp_path, "model.pt", b"w")
    findings = lint(jt403_requirements_after_source.RULE, tmp_path, f"FROM python:3.11\n{text}\n")
    assert lines(findings) == [3]


@pytest.mark.parametrize(
    "text",
    [
        "COPY requirements.txt .\nRUN pip install --no-cache-dir -r requirements.txt\nCOPY . .",
        "COPY . .\nFROM python:3.11\nRUN pip install -r requirements.txt",
        # the project alone, once its dependencies are in
        "COPY pyproject.toml poetry.lock ./\nRUN poetry install --no-root\nCOPY . .\n"
        "RUN poetry install --only main",
        "COPY requirements.txt .\nRUN pip install -r requirements.txt\nCOPY . .\n"
        "RUN pip install -e .",
        "COPY pyproject.toml uv.lock ./\nRUN uv sync --frozen --no-install-project\nCOPY . .\n"
        "RUN uv sync --frozen",
        "COPY . .\nRUN pip install --no-deps .",
        "COPY . .\nRUN poetry install --only-root",
        # packaging tools, configuration, scripts: not the service's source
        "COPY . .\nRUN pip install --upgrade pip setuptools wheel && pip install poetry",
        "COPY config.yaml entrypoint.sh /etc/app/\nRUN pip install flask",
        "COPY requirements/ /req/\nRUN pip install -r /req/base.txt",
    ],
)
def test_jt403_accepts(tmp_path: Path, text: str) -> None:
    put(tmp_path, "requirements.txt", "flask\n")
    put(tmp_path, "config.yaml", "a: 1\n")
    put(tmp_path, "entrypoint.sh", "exec app\n")
    assert lint(jt403_requirements_after_source.RULE, tmp_path, f"FROM python:3.11\n{text}\n") == []


def test_jt403_uv_pip(tmp_path: Path) -> None:
    text = "FROM python:3.11\nCOPY . .\nRUN uv pip install --system -r requirements.txt\n"
    assert lines(lint(jt403_requirements_after_source.RULE, tmp_path, text)) == [3]


def test_jt403_once_per_stage_and_tool_specific_fix(tmp_path: Path) -> None:
    text = (
        "FROM python:3.11\nCOPY . .\n"
        "RUN pip install poetry && poetry install\n"  # 3: the first
        "RUN pip install gunicorn\n"  # the same stage: not again
    )
    [finding] = lint(jt403_requirements_after_source.RULE, tmp_path, text)
    assert finding.line == 3 and "`poetry install`" in finding.message
    assert finding.fix and "poetry install --no-root" in finding.fix


def test_jt403_stages(tmp_path: Path) -> None:
    text = (
        "FROM python:3.11 AS builder\nCOPY . .\nRUN pip install -r requirements.txt\n"  # 3
        "FROM python:3.11 AS base\nCOPY app/ /app/\n"
        "FROM base\nRUN pip install flask\n"  # 7: the source came with the parent stage
    )
    put(tmp_path, "app/main.py", "")
    findings = lint(jt403_requirements_after_source.RULE, tmp_path, text)
    assert [(f.line, f.severity) for f in findings] == [
        (3, Severity.INFO),  # a builder: build time only
        (7, Severity.WARNING),
    ]


def test_jt403_install_in_a_script(tmp_path: Path) -> None:
    put(tmp_path, "install.sh", "#!/bin/sh\npip install -r requirements.txt\n")
    text = "FROM python:3.11\nWORKDIR /app\nCOPY . .\nRUN sh install.sh\n"
    [finding] = lint(jt403_requirements_after_source.RULE, tmp_path, text)
    assert finding.line == 4 and "pip install -r requirements.txt" in finding.message


# --- JT404 ----------------------------------------------------------------------------------


def test_jt404_copy_then_rm(tmp_path: Path) -> None:
    put(tmp_path, "big.tar.gz", b"b" * 2_000_000)
    text = (
        "FROM debian:12\nCOPY big.tar.gz /tmp/\n"
        "RUN tar -xzf /tmp/big.tar.gz -C /opt\nRUN rm /tmp/big.tar.gz\n"
    )
    [finding] = lint(jt404_deleted_later.RULE, tmp_path, text)
    assert finding.line == 4 and finding.severity is Severity.WARNING
    assert "/tmp/big.tar.gz (COPY on line 2, 2.0 MB)" in finding.message
    assert finding.fix and "in the RUN that creates them" in finding.fix
    assert finding.saving is None


def test_jt404_download_then_rm_in_another_run(tmp_path: Path) -> None:
    text = (
        "FROM debian:12\nWORKDIR /tmp\n"
        "RUN wget -q https://example.com/dl/model.bin?raw=1\n"
        "RUN curl -fsSLo /opt/x.zip https://example.com/x.zip && rm /opt/x.zip\n"
        "RUN rm -f model.bin && rm -rf /opt/*.zip\n"
    )
    [finding] = lint(jt404_deleted_later.RULE, tmp_path, text)
    assert finding.line == 5 and finding.severity is Severity.WARNING  # size unknown
    assert "/tmp/model.bin (wget on line 3)" in finding.message
    assert "/opt/*.zip" not in finding.message  # removed in its own RUN already


def test_jt404_whole_context_copy_then_rm_of_what_it_brought(tmp_path: Path) -> None:
    put(tmp_path, "data/raw/dump.jsonl")
    text = "FROM python:3.11\nWORKDIR /app\nCOPY . .\nRUN rm -rf data/raw\nRUN rm -rf build/\n"
    [finding] = lint(jt404_deleted_later.RULE, tmp_path, text)
    assert finding.line == 4 and "/app/data/raw (COPY on line 3, 1 B)" in finding.message
    assert finding.severity is Severity.INFO  # measured in the context, and tiny


def test_jt404_glob_copy(tmp_path: Path) -> None:
    put(tmp_path, "wheels/a-1.0-py3-none-any.whl", b"w" * 3_000_000)
    put(tmp_path, "wheels/b-1.0-py3-none-any.whl")
    text = (
        "FROM python:3.11\nCOPY wheels/*.whl /tmp/w/\n"
        "RUN pip install --no-cache-dir /tmp/w/*.whl\nRUN rm /tmp/w/a-1.0-py3-none-any.whl\n"
    )
    [finding] = lint(jt404_deleted_later.RULE, tmp_path, text)
    assert "3.0 MB" in finding.message and finding.severity is Severity.WARNING


def test_jt404_measured_hidden_bytes(tmp_path: Path) -> None:
    put(tmp_path, "big.tar.gz")
    text = "FROM debian:12\nCOPY big.tar.gz /tmp/\nRUN rm /tmp/big.tar.gz\n"
    image = image_hiding(("tmp/big.tar.gz", 500_000_000), ("usr/lib/other.so", 7))
    [finding] = lint(jt404_deleted_later.RULE, tmp_path, text, image=image)
    assert finding.saving is not None and finding.saving.size_bytes == 500_000_000


@pytest.mark.parametrize(
    "text",
    [
        "RUN wget https://x/y.tar.gz && tar xzf y.tar.gz && rm y.tar.gz",
        "RUN rm -rf /var/lib/apt/lists/*",
        "COPY --from=b /x /x\nFROM debian:12\nRUN rm -rf /x",
        "RUN rm -rf /",
    ],
)
def test_jt404_accepts(tmp_path: Path, text: str) -> None:
    assert lint(jt404_deleted_later.RULE, tmp_path, f"FROM debian:12 AS b\n{text}\n") == []


def test_jt404_download_over_an_earlier_download(tmp_path: Path) -> None:
    text = (
        "FROM debian:12\nENV MODELS=/srv/models\nWORKDIR /srv\n"
        "RUN wget -O models/vae.safetensors https://example.com/a/vae.safetensors\n"  # 4
        "RUN curl -L -o /srv/notes.txt https://example.com/notes.txt\n"
        "RUN wget -O ${MODELS}/vae.safetensors https://example.com/b/vae.safetensors\n"  # 6
        "RUN wget -O ${MODELS}/other.safetensors https://example.com/other.safetensors\n"
        "RUN git clone https://example.com/repo.git /srv/repo\n"
        "RUN wget -O /srv/repo/extra.bin https://example.com/extra.bin\n"  # a new file
    )
    [finding] = lint(jt404_deleted_later.RULE, tmp_path, text)
    assert finding.line == 6 and finding.severity is Severity.WARNING
    assert "downloads /srv/models/vae.safetensors again, over the one of line 4" in finding.message
    assert finding.fix and "once" in finding.fix


def test_jt404_purge_and_clean_in_a_later_run(tmp_path: Path) -> None:
    text = (
        "FROM python:3.11-slim\n"
        "RUN apt-get update && apt-get install -y --no-install-recommends gcc libpq-dev\n"  # 2
        "RUN micromamba install -y -n base numpy\n"  # 3
        "RUN pip install --no-cache-dir psycopg2\n"
        "RUN apt-get purge -y gcc g++ && rm -rf /var/lib/apt/lists/*\n"  # 5
        "RUN micromamba clean --all --yes\n"  # 6
        "RUN apt-get update && apt-get install -y curl && apt-get purge -y curl "
        "&& rm -rf /var/lib/apt/lists/*\n"  # installed and purged in one RUN: fine
    )
    findings = lint(jt404_deleted_later.RULE, tmp_path, text)
    assert lines(findings) == [5, 6]
    purge, clean = findings
    assert "removes gcc (installed on line 2)" in purge.message
    assert f"cleans apt's package lists ({'/var/lib/apt/lists'}), filled on line 2" in purge.message
    assert "cleans conda's package cache (<prefix>/pkgs), filled on line 3" in clean.message
    assert purge.fix and "in the RUN that installs them" in purge.fix
    assert clean.fix and "same RUN" in clean.fix
    assert all(f.severity is Severity.WARNING for f in findings)


def test_jt404_builder_usr_local_over_the_python_image(tmp_path: Path) -> None:
    text = (
        "FROM python:3.12-slim AS builder\nRUN pip install --prefix=/install flask\n"
        "FROM python:3.12-slim\n"
        "COPY --from=builder /usr/local /usr/local\n"  # 4: the stdlib again
        "COPY --from=builder /install /usr/local\n"  # only what pip added: fine
        "COPY --from=builder /usr/local/lib/python3.12/site-packages "
        "/usr/local/lib/python3.12/site-packages\n"  # fine
    )
    [finding] = lint(jt404_deleted_later.RULE, tmp_path, text)
    assert finding.line == 4 and finding.severity is Severity.INFO
    assert "over the base image's own Python" in finding.message
    assert finding.fix and "--prefix=/install" in finding.fix
    other_base = text.replace("FROM python:3.12-slim\nCOPY", "FROM debian:12-slim\nCOPY")
    assert lint(jt404_deleted_later.RULE, tmp_path, other_base) == []


# --- JT405 ----------------------------------------------------------------------------------


def test_jt405_template_chown_after_copy(tmp_path: Path) -> None:
    put(tmp_path, "libs/a.py")
    text = (
        "FROM python:3.12-slim\nWORKDIR /app\nCOPY libs/ ./libs/\n"
        "RUN chown -R appuser:appuser /app\nUSER appuser\n"
    )
    [finding] = lint(jt405_recursive_chown.RULE, tmp_path, text)
    assert finding.line == 4 and finding.severity is Severity.INFO
    assert "/app" in finding.message and "COPY on line 3" in finding.message
    assert finding.fix and "COPY --chown=" in finding.fix


def test_jt405_chmod_of_a_copied_venv(tmp_path: Path) -> None:
    text = (
        "FROM python:3.12 AS b\nRUN python -m venv /opt/venv\n"
        "FROM python:3.12-slim\nCOPY --from=b /opt/venv /opt/venv\n"
        "RUN chmod --recursive g+w /opt/venv/lib\n"
    )
    [finding] = lint(jt405_recursive_chown.RULE, tmp_path, text)
    assert finding.line == 5 and "COPY --chmod=" in (finding.fix or "")


def test_jt405_chown_of_what_an_earlier_run_downloaded(tmp_path: Path) -> None:
    text = "FROM debian:12\nRUN git clone https://x/repo.git /src\nRUN chgrp -hR app /src\n"
    [finding] = lint(jt405_recursive_chown.RULE, tmp_path, text)
    assert "git clone" in finding.message and "RUN that creates" in (finding.fix or "")


@pytest.mark.parametrize(
    "text",
    [
        "RUN git clone https://x/repo.git /src && chown -R app /src",
        "RUN useradd -m app\nRUN chown -R app /home/app",
        "COPY a.py /app/\nRUN chown app /app/a.py",
        "COPY --chown=app a.py /app/",
    ],
)
def test_jt405_accepts(tmp_path: Path, text: str) -> None:
    assert lint(jt405_recursive_chown.RULE, tmp_path, f"FROM debian:12\n{text}\n") == []


def test_jt405_expands_the_stage_variables(tmp_path: Path) -> None:
    put(tmp_path, "server/main.py", "")
    text = (
        "FROM python:3.11-slim\nARG NAME=svc\nWORKDIR /${NAME}\nCOPY server ./server\n"
        "RUN useradd app && chown -R app:app /${NAME}/\n"
    )
    [finding] = lint(jt405_recursive_chown.RULE, tmp_path, text)
    assert finding.line == 5 and "of /svc rewrites what COPY on line 4 added" in finding.message


# --- JT406 ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("run_line", "left"),
    [
        ("RUN wget https://bootstrap.pypa.io/get-pip.py && python get-pip.py", "/get-pip.py"),
        (
            "RUN curl -fsSLo /tmp/mc.sh https://repo.anaconda.com/Miniconda3-latest.sh "
            "&& bash /tmp/mc.sh -b -p /opt/conda",
            "/tmp/mc.sh",
        ),
        (
            "RUN curl -LO https://x/cuda_12.1.0_530.30.02_linux.run"
            " && sh cuda_12.1.0_530.30.02_linux.run",
            "/cuda_12.1.0_530.30.02_linux.run",
        ),
        (
            "RUN wget -P /opt https://x/tool.tar.gz && tar -C /opt -xzf /opt/tool.tar.gz",
            "/opt/tool.tar.gz",
        ),
        ("RUN wget -O pkg.deb https://x/y && dpkg -i pkg.deb", "/pkg.deb"),
    ],
)
def test_jt406_downloads_left_behind(tmp_path: Path, run_line: str, left: str) -> None:
    [finding] = lint(jt406_installers_left.RULE, tmp_path, f"FROM debian:12\n{run_line}\n")
    assert left in finding.message and f"rm -f {left}" in (finding.fix or "")


@pytest.mark.parametrize(
    "run_line",
    [
        "RUN wget https://bootstrap.pypa.io/get-pip.py && python get-pip.py && rm get-pip.py",
        "RUN curl -fsSL https://x/install.sh | sh",
        "RUN wget -qO- https://x/tool.tar.gz | tar -xz",
        "RUN curl -o /tmp/x.deb https://x/x.deb && dpkg -i /tmp/x.deb && rm -rf /tmp/*",
        "RUN curl -fsSLo /usr/local/bin/tini https://x/tini && chmod +x /usr/local/bin/tini",
    ],
)
def test_jt406_accepts(tmp_path: Path, run_line: str) -> None:
    assert lint(jt406_installers_left.RULE, tmp_path, f"FROM debian:12\n{run_line}\n") == []


def test_jt406_copied_installer(tmp_path: Path) -> None:
    put(tmp_path, "pkgs/tool_1.0_amd64.deb")
    put(tmp_path, "app/main.py")
    text = (
        "FROM debian:12\nCOPY pkgs/tool_1.0_amd64.deb /tmp/\nCOPY app/ /app/\n"
        "RUN dpkg -i /tmp/tool_1.0_amd64.deb\n"
    )
    [finding] = lint(jt406_installers_left.RULE, tmp_path, text)
    assert finding.line == 2 and "/tmp/tool_1.0_amd64.deb" in finding.message
    assert "--mount=type=bind" in (finding.fix or "")
    assert finding.severity is Severity.INFO  # 1 byte, measured in the context


def test_jt406_copied_installer_severity_follows_its_size(tmp_path: Path) -> None:
    put(tmp_path, "big/engine_2.0_amd64.deb", b"d" * 2_000_000)
    put(tmp_path, "install.sh", "apt-get install -y x\n")
    text = "FROM debian:12\nCOPY big/engine_2.0_amd64.deb install.sh /tmp/\n"
    findings = lint(jt406_installers_left.RULE, tmp_path, text)
    assert [(f.severity, "2.0 MB" in f.message) for f in findings] == [
        (Severity.WARNING, True),
        (Severity.INFO, False),
    ]


def test_jt406_home_in_a_download_path(tmp_path: Path) -> None:
    text = (
        "FROM debian:12\n"
        "RUN curl -fsSL -o ~/mambaforge.sh https://example.com/Mambaforge-Linux-x86_64.sh "
        "&& bash ~/mambaforge.sh -b -p /opt/conda && rm ~/mambaforge.sh\n"
    )
    assert lint(jt406_installers_left.RULE, tmp_path, text) == []


def test_jt406_ignores_builder_stages(tmp_path: Path) -> None:
    text = "FROM debian:12 AS b\nRUN wget https://x/get-pip.py\nFROM debian:12\nRUN echo\n"
    assert lint(jt406_installers_left.RULE, tmp_path, text) == []


# --- JT407 ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("run_line", "fires"),
    [
        ("RUN conda install -y -c conda-forge numpy", True),
        ("RUN conda install -y numpy && conda clean -afy", False),
        ("RUN conda install -y numpy && conda clean --all --yes", False),
        ("RUN conda install -y numpy && conda clean -tpy", False),
        ("RUN conda install -y numpy && conda clean -ty", True),
        ("RUN conda env create -f environment.yml", True),
        ("RUN mamba create -y -n svc python=3.11 && mamba clean -a -y", False),
        ("RUN micromamba install -y -n base -f env.yaml && micromamba clean --all --yes", False),
        ("RUN conda install -y numpy && rm -rf /opt/conda/pkgs/*", False),
        ("RUN --mount=type=cache,target=/opt/conda/pkgs conda install -y numpy", False),
        ("RUN conda info && conda list", False),
    ],
)
def test_jt407(tmp_path: Path, run_line: str, fires: bool) -> None:
    found = lint(jt407_conda_clean.RULE, tmp_path, f"FROM continuumio/miniconda3\n{run_line}\n")
    assert bool(found) is fires
    if fires:
        assert "conda clean -afy" in (found[0].fix or "")


def test_jt407_conda_dir_env(tmp_path: Path) -> None:
    text = (
        "FROM debian:12\nENV CONDA_DIR=/opt/mc\n"
        "RUN /opt/mc/bin/conda install -y numpy && rm -rf $CONDA_DIR/pkgs /opt/mc/pkgs\n"
    )
    assert lint(jt407_conda_clean.RULE, tmp_path, text) == []


# --- JT408 ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("packages", "named"),
    [
        ("python3-pip", "python3-pip"),
        ("python3.11 python3.11-venv", "python3.11, python3.11-venv"),
        ("software-properties-common curl", "software-properties-common"),
        ("uvicorn libgl1", "uvicorn"),
        ("python${PY}-dev", "python3-dev"),
    ],
)
def test_jt408_distro_python_on_a_python_image(tmp_path: Path, packages: str, named: str) -> None:
    text = (
        "FROM python:3.11-slim\nARG PY=3\n"
        f"RUN apt-get update && apt-get install -y --no-install-recommends {packages} "
        "&& rm -rf /var/lib/apt/lists/*\n"
    )
    [finding] = lint(jt408_second_python.RULE, tmp_path, text)
    assert finding.line == 3 and finding.message.startswith(f"{named} on python:3.11-slim")
    assert finding.severity is Severity.WARNING and finding.fix


@pytest.mark.parametrize(
    "text",
    [
        # Debian's python is the image's only Python there
        "FROM debian:12-slim\nRUN apt-get update && apt-get install -y python3-pip",
        "FROM ubuntu:22.04\nRUN apt-get update && apt-get install -y software-properties-common",
        # not a Python package; purged again in the same RUN; a builder stage
        "FROM python:3.11-slim\nRUN apt-get update && apt-get install -y libpython3-dev-x curl",
        "FROM python:3.11-slim\nRUN apt-get update && apt-get install -y python3-dev "
        "&& pip install x && apt-get purge -y python3-dev",
        "FROM python:3.11 AS build\nRUN apt-get install -y python3-pip\n"
        "FROM python:3.11-slim\nCOPY --from=build /opt /opt",
    ],
)
def test_jt408_accepts(tmp_path: Path, text: str) -> None:
    assert lint(jt408_second_python.RULE, tmp_path, text + "\n") == []


def test_jt408_a_stage_copied_whole_ships(tmp_path: Path) -> None:
    text = (
        "FROM python:3.11-bookworm AS base\n"
        "RUN apt update && apt install -y python3-pip\n"  # 2
        "FROM scratch\nCOPY --from=base / /\n"
    )
    assert lines(lint(jt408_second_python.RULE, tmp_path, text)) == [2]


# --- the example ----------------------------------------------------------------------------


def test_text_service_example(tmp_path: Path) -> None:
    ctx = make_ctx(TEXT_SERVICE, None)
    ctx = dataclasses.replace(
        ctx,
        dockerfile=__import__("jettison.dockerfile.parser", fromlist=["_"]).parse_dockerfile(
            TEXT_SERVICE / "Dockerfile"
        ),
    )
    found = sorted((f.code, f.line) for rule in HYGIENE_RULES for f in run(rule, ctx))
    # The requirements are copied and installed before `COPY . .` (as `jettison fix`
    # needs), so JT403 does not fire; the unfiltered context and the late `rm` still do.
    assert found == [("JT402", 11), ("JT404", 15)]
