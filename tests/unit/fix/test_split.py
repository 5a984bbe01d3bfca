"""The multi-stage split (fix/split.py) on every install shape, each a minimal fixture of our
own: the builder keeps the installs as written, the runtime stage copies the environment
they fill and runs the rest again. Every output parses with buildkit's parser, and lint on
it no longer reports the codes the split claims to have fixed."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from jettison.dockerfile.parser import parse_text
from jettison.fix.autofix import BY_CODE
from jettison.fix.core import fix
from jettison.fix.errors import FixError
from jettison.fix.report import FixReport
from jettison.lint.config import LintConfig
from jettison.lint.context import build_context
from jettison.lint.engine import run_rules
from jettison.lint.rules import RULES

RESTRUCTURE = ["restructure"]
APP = "import flask\n\napp = flask.Flask(__name__)\n"
PYPROJECT = (
    '[project]\nname = "svc"\nversion = "0.1"\ndependencies = ["flask==3.0.3"]\n'
    '[project.optional-dependencies]\nserver = ["gunicorn==22.0.0"]\n'
)


def _split(tmp_path: Path, dockerfile: str, files: dict[str, str] | None = None) -> FixReport:
    (tmp_path / "Dockerfile").write_text(dockerfile)
    for name, text in {"app.py": APP, "pyproject.toml": PYPROJECT, **(files or {})}.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    report = fix(tmp_path / "Dockerfile", offline=True, dry_run=True, select=RESTRUCTURE)
    assert report.restructured
    text = report.files[0].text
    fixed = parse_text(text, tmp_path / "Dockerfile")  # buildkit's parser takes it
    ctx = build_context(tmp_path / "Dockerfile")
    ignore = next((t for p, t in report.files if p.name == ".dockerignore"), None)
    if ignore is not None:  # what fix would write, as lint would read it
        patterns = (line.strip() for line in ignore.splitlines())
        ctx = dataclasses.replace(
            ctx, dockerignore=tuple(p for p in patterns if p and not p.startswith("#"))
        )
    after = run_rules(dataclasses.replace(ctx, dockerfile=fixed), RULES, LintConfig(), files=())
    claimed = {c.code for c in report.changes if c.code in BY_CODE}
    assert not claimed & {f.code for f in after.findings}, text
    return report


def _apt(stage: str) -> str:
    """The packages of a stage's ``apt-get install`` line ("" when it has none)."""
    found = re.search(r"apt-get install -y --no-install-recommends ([^\\\n]+)", stage)
    return found.group(1).strip() if found else ""


def _stages(report: FixReport) -> list[str]:
    """The output's stages, each from its FROM line."""
    parts = re.split(r"(?m)^(?=FROM )", report.files[0].text)
    return [p for p in parts if p.startswith("FROM ")]


def test_pip_install_project(tmp_path: Path) -> None:
    report = _split(
        tmp_path,
        "FROM python:3.11\nWORKDIR /srv\nCOPY . /srv\nRUN pip install .\n"
        'EXPOSE 8000\nCMD ["gunicorn", "-b", "0.0.0.0:8000", "app:app"]\n',
    )
    builder, runtime = _stages(report)
    assert builder.startswith("FROM python:3.11 AS builder\n")
    assert "RUN python -m venv /opt/venv\nENV VIRTUAL_ENV=/opt/venv PATH=/opt/venv/bin:$PATH\n" in (
        builder
    )
    assert builder.index("python -m venv") < builder.index("RUN pip install .")
    assert runtime.startswith("FROM python:3.11-slim\n")
    assert "COPY --from=builder /opt/venv /opt/venv" in runtime
    assert "pip install" not in runtime
    assert runtime.index("COPY . /srv") < runtime.index("USER app") < runtime.index("CMD [")


def test_editable_project_copied_whole_becomes_a_normal_install(tmp_path: Path) -> None:
    report = _split(
        tmp_path,
        "FROM python:3.10\nRUN apt-get update && apt-get install -y gcc g++\n"
        "COPY . /code\nWORKDIR /code\nRUN pip install --no-cache-dir -e .[server]\n"
        'RUN python -c \'import flask\'\nCMD ["python", "app.py"]\n',
    )
    builder, runtime = _stages(report)
    assert "RUN pip install --no-cache-dir .[server]" in builder
    assert any("not editable" in c.description for c in report.changes)
    assert "install -y --no-install-recommends" not in runtime  # no apt package is left
    assert "RUN python -c 'import flask'" in runtime
    assert any(c.code == "JT401" and "gcc g++" in c.description for c in report.changes)


def test_editable_project_without_its_sources_stays_editable(tmp_path: Path) -> None:
    """Only pyproject.toml is there at install time: the sources come later, in both stages."""
    report = _split(
        tmp_path,
        "FROM python:3.11\nWORKDIR /code\nCOPY pyproject.toml .\nRUN pip install -e .\n"
        'COPY . .\nCMD ["python", "app.py"]\n',
    )
    builder, runtime = _stages(report)
    assert "RUN pip install -e ." in builder
    assert runtime.index("COPY --from=builder /opt/venv") < runtime.index("COPY . .")


def test_requirements_copied_with_the_whole_context(tmp_path: Path) -> None:
    """The requirements rewrite copies the runtime requirements alone into the builder."""
    report = _split(
        tmp_path,
        "FROM python:3.11\nWORKDIR /app\nCOPY . .\nRUN pip install -r requirements.txt\n"
        'CMD ["python", "app.py"]\n',
        {"requirements.txt": "flask==3.0.3\npytest==8.0.0\n"},
    )
    builder, runtime = _stages(report)
    assert "COPY requirements.runtime.txt /tmp/requirements.txt" in builder
    assert "COPY . ." not in builder and "COPY . ." in runtime
    written = {p.name: t for p, t in report.files}
    assert "pytest" not in written["requirements.runtime.txt"]


def test_uv_sync_project_environment_is_copied_where_it_is(tmp_path: Path) -> None:
    report = _split(
        tmp_path,
        "FROM python:3.12\nCOPY --from=ghcr.io/astral-sh/uv:0.5 /uv /bin/uv\nWORKDIR /app\n"
        "COPY pyproject.toml uv.lock ./\nRUN uv sync --frozen --no-dev --no-install-project\n"
        'COPY . .\nENV PATH="/app/.venv/bin:$PATH"\nCMD ["python", "app.py"]\n',
        {"uv.lock": "version = 1\n"},
    )
    builder, runtime = _stages(report)
    assert "python -m venv" not in builder  # uv makes its own
    assert "COPY --from=builder /app/.venv /app/.venv" in runtime
    assert runtime.startswith("FROM python:3.12-slim\n")
    assert "uv sync" not in runtime


def test_uv_pip_system_is_redirected(tmp_path: Path) -> None:
    report = _split(
        tmp_path,
        "FROM python:3.12\nCOPY --from=ghcr.io/astral-sh/uv:0.5 /uv /bin/uv\n"
        "WORKDIR /app\nCOPY . .\nRUN uv pip install --system --no-cache .\n"
        'CMD ["python", "app.py"]\n',
    )
    builder, _runtime = _stages(report)
    assert "UV_PYTHON=/opt/venv/bin/python" in builder  # uv --system takes this interpreter
    assert "UV_PYTHON_DOWNLOADS=never" in builder


@pytest.mark.parametrize(
    ("setting", "prefix"),
    [
        ("RUN poetry config virtualenvs.create false\n", "/opt/venv"),
        ("ENV POETRY_VIRTUALENVS_IN_PROJECT=true\n", "/app/.venv"),
        ("", "/opt/venv"),  # Poetry's own cache: redirected through VIRTUAL_ENV
    ],
)
def test_poetry(tmp_path: Path, setting: str, prefix: str) -> None:
    report = _split(
        tmp_path,
        "FROM python:3.11\nRUN pip install poetry==1.8.3\n"
        f"{setting}WORKDIR /app\nCOPY pyproject.toml poetry.lock ./\n"
        "RUN poetry install --no-root --only main\nCOPY . .\n"
        'CMD ["gunicorn", "app:app"]\n',
        {"poetry.lock": ""},
    )
    builder, runtime = _stages(report)
    assert f"COPY --from=builder {prefix} {prefix}" in runtime
    assert "RUN poetry install --no-root --only main" in builder
    # poetry itself stays in the builder: installed before the redirect, not used at run time
    assert builder.index("pip install poetry") < builder.index("poetry install")
    if prefix == "/opt/venv":
        assert builder.index("pip install poetry") < builder.index("python -m venv")


def test_poetry_run_at_run_time_keeps_poetry_in_the_environment(tmp_path: Path) -> None:
    report = _split(
        tmp_path,
        "FROM python:3.12-bullseye\nRUN pip install poetry==1.6.1\nWORKDIR /code\nCOPY . .\n"
        "RUN poetry install --no-interaction\nCMD poetry run python app.py\n",
    )
    builder, runtime = _stages(report)
    assert builder.index("python -m venv") < builder.index("pip install poetry")
    assert "VIRTUAL_ENV=/opt/venv" in runtime  # poetry run finds the environment


POETRY_IN_ONE_RUN = (
    "FROM python:3.11\nWORKDIR /app\nCOPY pyproject.toml ./\n"
    "RUN pip install --no-cache-dir poetry==1.8.3 \\\n"
    "    && poetry config virtualenvs.create false \\\n"
    "    && poetry install --no-root --only main\nCOPY . .\n"
)


def test_poetry_installed_in_the_install_run_stays_in_the_builder(tmp_path: Path) -> None:
    report = _split(tmp_path, POETRY_IN_ONE_RUN + 'CMD ["python", "app.py"]\n')
    builder, runtime = _stages(report)
    # after the redirect, `pip` is the virtualenv's: the base's own pip installs poetry,
    # which fills /opt/venv through VIRTUAL_ENV and is not copied with it
    assert "RUN /usr/local/bin/python -m pip install --no-cache-dir poetry==1.8.3 \\\n" in builder
    assert builder.index("python -m venv /opt/venv") < builder.index("-m pip install")
    assert "COPY --from=builder /opt/venv /opt/venv" in runtime
    assert any("poetry installed with the image's own Python" in c.description
               for c in report.changes)  # fmt: skip


def test_poetry_in_the_install_run_stays_when_the_service_runs_it(tmp_path: Path) -> None:
    report = _split(tmp_path, POETRY_IN_ONE_RUN + "CMD poetry run python app.py\n")
    builder, _runtime = _stages(report)
    assert "RUN pip install --no-cache-dir poetry==1.8.3" in builder  # into /opt/venv
    assert not any("image's own Python" in c.description for c in report.changes)


@pytest.mark.parametrize(
    "install",
    [
        "pip install --no-cache-dir \\\n    pip-tools",  # pip-sync installs into its own Python
        "pip install --no-cache-dir \\\n    poetry==1.8.3",  # the name on the next line
        "pip install --no-cache-dir pipenv && pipenv --version",  # pipenv: not separable
    ],
)
def test_tool_installs_left_as_written(tmp_path: Path, install: str) -> None:
    report = _split(
        tmp_path,
        f"FROM python:3.11\nWORKDIR /app\nCOPY . .\nRUN {install} \\\n"
        '    && pip install .\nCMD ["python", "app.py"]\n',
    )
    builder, _runtime = _stages(report)
    assert f"RUN {install}" in builder
    assert not any("image's own Python" in c.description for c in report.changes)


def test_installer_tools_left_in_the_builder_are_a_gain(tmp_path: Path) -> None:
    # the runtime base is the base itself and nothing is compiled: what the split saves is
    # poetry, which built the environment and stays in the builder
    report = _split(
        tmp_path,
        "FROM python:3.11-slim\nRUN pip install poetry==1.8.3\nWORKDIR /app\n"
        "COPY pyproject.toml ./\n"
        "RUN poetry config virtualenvs.create false && poetry install --no-root --only main\n"
        'COPY . .\nCMD ["python", "app.py"]\n',
    )
    builder, runtime = _stages(report)
    assert builder.index("pip install poetry") < builder.index("python -m venv")
    assert "poetry" not in runtime


def test_pdm_project_environment(tmp_path: Path) -> None:
    report = _split(
        tmp_path,
        "FROM python:3.11\nRUN pip install pdm\nWORKDIR /app\nCOPY . .\n"
        "RUN pdm install --prod --no-editable\n"
        'CMD ["/app/.venv/bin/python", "app.py"]\n',
    )
    _builder, runtime = _stages(report)
    assert "COPY --from=builder /app/.venv /app/.venv" in runtime
    assert 'CMD ["/app/.venv/bin/python", "app.py"]' in runtime  # the path stays valid


def test_user_virtualenv_is_copied_where_it_is(tmp_path: Path) -> None:
    report = _split(
        tmp_path,
        "FROM python:3.11\nRUN python -m venv /venv\nENV PATH=/venv/bin:$PATH\n"
        'COPY . /app\nRUN pip install /app\nCMD ["python", "/app/app.py"]\n',
    )
    builder, runtime = _stages(report)
    assert "/opt/venv" not in report.files[0].text
    assert "COPY --from=builder /venv /venv" in runtime
    assert "find /venv -depth" in builder


def test_conda_named_environment_on_its_path(tmp_path: Path) -> None:
    report = _split(
        tmp_path,
        "FROM continuumio/miniconda3:24.7.1-0\nRUN apt-get update && apt-get install -y gcc\n"
        "WORKDIR /app\nCOPY environment.yml .\nRUN conda env create -f environment.yml\n"
        'ENV PATH=/opt/conda/envs/svc/bin:$PATH\nCOPY . .\nCMD ["python", "app.py"]\n',
        {"environment.yml": "name: svc\ndependencies:\n  - python=3.11\n  - flask=3.0\n"},
    )
    builder, runtime = _stages(report)
    assert runtime.startswith("FROM debian:bookworm-slim\n")
    assert "COPY --from=builder /opt/conda/envs/svc /opt/conda/envs/svc" in runtime
    assert "find /opt/conda/envs/svc -depth" in builder


def test_conda_base_environment_copies_the_root(tmp_path: Path) -> None:
    report = _split(
        tmp_path,
        "FROM continuumio/miniconda3\nRUN conda install -y -c conda-forge flask\nCOPY . /app\n"
        'CMD ["conda", "run", "python", "/app/app.py"]\n',
    )
    builder, runtime = _stages(report)
    assert "COPY --from=builder /opt/conda /opt/conda" in runtime
    assert "PATH=/opt/conda/bin:$PATH" in runtime
    assert "rm -rf /opt/conda/pkgs" in builder


def test_micromamba_keeps_its_image_and_user(tmp_path: Path) -> None:
    report = _split(
        tmp_path,
        "FROM mambaorg/micromamba:1.5.8\nUSER root\n"
        "RUN apt-get update && apt-get install -y build-essential libgomp1\n"
        "USER $MAMBA_USER\nCOPY --chown=$MAMBA_USER:$MAMBA_USER env.yaml /tmp/env.yaml\n"
        "RUN micromamba install -y -n base -f /tmp/env.yaml && micromamba clean --all --yes\n"
        'COPY . /app\nCMD ["python", "/app/app.py"]\n',
        {"env.yaml": "name: base\ndependencies:\n  - flask\n"},
    )
    _builder, runtime = _stages(report)
    assert runtime.startswith("FROM mambaorg/micromamba:1.5.8\n")
    assert "COPY --from=builder --chown=$MAMBA_USER /opt/conda /opt/conda" in runtime
    assert _apt(runtime) == "libgomp1"
    assert "useradd" not in runtime


def test_already_multi_stage_keeps_the_other_stages(tmp_path: Path) -> None:
    report = _split(
        tmp_path,
        "FROM node:20-slim AS web\nWORKDIR /web\nCOPY web/ .\nRUN npm ci && npm run build\n\n"
        "FROM python:3.11\nWORKDIR /app\nCOPY requirements.txt .\n"
        "RUN pip install -r requirements.txt\nCOPY . .\n"
        'COPY --from=web /web/dist /app/static\nCMD ["python", "app.py"]\n',
        {"requirements.txt": "flask==3.0.3\n", "web/package.json": "{}\n"},
    )
    web, builder, runtime = _stages(report)
    assert web == (
        "FROM node:20-slim AS web\nWORKDIR /web\nCOPY web/ .\nRUN npm ci && npm run build\n\n"
    )
    assert builder.startswith("FROM python:3.11 AS builder\n")
    assert "COPY --from=web /web/dist /app/static" in runtime
    assert "COPY --from=builder /opt/venv /opt/venv" in runtime


def test_final_stage_built_from_another_stage(tmp_path: Path) -> None:
    """The chain base -> final: the builder stops at the last install, the runtime stage
    runs the whole chain's other steps."""
    report = _split(
        tmp_path,
        "FROM python:3.11 AS base\nRUN apt-get update && apt-get install -y gcc libpq-dev\n"
        "WORKDIR /app\nCOPY requirements.txt .\nRUN pip install -r requirements.txt\n"
        "FROM base AS final\nCOPY . .\nRUN python -m compileall -q .\n"
        'CMD ["python", "app.py"]\n',
        {"requirements.txt": "flask==3.0.3\n"},
    )
    builder, runtime = _stages(report)
    assert builder.startswith("FROM python:3.11 AS base\n") and "FROM base" not in builder
    assert "COPY --from=base /opt/venv /opt/venv" in runtime
    assert _apt(runtime) == "libpq5"
    assert "RUN python -m compileall -q ." in runtime


def test_mixed_run_keeps_its_other_commands(tmp_path: Path) -> None:
    report = _split(
        tmp_path,
        "FROM nvidia/cuda:12.1.1-devel-ubuntu22.04\n"
        "RUN apt-get update && apt-get install -y python3 python3-pip git build-essential \\\n"
        "    && mkdir -p /etc/OpenCL/vendors \\\n"
        "    && echo libnvidia-opencl.so.1 > /etc/OpenCL/vendors/n.icd \\\n"
        "    && pip3 install --upgrade pip && pip3 install flask && python3 -m nltk.downloader x\n"
        'COPY . .\nCMD ["python3", "app.py"]\n',
    )
    _builder, runtime = _stages(report)
    assert (
        "RUN mkdir -p /etc/OpenCL/vendors \\\n"
        "    && echo libnvidia-opencl.so.1 > /etc/OpenCL/vendors/n.icd \\\n"
        "    && python3 -m nltk.downloader x" in runtime
    )
    assert "apt-get install -y --no-install-recommends python3 git" in runtime


@pytest.mark.parametrize(
    ("base", "runtime_base"),
    [
        ("debian:bookworm", "debian:bookworm-slim"),
        ("debian:12", "debian:12-slim"),
        ("ubuntu:22.04", "ubuntu:22.04"),
        ("mirror.gcr.io/library/ubuntu:22.04", "mirror.gcr.io/library/ubuntu:22.04"),
    ],
)
def test_apt_python_bases(tmp_path: Path, base: str, runtime_base: str) -> None:
    report = _split(
        tmp_path,
        f"FROM {base}\nRUN apt-get update && apt-get install -y python3 python3-pip gcc\n"
        "COPY . /app\nRUN pip3 install --break-system-packages /app\n"
        'CMD ["python3", "/app/app.py"]\n',
    )
    builder, runtime = _stages(report)
    assert "apt-get install -y --no-install-recommends python3-venv" in builder
    assert "RUN /usr/bin/python3 -m venv /opt/venv" in builder
    assert runtime.startswith(f"FROM {runtime_base}\n")
    assert "--no-install-recommends python3\n" in runtime or "python3 \\" in runtime


def test_cuda_base_from_an_arg_default(tmp_path: Path) -> None:
    report = _split(
        tmp_path,
        'ARG CUDA_IMAGE="12.1.1-devel-ubuntu22.04"\nFROM nvidia/cuda:${CUDA_IMAGE}\n'
        "RUN apt-get update && apt-get install -y python3 python3-pip\n"
        'RUN pip3 install onnxruntime-gpu==1.18.0\nCOPY . .\nCMD ["python3", "app.py"]\n',
    )
    _builder, runtime = _stages(report)
    assert runtime.startswith("FROM nvidia/cuda:12.1.1-runtime-ubuntu22.04\n")
    assert any("--build-arg" in c.description for c in report.changes)


@pytest.mark.parametrize(
    "base",
    [
        "nvcr.io/nvidia/pytorch:24.02-py3",
        "tensorflow/tensorflow:2.15.0-gpu",
        "nvcr.io/nvidia/tritonserver:24.04-py3",
    ],
)
def test_framework_images_stay_the_runtime_base(tmp_path: Path, base: str) -> None:
    report = _split(
        tmp_path,
        f"FROM {base}\nRUN apt-get update && apt-get install -y cmake build-essential\n"
        'COPY . /app\nRUN pip install /app\nCMD ["python", "/app/app.py"]\n',
    )
    builder, runtime = _stages(report)
    assert runtime.startswith(f"FROM {base}\n")
    assert "python3 -m venv --system-site-packages /opt/venv" in builder
    assert any("no slimmer variant" in c.description for c in report.changes)
    assert _apt(runtime) == ""


@pytest.mark.parametrize(
    ("base", "slim"),
    [
        ("localhost/python:3.11", "localhost/python:3.11-slim"),
        ("mirror.gcr.io/library/python:3.11", "mirror.gcr.io/library/python:3.11-slim"),
        (
            "public.ecr.aws/docker/library/python:3.11",
            "public.ecr.aws/docker/library/python:3.11-slim",
        ),
        ("registry.example.com:5000/python:3.11", "registry.example.com:5000/python:3.11-slim"),
    ],
)
def test_python_behind_a_registry_host(tmp_path: Path, base: str, slim: str) -> None:
    report = _split(tmp_path, f"FROM {base}\nCOPY . /app\nRUN pip install /app\n")
    assert _stages(report)[1].startswith(f"FROM {slim}\n")


SHAPES = {
    # the requirements rewrite (the file copied alone) and the split (the project copied whole)
    "requirements": "COPY requirements.txt .\nRUN pip install -r requirements.txt\nCOPY . /app\n",
    "split": "COPY . /app\nRUN pip install -r /app/requirements.txt\n",
}
GCC = "RUN apt-get update && apt-get install -y gcc\n"
DIGEST = "@sha256:" + "9f" * 32


@pytest.mark.parametrize("shape", sorted(SHAPES))
@pytest.mark.parametrize(
    "base",
    [
        "registry.example.com:5000/python:3.11-slim",
        f"registry.example.com:5000/python:3.11-slim{DIGEST}",
        f"localhost:5000/library/python:3.12-slim-bookworm{DIGEST}",
    ],
)
def test_a_slim_python_behind_a_registry_port_stays_the_runtime_base(
    tmp_path: Path, base: str, shape: str
) -> None:
    report = _split(
        tmp_path,
        f'FROM {base}\n{GCC}{SHAPES[shape]}CMD ["python", "/app/app.py"]\n',
        {"requirements.txt": "flask==3.0.3\n"},
    )
    builder, runtime = _stages(report)
    assert builder.startswith(f"FROM {base} AS builder\n")
    assert runtime.startswith(f"FROM {base}\n")  # host, port, tag and pin as written
    assert _apt(builder) == "gcc" and "apt-get" not in runtime  # the compiler stays behind


@pytest.mark.parametrize("shape", sorted(SHAPES))
@pytest.mark.parametrize(
    "base",
    [
        f"python:3.11{DIGEST}",
        f"mirror.gcr.io/library/python:3.11{DIGEST}",
        f"public.ecr.aws/docker/library/python:3.11{DIGEST}",
        f"registry.example.com:5000/python:3.11{DIGEST}",
    ],
)
def test_a_digest_pinned_base_is_never_silently_unpinned(
    tmp_path: Path, base: str, shape: str
) -> None:
    report = _split(
        tmp_path,
        f'FROM {base}\n{SHAPES[shape]}CMD ["python", "/app/app.py"]\n',
        {"requirements.txt": "flask==3.0.3\n"},
    )
    builder, runtime = _stages(report)
    assert builder.startswith(f"FROM {base} AS builder\n")
    slim = base.replace(DIGEST, "-slim")
    assert runtime.startswith(f"FROM {slim}\n")  # the same registry, the slim variant...
    note = next(c for c in report.changes if c.code == "JT201")
    # ...and a note, in the report and above the FROM line, that it is not pinned
    assert "pinned by digest" in note.description and f"pin {slim}@sha256" in note.description
    assert f"# jettison: JT201 {note.description}\n" in report.files[0].text


def test_digest_pinned_base(tmp_path: Path) -> None:
    digest = "sha256:" + "ab" * 32
    report = _split(tmp_path, f"FROM python:3.11@{digest}\nCOPY . /app\nRUN pip install /app\n")
    note = next(c for c in report.changes if c.code == "JT201")
    assert "unpinned" in note.description and "pin python:3.11-slim@sha256" in note.description


def test_same_image_runtime_keeps_the_digest(tmp_path: Path) -> None:
    digest = "sha256:" + "cd" * 32
    report = _split(
        tmp_path,
        f"FROM ubuntu:22.04@{digest}\n"
        "RUN apt-get update && apt-get install -y python3-pip build-essential\n"
        "COPY . /app\nRUN pip3 install /app\n",
    )
    assert _stages(report)[1].startswith(f"FROM ubuntu:22.04@{digest}\n")


def test_paths_of_the_base_python_follow_the_packages(tmp_path: Path) -> None:
    report = _split(
        tmp_path,
        "FROM python:3.10\nCOPY . /app\nRUN pip install /app\n"
        "ENV LD_PRELOAD=/usr/local/lib/python3.10/site-packages/skimage/libgomp.so\n"
        'ENTRYPOINT ["/usr/local/bin/svc"]\nCMD ["/usr/local/bin/python", "-m", "svc"]\n',
    )
    runtime = _stages(report)[1]
    assert "LD_PRELOAD=/opt/venv/lib/python3.10/site-packages/skimage/libgomp.so" in runtime
    assert 'ENTRYPOINT ["/opt/venv/bin/svc"]' in runtime
    assert 'CMD ["/opt/venv/bin/python", "-m", "svc"]' in runtime


def test_health_check_tool_the_slim_image_lacks(tmp_path: Path) -> None:
    report = _split(
        tmp_path,
        "FROM python:3.11\nCOPY . /app\nRUN pip install /app\nEXPOSE 8000\n"
        'HEALTHCHECK CMD ["curl", "-f", "http://localhost:8000/health"]\n'
        'CMD ["gunicorn", "-b", "0.0.0.0:8000", "app:app"]\n',
    )
    assert "--no-install-recommends curl" in _stages(report)[1]


def test_files_under_root_get_no_unprivileged_user(tmp_path: Path) -> None:
    report = _split(
        tmp_path,
        "FROM nvidia/cuda:12.3.2-cudnn9-runtime-ubuntu22.04\nWORKDIR /root\n"
        "RUN apt-get update -y && apt-get install -y python3-pip\nCOPY app.py ./\n"
        'RUN pip3 install flask\nCMD ["python3", "app.py"]\n',
    )
    runtime = _stages(report)[1]
    assert "USER" not in runtime
    assert any("only root can read" in c.description for c in report.changes)


def test_installs_as_a_user_get_their_virtualenv_made_by_root(tmp_path: Path) -> None:
    report = _split(
        tmp_path,
        "FROM python:3.11\nRUN useradd -m svc\nUSER svc\nWORKDIR /home/svc\n"
        "COPY --chown=svc . .\nRUN pip install .\n"
        'CMD ["python", "-m", "svc"]\n',
    )
    builder, runtime = _stages(report)
    assert (
        "USER root\nRUN python -m venv /opt/venv \\\n    && chown -R svc /opt/venv\nUSER svc\n"
        in builder
    )
    assert "COPY --from=builder --chown=svc /opt/venv /opt/venv" in runtime


def test_a_stage_built_from_an_unchanged_stage_of_the_final_image(tmp_path: Path) -> None:
    """tests FROM base, final FROM base: the installs are in the final stage, base stays."""
    report = _split(
        tmp_path,
        "FROM python:3.11 AS base\nWORKDIR /app\nCOPY . .\n"
        "FROM base AS tests\nRUN pip install pytest && pytest\n"
        'FROM base AS final\nRUN pip install .\nCMD ["python", "-m", "svc"]\n',
    )
    base, tests, builder, runtime = _stages(report)
    assert base == "FROM python:3.11 AS base\nWORKDIR /app\nCOPY . .\n"
    assert tests == "FROM base AS tests\nRUN pip install pytest && pytest\n"
    assert builder.startswith("FROM base AS final\n")
    assert "COPY --from=final /opt/venv /opt/venv" in runtime


def test_a_slim_base_pinned_by_digest_keeps_its_pin(tmp_path: Path) -> None:
    digest = "sha256:" + "ef" * 32
    report = _split(
        tmp_path,
        f"FROM python:3.12-slim@{digest}\nRUN apt-get update && apt-get install -y gcc\n"
        "COPY . /app\nRUN pip install /app\n",
    )
    assert _stages(report)[1].startswith(f"FROM python:3.12-slim@{digest}\n")
    assert not any("unpinned" in c.description for c in report.changes)


SERVICE = "FROM python:3.11\nWORKDIR /srv\nCOPY . /srv\nRUN pip install .\n"
_DROP_PIP = "/opt/venv/bin/python -m pip uninstall --yes --quiet pip"
_DROP_SETUPTOOLS = "then /opt/venv/bin/python -m pip uninstall --yes --quiet setuptools wheel; fi"


def test_the_virtualenv_leaves_its_installer_tools_in_the_builder(tmp_path: Path) -> None:
    report = _split(
        tmp_path,
        SERVICE + 'CMD ["python", "app.py"]\n',
    )
    builder, runtime = _stages(report)
    # after the installs and the strip, so that the check sees what they left
    assert (
        builder.index("RUN pip install .")
        < builder.index("find /opt/venv")
        < builder.index(_DROP_SETUPTOOLS)
        < builder.index(_DROP_PIP)
    )
    assert "if /opt/venv/bin/python -c 'import glob, importlib.metadata" in builder
    assert "uninstall" not in runtime
    described = [c.description for c in report.changes if "leaves out its own pip" in c.description]
    assert len(described) == 1 and "`python -m pip` finds no pip" in described[0], described


@pytest.mark.parametrize(
    ("dockerfile_tail", "files"),
    [
        ('CMD ["sh", "-c", "pip freeze && python app.py"]\n', {}),
        ('RUN python -m pip check\nCMD ["python", "app.py"]\n', {}),
        (
            'CMD ["python", "app.py"]\n',
            {"app.py": APP + "import subprocess\nsubprocess.run(['pip', 'list'])\n"},
        ),
        (
            'COPY start.sh /start.sh\nCMD ["/start.sh"]\n',
            {"start.sh": "#!/bin/sh\npip install -U extra\nexec python app.py\n"},
        ),
    ],
    ids=["command", "kept-run", "code", "start-up-script"],
)
def test_pip_stays_when_the_image_runs_it(
    tmp_path: Path, dockerfile_tail: str, files: dict[str, str]
) -> None:
    report = _split(
        tmp_path,
        SERVICE + dockerfile_tail,
        files,
    )
    builder, _ = _stages(report)
    assert _DROP_PIP not in builder
    assert _DROP_SETUPTOOLS in builder  # setuptools is another question


@pytest.mark.parametrize(
    "files",
    [
        {"app.py": APP + "import pkg_resources\n"},
        {"app.py": APP + "from setuptools import find_packages\n"},
        {"pyproject.toml": PYPROJECT.replace('"flask==3.0.3"', '"flask==3.0.3", "setuptools"')},
    ],
    ids=["pkg_resources", "setuptools", "required"],
)
def test_setuptools_stays_when_the_service_names_it(tmp_path: Path, files: dict[str, str]) -> None:
    report = _split(
        tmp_path,
        SERVICE + 'CMD ["python", "app.py"]\n',
        files,
    )
    builder, _ = _stages(report)
    assert "setuptools wheel" not in builder
    assert _DROP_PIP in builder


def test_a_virtualenv_of_the_user_keeps_what_they_put_in_it(tmp_path: Path) -> None:
    report = _split(
        tmp_path,
        "FROM python:3.11\nRUN python -m venv /venv\nENV PATH=/venv/bin:$PATH\nWORKDIR /srv\n"
        'COPY . /srv\nRUN pip install .\nCMD ["python", "app.py"]\n',
    )
    builder, _ = _stages(report)
    assert "uninstall" not in builder


@pytest.mark.parametrize(
    ("code", "pip", "setuptools"),
    [("", True, True), ("import pkg_resources\n", True, False), ("import pip\n", False, True)],
)
def test_the_requirements_rewrite_leaves_out_the_same_tools(
    tmp_path: Path, code: str, pip: bool, setuptools: bool
) -> None:
    report = _split(
        tmp_path,
        "FROM python:3.11\nWORKDIR /app\nCOPY requirements.txt .\n"
        'RUN pip install -r requirements.txt\nCOPY . .\nCMD ["python", "app.py"]\n',
        {"requirements.txt": "flask==3.0.3\n", "app.py": APP + code},
    )
    builder, runtime = _stages(report)
    assert "COPY requirements.runtime.txt /tmp/requirements.txt" in builder  # that rewrite
    assert (_DROP_PIP in builder) is pip
    assert (_DROP_SETUPTOOLS in builder) is setuptools
    assert "uninstall" not in runtime


def test_programs_the_image_gets_elsewhere_keep_their_path(tmp_path: Path) -> None:
    """Only the installs' console scripts move into the virtualenv: a copied entrypoint, a
    downloaded tini and the base's own programs stay in /usr/local/bin."""
    report = _split(
        tmp_path,
        "FROM python:3.11\nCOPY . /app\nRUN pip install /app\n"
        "COPY entrypoint.sh /usr/local/bin/entrypoint.sh\n"
        "RUN curl -fsSL -o /usr/local/bin/tini https://example.com/tini\n"
        'ENTRYPOINT ["/usr/local/bin/tini", "--", "/usr/local/bin/entrypoint.sh"]\n'
        'CMD ["/usr/local/bin/svc", "/usr/local/bin/pydoc3"]\n',
        {"entrypoint.sh": '#!/bin/sh\nexec "$@"\n'},
    )
    runtime = _stages(report)[1]
    assert 'ENTRYPOINT ["/usr/local/bin/tini", "--", "/usr/local/bin/entrypoint.sh"]' in runtime
    assert 'CMD ["/opt/venv/bin/svc", "/usr/local/bin/pydoc3"]' in runtime


def test_a_program_copied_into_its_folder_keeps_its_path(tmp_path: Path) -> None:
    report = _split(
        tmp_path,
        "FROM python:3.11\nCOPY . /app\nRUN pip install /app\n"
        "WORKDIR /usr/local/bin\nCOPY start.sh ./\n"
        'ENTRYPOINT ["/usr/local/bin/start.sh"]\n',
        {"start.sh": "#!/bin/sh\n"},
    )
    assert 'ENTRYPOINT ["/usr/local/bin/start.sh"]' in _stages(report)[1]


def test_the_builder_takes_a_name_no_other_stage_has(tmp_path: Path) -> None:
    """A first stage already named `Builder` (BuildKit compares names without case): the
    split's builder is `builder-2` and `COPY --from=Builder` still copies from the first."""
    report = _split(
        tmp_path,
        "FROM python:3.11 AS Builder\nRUN echo hi > /tmp/x\n"
        "FROM python:3.11 AS builder-3\nRUN echo 3 > /tmp/y\n"
        "FROM python:3.11\nCOPY --from=Builder /tmp/x /tmp/x\n"
        "RUN apt-get update && apt-get install -y gcc\nCOPY . /app\nRUN pip install /app\n"
        'CMD ["python", "/app/app.py"]\n',
    )
    fixed = parse_text(report.files[0].text, tmp_path / "Dockerfile")
    names = [s.name.lower() for s in fixed.stages if s.name]
    assert names == ["builder", "builder-3", "builder-2"]
    runtime = fixed.stages[-1]
    froms = {i.flag("from") for i in runtime.instructions if i.flag("from")}
    assert froms == {"Builder", "builder-2"}
    first = fixed.stage_ref("Builder")
    assert first is not None and first.index == 0
    built = fixed.stage_ref("builder-2")
    assert built is not None and any("pip install" in i.original for i in built.instructions)


def test_copy_from_a_stage_index_follows_the_stage(tmp_path: Path) -> None:
    """`mid` gives way to the runtime stage: `assets` is stage 1 in the output, and
    `COPY --from=2` must not become the runtime stage copying from itself."""
    report = _split(
        tmp_path,
        "FROM python:3.11 AS base\nRUN apt-get update && apt-get install -y gcc\n"
        "COPY . /app\nRUN pip install /app\nFROM base AS mid\nRUN echo mid > /tmp/m\n"
        "FROM alpine:3.19 AS assets\nRUN echo a > /tmp/a\n"
        "FROM alpine:3.19 AS more\nCOPY --from=2 /tmp/a /tmp/b\n"
        "FROM mid\nCOPY --from=2 /tmp/a /tmp/a\nCOPY --from=0 /app/app.py /tmp/app.py\n"
        'CMD ["python", "/app/app.py"]\n',
    )
    fixed = parse_text(report.files[0].text, tmp_path / "Dockerfile")
    runtime = fixed.stages[-1]
    refs = [i.flag("from") for i in runtime.instructions if i.flag("from")]
    assert refs == ["base", "1", "0"]
    assert [s.name for s in fixed.stages[:3]] == ["base", "assets", "more"]
    assert [i.flag("from") for i in fixed.stages[2].instructions if i.flag("from")] == ["1"]


def test_copy_from_a_stage_the_runtime_stage_replaces_is_refused(tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text(
        "FROM python:3.11 AS base\nRUN apt-get update && apt-get install -y gcc\n"
        "COPY . /app\nRUN pip install /app\nFROM base AS mid\nRUN echo mid > /tmp/m\n"
        "FROM mid\nCOPY --from=mid /tmp/m /tmp/n\n"
    )
    (tmp_path / "pyproject.toml").write_text(PYPROJECT)
    with pytest.raises(FixError, match="copies from a stage the runtime stage replaces"):
        fix(tmp_path / "Dockerfile", offline=True, dry_run=True, select=RESTRUCTURE)
