"""Regression cases from issue 9: inputs that lint, fix and plan once read differently,
run through all three (the real rules, the real rewrite, the real plan) to show they agree.

- ``uv pip install torch`` and ``python3 -m pip3.11 install torch`` are pip installs for
  the cache rules (JT107; JT112 for uv), the dependency rules (JT302...), fix and plan;
- ``apt-get -o Acquire::Retries=3 install -y curl`` is an apt install for JT101/JT102, fix
  and plan;
- a directory holding a lone ``app.Dockerfile`` is found by lint, fix, optimize, build and
  plan, with the same build context.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from jettison.builder.core import resolve_dockerfile
from jettison.fix.core import fix
from jettison.lint.context import build_context
from jettison.lint.model import Finding, LintContext, Rule
from jettison.lint.packages import production_packages
from jettison.lint.rules.deps import jt302_cuda_torch_on_cpu
from jettison.lint.rules.size import (
    jt101_apt_lists,
    jt102_apt_recommends,
    jt107_pip_cache,
    jt112_uv_poetry_cache,
)
from jettison.plan.core import plan
from jettison.plan.model import PlanReport
from support.files import write

RESTRUCTURE = ["restructure"]  # the multi-stage rewrite alone, no edit fixes

PIP_LINES = ("uv pip install --system", "python3 -m pip3.11 install")
APT_LINE = "apt-get -o Acquire::Retries=3 install -y curl"
SERVICE = (
    "FROM python:3.11-slim\n"
    "COPY requirements.txt .\n"
    "{run}\n"
    "COPY app.py .\n"
    "EXPOSE 8000\n"
    'CMD ["python", "app.py"]\n'
)


def _no_sizes(_name: str, _specifier: str) -> int | None:
    return None


def _lint(root: Path, rule: Rule) -> tuple[LintContext, list[Finding]]:
    ctx = build_context(root, sizes=_no_sizes)
    return ctx, list(rule.check(ctx))


def _service(root: Path, run: str) -> Path:
    write(root, "requirements.txt", "torch==2.3.1\nflask==3.0.3\n")
    write(root, "app.py", "import flask\nimport torch\n")
    return write(root, "Dockerfile", SERVICE.format(run=run))


def _plan(root: Path) -> tuple[PlanReport, str]:
    report = plan(root, offline=True, write=False)
    (text,) = [
        content
        for path, content in zip(report.generated.files, report.generated.contents, strict=True)
        if path.parts[0] == "services" and path.name == "Dockerfile"
    ]
    return report, text


@pytest.mark.parametrize("pip", PIP_LINES)
def test_every_pip_is_pip_to_lint_fix_and_plan(pip: str, tmp_path: Path) -> None:
    # lint: JT107 (JT112 for uv) sees the cache, the dependency rules see torch
    write(tmp_path / "named", "app.py", "import torch\n")
    write(tmp_path / "named", "Dockerfile", f"FROM python:3.11-slim\nRUN {pip} torch\n")
    cache_rule = jt112_uv_poetry_cache.RULE if pip.startswith("uv") else jt107_pip_cache.RULE
    ctx, cache = _lint(tmp_path / "named", cache_rule)
    assert [f.line for f in cache] == [2]
    assert [d.name for d in production_packages(ctx)] == ["torch"]
    _, cuda = _lint(tmp_path / "named", jt302_cuda_torch_on_cpu.RULE)
    assert [f.line for f in cuda] == [2]

    # fix: the install of the requirements file is the one it rewrites
    root = tmp_path / "service"
    _service(root, f"RUN {pip} -r requirements.txt")
    report = fix(
        root / "Dockerfile", target="cpu", dry_run=True, sizes=_no_sizes, select=RESTRUCTURE
    )
    text = report.files[0][1]
    assert "-r /tmp/requirements.txt" in text
    assert pip not in text  # replaced in the builder, not kept in the runtime stage

    # plan: the shared bases install the requirements; the service's RUN goes
    planned, service = _plan(root)
    assert planned.generated.kept_original == ()
    assert "# jettison: plan:requirements replaces line 3" in service
    assert f"\nRUN {pip}" not in service


def test_apt_with_options_is_an_install_for_lint_fix_and_plan(tmp_path: Path) -> None:
    run = f"RUN apt-get update && {APT_LINE}"
    write(tmp_path / "lint", "Dockerfile", f"FROM python:3.11-slim\n{run}\n")
    for rule in (jt101_apt_lists.RULE, jt102_apt_recommends.RULE):
        _, found = _lint(tmp_path / "lint", rule)
        assert [f.line for f in found] == [2], rule.code
    _, recommends = _lint(tmp_path / "lint", jt102_apt_recommends.RULE)
    assert "install` of curl" in recommends[0].message

    root = tmp_path / "service"
    _service(root, f"{run}\nRUN pip install -r requirements.txt")
    text = fix(
        root / "Dockerfile", target="cpu", dry_run=True, sizes=_no_sizes, select=RESTRUCTURE
    ).files[0][1]
    assert "apt-get install -y --no-install-recommends curl \\\n" in text
    assert "Acquire::Retries" not in text

    planned, service = _plan(root)
    assert planned.generated.kept_original == ()
    assert "apt-get install -y --no-install-recommends curl \\\n" in service
    assert "# jettison: JT101 JT102 line 3" in service


def test_a_lone_app_dockerfile_is_found_with_one_context(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    write(root, "requirements.txt", "flask==3.0.3\n")
    write(root, "app.py", "import flask\n")
    dockerfile = write(
        root,
        "docker/app.Dockerfile",
        SERVICE.replace("{run}", "RUN pip install -r requirements.txt"),
    )
    folder = root / "docker"

    ctx = build_context(folder, sizes=_no_sizes)  # lint
    assert ctx.dockerfile is not None
    assert (ctx.dockerfile.path, ctx.context_dir) == (dockerfile, root)
    assert resolve_dockerfile(folder, None) == (dockerfile, root)  # build
    assert resolve_dockerfile(folder, None, verb="optimize") == (dockerfile, root)  # optimize
    report = fix(folder, target="cpu", dry_run=True, sizes=_no_sizes, select=RESTRUCTURE)  # fix
    written = [path for path, _ in report.files]
    assert written[:2] == [folder / "Dockerfile.jettison", root / "requirements.runtime.txt"]
    (service,) = plan(root, offline=True, write=False).discovery.services  # plan
    assert (service.dockerfile, service.context) == (dockerfile, root.resolve())
