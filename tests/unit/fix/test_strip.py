"""The builder strips bytecode and bundled tests always; C headers only when nothing
JIT-compiles."""

from __future__ import annotations

from pathlib import Path

from jettison.dockerfile.parser import parse_dockerfile
from jettison.fix.core import compiles_at_run_time
from jettison.fix.rewrite import rewrite_dockerfile
from jettison.lint.context import build_context

DOCKERFILE = (
    "FROM python:3.11\n"
    "WORKDIR /app\n"
    "COPY requirements.txt .\n"
    "RUN pip install -r requirements.txt\n"
    "COPY app/ ./app/\n"
    'CMD ["python", "app/main.py"]\n'
)


def _project(tmp_path: Path, code: str) -> Path:
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "main.py").write_text(code)
    (tmp_path / "requirements.txt").write_text("numpy==1.26.4\n")
    (tmp_path / "Dockerfile").write_text(DOCKERFILE)
    return tmp_path / "Dockerfile"


def test_headers_go_when_nothing_compiles(tmp_path: Path) -> None:
    path = _project(tmp_path, "import numpy\nprint(numpy.ones(2))\n")
    assert not compiles_at_run_time(build_context(path))
    text = rewrite_dockerfile(
        parse_dockerfile(path), runtime_requirements_source="requirements.runtime.txt"
    ).text
    assert "-name __pycache__" in text and "'*/site-packages/*/tests'" in text
    assert "-name '*.h'" in text


def test_headers_stay_for_torch_compile(tmp_path: Path) -> None:
    path = _project(tmp_path, "import torch\nmodel = torch.compile(torch.nn.Linear(2, 2))\n")
    assert compiles_at_run_time(build_context(path))
    text = rewrite_dockerfile(
        parse_dockerfile(path),
        runtime_requirements_source="requirements.runtime.txt",
        keep_headers=True,
    ).text
    assert "-name __pycache__" in text  # bytecode and tests still go
    assert "-name '*.h'" not in text


def test_an_exposed_port_gets_a_healthcheck_that_parses(tmp_path: Path) -> None:
    from jettison.lint.rules.runtime import RULES as RUNTIME

    path = _project(tmp_path, "import numpy\n")
    path.write_text(DOCKERFILE.replace('CMD ["python"', 'EXPOSE 8080\nCMD ["python"'))
    text = rewrite_dockerfile(
        parse_dockerfile(path), runtime_requirements_source="requirements.runtime.txt"
    ).text
    fixed = tmp_path / "Dockerfile.fixed"
    fixed.write_text(text)
    final = parse_dockerfile(fixed).stages[-1]
    (check,) = final.of("HEALTHCHECK")
    assert check.json and "('127.0.0.1', 8080)" in check.args[-1]
    ctx = build_context(fixed, context_dir=tmp_path)
    jt605 = next(rule for rule in RUNTIME if rule.code == "JT605")
    assert list(jt605.check(ctx)) == []
