"""The issue's acceptance examples, for the base-image, dependency and model rules.

The naive BERT example is the real one under ``examples/``; the seed articles' multi-stage
template, PyTorch example and 14-service template are rebuilt here in a temporary context.
Imports and used distributions are stated by hand (what the import scan finds in the
shipped code), so these tests do not depend on the scanner.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pytest

from jettison.lint.model import Finding, ImportedName, LintContext, Severity
from jettison.lint.rules import base, deps, models

from ._stack_helpers import make_ctx, read_requirements, requirements_file, source

ROOT = Path(__file__).resolve().parents[4]
BERT = ROOT / "examples" / "bert-classifier"
OURS = (*base.RULES, *deps.RULES, *models.RULES)
TODAY = {"JT203": {"today": "2026-11-22"}}


def _findings(ctx: LintContext) -> list[Finding]:
    return sorted((f for rule in OURS for f in rule.check(ctx)), key=Finding.sort_key)


def _by_code(findings: list[Finding]) -> dict[str, list[Finding]]:
    out: dict[str, list[Finding]] = defaultdict(list)
    for finding in findings:
        out[finding.code].append(finding)
    return out


@pytest.fixture
def bert() -> dict[str, list[Finding]]:
    predictor = BERT / "naive_image" / "app" / "predictor.py"
    ctx = make_ctx(
        BERT,
        BERT / "naive_image" / "Dockerfile",
        requirements=read_requirements(BERT / "naive_image" / "requirements.txt"),
        imports=tuple(
            ImportedName(m, predictor, 1) for m in ("os", "sys", "pathlib", "torch", "transformers")
        ),
        used={"torch", "transformers"},
        options=TODAY,
    )
    return _by_code(_findings(ctx))


def _requirement_names(findings: list[Finding]) -> list[str]:
    return [f.message.split()[0] for f in findings]


def test_bert_full_python_base(bert: dict[str, list[Finding]]) -> None:
    (finding,) = bert["JT201"]
    assert (finding.file.name, finding.line) == ("Dockerfile", 5)
    assert "python:3.10" in finding.message


def test_bert_dev_tools(bert: dict[str, list[Finding]]) -> None:
    assert _requirement_names(bert["JT301"]) == [
        "pytest",
        "jupyter",
        "ipython",
        "black",
        "flake8",
        "mypy",
    ]
    assert all(f.file.name == "requirements.txt" for f in bert["JT301"])


def test_bert_cuda_torch_in_a_cpu_app(bert: dict[str, list[Finding]]) -> None:
    (finding,) = bert["JT302"]
    assert finding.line == 3
    assert "torch, torchvision and torchaudio from the default index" in finding.message
    assert "several GB" in finding.message
    assert finding.fix is not None and "https://download.pytorch.org/whl/cpu" in finding.fix


def test_bert_unused_torch_addons(bert: dict[str, list[Finding]]) -> None:
    assert [(f.line, f.message.split()[0]) for f in bert["JT303"]] == [
        (4, "torchvision"),
        (5, "torchaudio"),
    ]


def test_bert_unpinned(bert: dict[str, list[Finding]]) -> None:
    (finding,) = bert["JT308"]
    assert finding.severity is Severity.INFO
    for name in ("pandas", "pillow", "scikit-learn", "matplotlib", "seaborn", "pytest"):
        assert name in finding.message
    for pinned in ("transformers", "torch,", "numpy", "flask"):
        assert pinned not in finding.message


def test_bert_never_imported(bert: dict[str, list[Finding]]) -> None:
    warnings = [f for f in bert["JT309"] if f.severity is Severity.WARNING]
    names = _requirement_names(warnings)
    assert "matplotlib" in names and "seaborn" in names
    assert set(names) == {"pandas", "scikit-learn", "matplotlib", "seaborn"}
    # flask and pillow weigh a few MB: a mention, not a warning
    small = [f for f in bert["JT309"] if "(a small package)" in f.message]
    assert _requirement_names(small) == ["flask", "pillow"]
    assert all(f.severity is Severity.INFO for f in small)
    # numpy and requests come with transformers anyway: info, no saving
    hidden = [f for f in bert["JT309"] if "hides a dependency" in f.message]
    assert _requirement_names(hidden) == ["numpy", "requests"]
    assert all(f.severity is Severity.INFO and f.saving is None for f in hidden)


def test_bert_nothing_else_from_these_families(bert: dict[str, list[Finding]]) -> None:
    # python:3.10 reached its end of life on 2026-10-31
    assert sorted(bert) == ["JT201", "JT203", "JT301", "JT302", "JT303", "JT308", "JT309"]


def test_multi_stage_template(tmp_path: Path) -> None:
    """Seed 002: FROM python:3.9-slim-buster and COPY ./models ./models."""
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "classifier.pt").write_bytes(b"\0" * 2048)
    requirements = requirements_file(tmp_path, "fastapi==0.115.0\ntorch==2.1.0\n")
    dockerfile = (
        "FROM python:3.9 as builder\n"
        "WORKDIR /app\n"
        "RUN python -m venv /opt/venv\n"
        'ENV PATH="/opt/venv/bin:$PATH"\n'
        "COPY requirements.txt .\n"
        "RUN pip install --no-cache-dir -r requirements.txt\n"
        "COPY ./src ./src\n"
        "COPY ./models ./models\n"
        "FROM python:3.9-slim-buster\n"
        "WORKDIR /app\n"
        "COPY --from=builder /opt/venv /opt/venv\n"
        "COPY --from=builder /app/src ./src\n"
        "COPY --from=builder /app/models ./models\n"
        'ENV PATH="/opt/venv/bin:$PATH"\n'
        "EXPOSE 8000\n"
        'CMD ["python", "src/inference_api.py"]\n'
    )
    ctx = make_ctx(tmp_path, dockerfile, requirements=requirements, options=TODAY)
    found = _by_code(_findings(ctx))
    (eol,) = found["JT203"]
    assert "Debian 10 (buster)" in eol.message and "Python 3.9" in eol.message
    (baked,) = found["JT501"]
    assert baked.line == 13 and "models/classifier.pt" in baked.message


def test_pytorch_example(tmp_path: Path) -> None:
    """Seed 003: pytorch/pytorch runtime base with COPY models/."""
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "model.safetensors").write_bytes(b"\0" * 4096)
    requirements = requirements_file(tmp_path, "fastapi==0.104.1\nuvicorn==0.24.0\n")
    dockerfile = (
        "FROM pytorch/pytorch:2.1.0-cuda12.1-cudnn8-runtime\n"
        "ENV PYTHONUNBUFFERED=1\n"
        "ENV CUDA_VISIBLE_DEVICES=0\n"
        "RUN apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/*\n"
        "RUN useradd --create-home --shell /bin/bash aiuser\n"
        "WORKDIR /home/aiuser/app\n"
        "USER aiuser\n"
        "COPY requirements.txt .\n"
        "RUN pip install --no-cache-dir -r requirements.txt\n"
        "COPY --chown=aiuser:aiuser src/ ./src/\n"
        "COPY --chown=aiuser:aiuser models/ ./models/\n"
        'CMD ["python", "src/app.py"]\n'
    )
    ctx = make_ctx(tmp_path, dockerfile, requirements=requirements, options=TODAY)
    found = _by_code(_findings(ctx))
    assert [f.line for f in found["JT204"]] == [1]
    assert [f.line for f in found["JT501"]] == [11]
    assert "JT302" not in found  # a CUDA base: the GPU is meant


def test_fourteen_service_template_has_nothing_above_info(tmp_path: Path) -> None:
    """Seed 004: builder with build-essential, slim runtime, venv copy, non-root, healthcheck."""
    (tmp_path / "libs").mkdir()
    (tmp_path / "apps" / "svc_xxx").mkdir(parents=True)
    base_reqs = requirements_file(
        tmp_path / "libs",
        "fastapi==0.115.0\nuvicorn[standard]==0.30.6\npydantic>=2.8\nhttpx==0.27.2\n",
        name="requirements-base.txt",
    )
    svc_reqs = requirements_file(
        tmp_path / "apps" / "svc_xxx", "nats-py==2.9.0\n", name="requirements.txt"
    )
    imports = source(
        tmp_path,
        "apps/svc_xxx/main.py",
        "import fastapi, pydantic, httpx, nats\n",
        "fastapi",
        "pydantic",
        "httpx",
        "nats",
    )
    dockerfile = (
        "FROM python:3.12-slim AS builder\n"
        "RUN apt-get update && apt-get install -y build-essential curl "
        "&& rm -rf /var/lib/apt/lists/*\n"
        "RUN python -m venv /opt/venv\n"
        'ENV PATH="/opt/venv/bin:$PATH"\n'
        "COPY libs/requirements-base.txt /tmp/libs-requirements.txt\n"
        "COPY apps/svc_xxx/requirements.txt /tmp/requirements.txt\n"
        "RUN pip install --no-cache-dir --upgrade pip && "
        "pip install --no-cache-dir -r /tmp/libs-requirements.txt -r /tmp/requirements.txt\n"
        "FROM python:3.12-slim\n"
        "RUN apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/* "
        "&& groupadd -r appuser && useradd -r -g appuser appuser\n"
        "COPY --from=builder /opt/venv /opt/venv\n"
        'ENV PATH="/opt/venv/bin:$PATH"\n'
        "WORKDIR /app\n"
        "COPY libs/ ./libs/\n"
        "COPY apps/svc_xxx/ ./apps/svc_xxx/\n"
        "RUN chown -R appuser:appuser /app\n"
        "USER appuser\n"
        "HEALTHCHECK --interval=30s CMD curl -f http://localhost:8000/healthz || exit 1\n"
        "EXPOSE 8000\n"
        'CMD ["python", "-m", "uvicorn", "apps.svc_xxx.main:app", "--host", "0.0.0.0"]\n'
    )
    ctx = make_ctx(
        tmp_path,
        dockerfile,
        requirements=[*base_reqs, *svc_reqs],
        imports=imports,
        used={"fastapi", "pydantic", "httpx", "nats-py", "uvicorn"},
        options=TODAY,
    )
    findings = _findings(ctx)
    assert [f for f in findings if f.severity > Severity.INFO] == []
    assert [f.code for f in findings] == ["JT308"]  # pydantic>=2.8
