"""JT308 (unpinned requirements) and JT309 (declared but never imported)."""

from __future__ import annotations

from pathlib import Path

from jettison.lint.model import CodeView, Saving, Severity
from jettison.lint.rules.deps import jt308_unpinned, jt309_unused

from ._stack_helpers import PlainSizes, make_ctx, requirements_file, run, source

JT308 = jt308_unpinned.RULE
JT309 = jt309_unused.RULE
SLIM = "FROM python:3.11-slim\nRUN pip install -r requirements.txt\n"


# -- JT308 -----------------------------------------------------------------------------------


def test_jt308_one_finding_per_file(tmp_path: Path) -> None:
    reqs = requirements_file(
        tmp_path, "flask==3.0.3\npandas\ntorch>=2\nnumpy==1.*\nrequests~=2.32\nuvicorn===0.30\n"
    )
    (finding,) = run(JT308, make_ctx(tmp_path, SLIM, requirements=reqs))
    assert finding.severity is Severity.INFO
    assert (finding.file.name, finding.line) == ("requirements.txt", 2)
    assert finding.message == (
        "4 production requirements without an exact version: pandas, torch, numpy and "
        "requests; each build may install different releases"
    )


def test_jt308_pip_lines_and_bootstrap_tools(tmp_path: Path) -> None:
    text = (
        "FROM python:3.11-slim\n"
        "RUN pip install --upgrade pip setuptools wheel\n"
        "RUN pip install gunicorn flask==3.0.3\n"
        "RUN pip install -c constraints.txt celery\n"
    )
    (finding,) = run(JT308, make_ctx(tmp_path, text))
    assert finding.line == 3
    assert finding.message.startswith("1 production requirement without an exact version: gunicorn")


def test_jt308_negative(tmp_path: Path) -> None:
    pinned = requirements_file(tmp_path, "flask==3.0.3\nx @ https://host/x-1.0.tar.gz\n")
    assert run(JT308, make_ctx(tmp_path, SLIM, requirements=pinned)) == []
    # pinned in a constraints file read with the requirements
    loose = requirements_file(tmp_path, "pandas\n")
    constraints = requirements_file(
        tmp_path, "pandas==2.2.3\n", name="constraints.txt", group="constraints"
    )
    ctx = make_ctx(tmp_path, SLIM, requirements=[*loose, *constraints])
    assert run(JT308, ctx) == []
    # a dev group is not production
    dev = requirements_file(tmp_path, "pytest\n", name="requirements-dev.txt", group="dev")
    assert run(JT308, make_ctx(tmp_path, SLIM, requirements=dev)) == []


def test_jt308_pyproject_ranges_with_a_lock_file(tmp_path: Path) -> None:
    reqs = requirements_file(
        tmp_path, "fastapi>=0.110\n", name="pyproject.toml", source_kind="pyproject"
    )
    project = "FROM python:3.11-slim\nCOPY . /app\nRUN pip install /app\n"
    assert len(run(JT308, make_ctx(tmp_path, project, requirements=reqs))) == 1
    (tmp_path / "uv.lock").write_text("version = 1\n", encoding="utf-8")
    assert run(JT308, make_ctx(tmp_path, project, requirements=reqs)) == []


# -- JT309 -----------------------------------------------------------------------------------


def test_jt309_never_imported(tmp_path: Path) -> None:
    reqs = requirements_file(
        tmp_path, "flask==3.0.3\nmatplotlib==3.9.2\nseaborn==0.13.2\nrequests==2.32.3\n"
    )
    sizes = PlainSizes({"matplotlib": 30_000_000, "seaborn": 1_000_000})
    ctx = make_ctx(
        tmp_path,
        SLIM,
        requirements=reqs,
        imports=source(tmp_path, "app/main.py", "import flask, requests\n", "flask", "requests"),
        used={"flask", "requests"},
        sizes=sizes,
    )
    findings = run(JT309, ctx)
    assert [(f.line, f.message) for f in findings] == [
        (2, "matplotlib is declared but the shipped code never imports it"),
        (3, "seaborn is declared but the shipped code never imports it"),
    ]
    assert findings[0].saving == Saving(
        30_000_000, "installed size of matplotlib wheels (package index)"
    )
    assert findings[0].severity is Severity.WARNING
    assert findings[0].fix is not None and 'allow = ["matplotlib"]' in findings[0].fix


def test_jt309_still_pulled_in_by_a_kept_package(tmp_path: Path) -> None:
    reqs = requirements_file(tmp_path, "transformers==4.52.3\nnumpy==1.26.4\n")
    ctx = make_ctx(
        tmp_path,
        SLIM,
        requirements=reqs,
        imports=source(tmp_path, "app.py", "import transformers\n", "transformers"),
        used={"transformers"},
        sizes=PlainSizes({"numpy": 40_000_000}),
    )
    (finding,) = run(JT309, ctx)
    assert finding.severity is Severity.INFO
    assert "transformers still pulls it in" in finding.message
    assert finding.saving is None


def test_jt309_dependency_of_a_removed_package_is_a_real_saving(tmp_path: Path) -> None:
    reqs = requirements_file(tmp_path, "seaborn==0.13.2\npandas==2.2.3\n")
    ctx = make_ctx(
        tmp_path,
        SLIM,
        requirements=reqs,
        imports=source(tmp_path, "app.py", "import os\n", "os"),
    )
    findings = run(JT309, ctx)
    assert [f.severity for f in findings] == [Severity.WARNING, Severity.WARNING]


def test_jt309_used_without_import(tmp_path: Path) -> None:
    reqs = requirements_file(
        tmp_path,
        "fastapi==0.115.0\nuvicorn[standard]==0.30.1\npsycopg2-binary==2.9.9\n"
        "python-multipart==0.0.9\npytest==8.2.0\ntorchvision==0.22.0\ncelery==5.4.0\n"
        "mytool==1.0\nnvidia-cublas-cu12==12.4.5.8\n",
    )
    text = (
        "FROM python:3.11-slim\nRUN pip install -r requirements.txt\n"
        'CMD ["celery", "-A", "app", "worker"]\n'
    )
    ctx = make_ctx(
        tmp_path,
        text,
        requirements=reqs,
        imports=source(tmp_path, "app.py", "import fastapi\n", "fastapi"),
        used={"fastapi"},
        options={"JT309": {"allow": ["MyTool"]}},
    )
    assert run(JT309, ctx) == []  # pytest is JT301's, torchvision JT303's


def test_jt309_module_run_with_python_m(tmp_path: Path) -> None:
    reqs = requirements_file(tmp_path, "gradio==4.0\n")
    text = 'FROM python:3.11-slim\nCMD ["python", "-m", "gradio.cli", "app.py"]\n'
    ctx = make_ctx(
        tmp_path, text, requirements=reqs, imports=source(tmp_path, "a.py", "import os\n", "os")
    )
    assert run(JT309, ctx) == []


def test_jt309_needs_the_import_scan(tmp_path: Path) -> None:
    reqs = requirements_file(tmp_path, "matplotlib==3.9.2\n")
    assert run(JT309, make_ctx(tmp_path, SLIM, requirements=reqs)) == []


PARTIAL = CodeView(2, ("the code imports local modules that are not in it: svc.jobs (app.py:3)",))


def test_jt309_partial_code_lists_the_packages_at_info(tmp_path: Path) -> None:
    reqs = requirements_file(tmp_path, "flask==3.0.3\nstreamlit==1.38.0\ncelery==5.4.0\n")
    text = SLIM + "RUN pip install --no-cache-dir matplotlib==3.9.2\n"
    ctx = make_ctx(
        tmp_path,
        text,
        requirements=reqs,
        imports=source(tmp_path, "app.py", "import flask\n", "flask"),
        used={"flask"},
        sizes=PlainSizes({"streamlit": 40_000_000}),
        code_view=PARTIAL,
    )
    first, second = run(JT309, ctx)
    assert (first.file.name, first.line, second.line) == ("Dockerfile", 3, 2)
    assert second.message == (
        "streamlit and celery are not imported by the 1 Python file scanned, but the build "
        "context holds only part of the shipped code: the code imports local modules that "
        "are not in it: svc.jobs (app.py:3): they may be used by the code that is not here"
    )
    assert first.message.startswith("matplotlib is not imported by the 1 Python file")
    assert all(f.severity is Severity.INFO and f.saving is None for f in (first, second))


def test_jt309_small_packages_are_a_mention(tmp_path: Path) -> None:
    reqs = requirements_file(tmp_path, "flask==3.0.3\npython-slugify==8.0.4\nplotly==5.24.1\n")
    ctx = make_ctx(
        tmp_path,
        SLIM,
        requirements=reqs,
        imports=source(tmp_path, "app.py", "import flask\n", "flask"),
        used={"flask"},
    )
    slugify, plotly = run(JT309, ctx)
    assert slugify.severity is Severity.INFO
    assert (
        slugify.message
        == "python-slugify is declared but the shipped code never imports it (a small package)"
    )
    assert plotly.severity is Severity.WARNING
    # measured heavy: a warning too
    ctx = make_ctx(
        tmp_path,
        SLIM,
        requirements=reqs,
        imports=source(tmp_path, "app.py", "import flask\n", "flask"),
        used={"flask"},
        sizes=PlainSizes({"python-slugify": 12_000_000}),
    )
    assert [f.severity for f in run(JT309, ctx)] == [Severity.WARNING, Severity.WARNING]


def test_jt309_unpickled_models_need_their_libraries(tmp_path: Path) -> None:
    reqs = requirements_file(tmp_path, "fastapi==0.115.0\nscikit-learn==1.5.2\nxgboost==2.1.1\n")
    code = "import pickle\nimport fastapi\nmodel = pickle.load(open('model.pkl', 'rb'))\n"
    ctx = make_ctx(
        tmp_path,
        SLIM,
        requirements=reqs,
        imports=source(tmp_path, "app.py", code, "fastapi"),
        used={"fastapi"},
    )
    assert run(JT309, ctx) == []
    code = "from joblib import load\nimport fastapi\nmodel = load('model.joblib')\n"
    ctx = make_ctx(
        tmp_path,
        SLIM,
        requirements=reqs,
        imports=source(tmp_path, "app.py", code, "fastapi", "joblib"),
        used={"fastapi"},
    )
    assert run(JT309, ctx) == []


def test_jt309_integrations_and_build_time_programs(tmp_path: Path) -> None:
    """``langchain.chat_models.openai`` needs openai; poetry runs in a RUN line; packages on
    ``pip install`` lines count as declared for the imports too."""
    reqs = requirements_file(tmp_path, "langchain==0.1.20\nopenai==1.40.0\n")
    text = (
        "FROM python:3.11-slim\nRUN pip install poetry==1.8.3 gradio==4.44.0\n"
        "RUN poetry install --only main\n"
    )
    code = "from langchain.chat_models.openai import ChatOpenAI\nimport gradio as gr\n"
    ctx = make_ctx(
        tmp_path,
        text,
        requirements=reqs,
        imports=source(tmp_path, "app.py", code, "langchain", "gradio"),
        used={"langchain"},
    )
    assert run(JT309, ctx) == []


def test_jt309_a_pip_freeze_lists_dependencies(tmp_path: Path) -> None:
    reqs = requirements_file(tmp_path, "flask==3.0.0\nblinker==1.7.0\npython-dateutil==2.8.2\n")
    ctx = make_ctx(
        tmp_path,
        SLIM,
        requirements=reqs,
        imports=source(tmp_path, "app.py", "import flask\n", "flask"),
        used={"flask"},
    )
    blinker, dateutil = run(JT309, ctx)
    assert "flask still pulls it in" in blinker.message
    assert blinker.severity is Severity.INFO
    assert dateutil.message.endswith("(a small package)")  # pandas is not kept here
