"""JT301: development and test tools in the production image."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from jettison.inspect.report import OwnerBytes
from jettison.lint.model import Saving, Severity
from jettison.lint.rules.deps import jt301_dev_tools
from jettison.requirements.model import Requirement

from ._stack_helpers import PlainSizes, make_ctx, make_image, requirements_file, run

JT301 = jt301_dev_tools.RULE
SLIM = "FROM python:3.11-slim\n"
SERVICE = SLIM + 'CMD ["python", "app.py"]\n'


def test_dev_tools_in_requirements(tmp_path: Path) -> None:
    reqs = requirements_file(
        tmp_path,
        "flask==3.0.3\npytest\npytest-cov==5.0\njupyter\nblack==24.1\ntypes-requests\nmypy\n",
    )
    findings = run(JT301, make_ctx(tmp_path, SERVICE, requirements=reqs))
    assert [(f.line, f.message) for f in findings] == [
        (2, "pytest (test tool) is installed in the production image"),
        (3, "pytest-cov (test tool) is installed in the production image"),
        (4, "jupyter (notebook tool) is installed in the production image"),
        (5, "black (formatter/linter) is installed in the production image"),
        (
            6,
            "types-requests (type stubs) is installed in the production image; stubs are only "
            "read by type checkers (a few hundred kB)",
        ),
        (7, "mypy (type checker) is installed in the production image"),
    ]
    assert all(f.file == tmp_path / "requirements.txt" for f in findings)
    assert findings[0].fix is not None and "development requirements" in findings[0].fix


def test_dev_tools_on_a_pip_install_line(tmp_path: Path) -> None:
    text = SLIM + "RUN pip install --no-cache-dir ipython flake8==7.0 gunicorn\n"
    findings = run(JT301, make_ctx(tmp_path, text))
    assert [(f.file.name, f.line) for f in findings] == [("Dockerfile", 2), ("Dockerfile", 2)]
    assert {f.message.split()[0] for f in findings} == {"ipython", "flake8"}


def test_saving_of_a_tool(tmp_path: Path) -> None:
    reqs = requirements_file(tmp_path, "pytest==8.2.0\n")
    measured = make_ctx(
        tmp_path,
        SLIM,
        requirements=reqs,
        image=make_image(owners=[OwnerBytes("python", "pytest", 3_000_000, 40)]),
    )
    (finding,) = run(JT301, measured)
    assert finding.saving == Saving(3_000_000, "measured in image build/app.tar")
    wheels = make_ctx(tmp_path, SLIM, requirements=reqs, sizes=PlainSizes({"pytest": 1_500_000}))
    (finding,) = run(JT301, wheels)
    assert finding.saving is not None and finding.saving.size_bytes == 1_500_000
    assert run(JT301, make_ctx(tmp_path, SLIM, requirements=reqs))[0].saving is None


def test_negative_cases(tmp_path: Path) -> None:
    main = requirements_file(tmp_path, "flask==3.0.3\nipython==8.0\n")
    dev = requirements_file(tmp_path, "pytest\nblack\n", name="requirements-dev.txt", group="dev")
    # a dev group is not production; a tool the code imports (an embedded shell) is used
    ctx = make_ctx(tmp_path, SLIM, requirements=[*main, *dev], used={"flask", "ipython"})
    assert run(JT301, ctx) == []
    # a test stage that the final stage does not copy from
    text = "FROM python:3.11 AS test\nRUN pip install pytest && pytest\nFROM python:3.11-slim\n"
    assert run(JT301, make_ctx(tmp_path, text)) == []


@pytest.mark.parametrize(
    ("line", "extras"),
    [
        ("pip install .[dev]", "dev extra"),
        ("pip install -e '.[test,docs]'", "docs, test extras"),
        ("uv pip install --system -r pyproject.toml --extra dev", "dev extra"),
        ("pip install . --group=lint", "lint extra"),
    ],
)
def test_project_dev_extras(tmp_path: Path, line: str, extras: str) -> None:
    (finding,) = run(JT301, make_ctx(tmp_path, f"{SLIM}RUN {line}\n"))
    assert f"project's {extras} into the production image" in finding.message
    assert finding.line == 2


def test_project_extras_that_are_not_dev(tmp_path: Path) -> None:
    assert run(JT301, make_ctx(tmp_path, f"{SLIM}RUN pip install .[gpu,server]\n")) == []


def _pyproject(tmp_path: Path, dev: str = "pytest\nruff\n") -> list[Requirement]:
    main = requirements_file(
        tmp_path, "fastapi>=0.110\n", name="pyproject.toml", source_kind="pyproject"
    )
    if not dev:
        return main
    return [
        *main,
        *requirements_file(
            tmp_path, dev, name="pyproject-dev.toml", group="dev", source_kind="pyproject"
        ),
    ]


@pytest.mark.parametrize(
    ("line", "how"),
    [
        ("poetry install --no-root", "poetry install without --only main"),
        ("poetry install --with dev", "poetry install --with/--all-groups"),
        ("uv sync --frozen", "uv sync without --no-dev"),
        ("uv sync --all-groups", "uv sync --all-groups/--only-dev"),
        ("pdm install", "pdm install without --prod"),
        ("pipenv install --dev --system", "pipenv install --dev"),
    ],
)
def test_project_managers_installing_dev_groups(tmp_path: Path, line: str, how: str) -> None:
    ctx = make_ctx(tmp_path, f"{SLIM}RUN {line}\n", requirements=_pyproject(tmp_path))
    (finding,) = run(JT301, ctx)
    assert finding.message.startswith(f"{how} installs the development dependency groups")
    if not line.startswith("pipenv"):
        assert "(pytest, ruff)" in finding.message


@pytest.mark.parametrize(
    "line",
    [
        "poetry install --only main",
        "poetry install --only=main --no-root",
        "poetry install --without dev,test",
        "poetry install --no-dev",
        "uv sync --frozen --no-dev",
        "uv sync --no-default-groups",
        "uv sync --only-group server",
        "pdm install --prod",
        "pipenv install --deploy --system",
        "poetry add requests",
    ],
)
def test_project_managers_production_installs(tmp_path: Path, line: str) -> None:
    ctx = make_ctx(tmp_path, f"{SLIM}RUN {line}\n", requirements=_pyproject(tmp_path))
    assert run(JT301, ctx) == []


def test_uv_no_dev_environment(tmp_path: Path) -> None:
    text = f"{SLIM}ENV UV_NO_DEV=1\nRUN uv sync --frozen\n"
    assert run(JT301, make_ctx(tmp_path, text, requirements=_pyproject(tmp_path))) == []


def test_project_without_dev_groups(tmp_path: Path) -> None:
    ctx = make_ctx(tmp_path, f"{SLIM}RUN uv sync\n", requirements=_pyproject(tmp_path, dev=""))
    assert run(JT301, ctx) == []


def test_project_unknown_pyproject_still_reported(tmp_path: Path) -> None:
    (finding,) = run(JT301, make_ctx(tmp_path, f"{SLIM}RUN poetry install\n"))
    assert finding.fix == "Use poetry install --only main (or --without dev)."
    assert finding.saving is None


def test_dev_group_saving_uses_the_group_packages(tmp_path: Path) -> None:
    sizes = PlainSizes({"pytest": 2_000_000, "ruff": 30_000_000})
    ctx = make_ctx(tmp_path, f"{SLIM}RUN uv sync\n", requirements=_pyproject(tmp_path), sizes=sizes)
    (finding,) = run(JT301, ctx)
    assert finding.saving is not None and finding.saving.size_bytes == 32_000_000


def test_a_dev_extra_is_not_what_uv_sync_installs(tmp_path: Path) -> None:
    """``uv sync`` takes the ``dev`` dependency group, never the ``dev`` extra."""
    main = requirements_file(
        tmp_path, "fastapi>=0.110\n", name="pyproject.toml", source_kind="pyproject"
    )
    extra = [
        dataclasses.replace(r, section="project.optional-dependencies")
        for r in requirements_file(
            tmp_path, "pudb\n", name="extras.toml", group="dev", source_kind="pyproject"
        )
    ]
    ctx = make_ctx(tmp_path, f"{SLIM}RUN uv sync --frozen\n", requirements=[*main, *extra])
    assert run(JT301, ctx) == []


def test_options_read_from_variables_and_skipped_branches(tmp_path: Path) -> None:
    text = (
        f"{SLIM}ARG UV_EXTRA\nARG WITH_TESTS\n"
        'RUN ARGS="--frozen --no-dev" && uv sync $ARGS $UV_EXTRA\n'
        'RUN if [ "$WITH_TESTS" = "1" ]; then pip install pytest; fi\n'
    )
    assert run(JT301, make_ctx(tmp_path, text, requirements=_pyproject(tmp_path))) == []


def test_a_line_that_says_why_the_tool_is_needed(tmp_path: Path) -> None:
    reqs = requirements_file(
        tmp_path, "pytest==8.3.0  # the sam2 fork requires it at run time\nmypy==1.11\n"
    )
    kept, mypy = run(JT301, make_ctx(tmp_path, SERVICE, requirements=reqs))
    assert kept.severity is Severity.INFO and kept.saving is None
    assert kept.message.endswith(
        "its line says why it is there (the sam2 fork requires it at run time)"
    )
    assert mypy.severity is Severity.WARNING


def test_notebook_tools_in_a_notebook_or_interactive_image(tmp_path: Path) -> None:
    reqs = requirements_file(tmp_path, "jupyterlab==4.2\nipywidgets==8.1\nblack==24.1\n")
    notebook = SLIM + 'EXPOSE 8888\nCMD ["jupyter", "lab", "--ip=0.0.0.0"]\n'
    lab, widgets, black = run(JT301, make_ctx(tmp_path, notebook, requirements=reqs))
    assert lab.severity is Severity.INFO and widgets.severity is Severity.INFO
    assert "the image starts a notebook server" in lab.message
    assert black.severity is Severity.WARNING
    shell = SLIM + 'CMD ["bash"]\n'
    lab, _, black = run(JT301, make_ctx(tmp_path, shell, requirements=reqs))
    assert "starts no service of its own" in lab.message
    assert (lab.severity, black.severity) == (Severity.INFO, Severity.WARNING)
