"""Servers and tools named in CMD/ENTRYPOINT count as used distributions."""

from __future__ import annotations

import shlex

import pytest

from jettison.imports.servers import servers_in_commands


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        (["uvicorn", "app.main:app", "--host", "0.0.0.0"], {"uvicorn"}),
        (["/opt/venv/bin/gunicorn", "-w", "4", "app:app"], {"gunicorn"}),
        (
            ["gunicorn", "-k", "uvicorn.workers.UvicornWorker", "app:app"],
            {"gunicorn", "uvicorn"},
        ),
        (["gunicorn", "--worker-class=gthread", "app:app"], {"gunicorn"}),
        (
            ["uvicorn", "--loop", "uvloop", "--http=httptools", "a:b"],
            {"uvicorn", "uvloop", "httptools"},
        ),
        (["hypercorn", "a:b"], {"hypercorn"}),
        (["daphne", "a.asgi:application"], {"daphne"}),
        (["waitress-serve", "--port=8080", "a:b"], {"waitress"}),
        (["streamlit", "run", "app.py"], {"streamlit"}),
        (["gradio", "app.py"], {"gradio"}),
        (["flask", "run", "--host=0.0.0.0"], {"flask"}),
        (["celery", "-A", "tasks", "worker"], {"celery"}),
        (["fastapi", "run", "main.py"], {"fastapi", "fastapi-cli"}),
        (["torchrun", "--nproc_per_node=2", "train.py"], {"torch"}),
        (["python", "-m", "uvicorn", "a:b"], {"uvicorn"}),
        (
            ["python3.11", "-u", "-X", "dev", "-m", "gunicorn", "-k", "gevent", "a:b"],
            {"gunicorn", "gevent"},
        ),
        (["python", "-mflask", "run"], {"flask"}),
        (
            ["python", "-m", "torch.distributed.run", "train.py"],
            {"torch", "pytorch", "pytorch-cpu"},
        ),
        (["python", "-m", "http.server"], set()),
        (["python", "app/predictor.py", "sample.txt"], set()),
        (["python", "manage.py", "runserver"], {"django"}),
        (["python", "-c", "import uvicorn; uvicorn.run('a:b')"], {"uvicorn"}),
        (["sh", "-c", "alembic upgrade head && exec uvicorn a:b"], {"alembic", "uvicorn"}),
        (["/bin/bash", "-c", "python -m celery -A t worker"], {"celery"}),
        (["tini", "--", "uvicorn", "a:b"], {"uvicorn"}),
        (["dumb-init", "--single-child", "gunicorn", "a:b"], {"gunicorn"}),
        (["gosu", "app", "streamlit", "run", "x.py"], {"streamlit"}),
        (["ddtrace-run", "gunicorn", "a:b"], {"ddtrace", "gunicorn"}),
        (["newrelic-admin", "run-program", "uvicorn", "a:b"], {"newrelic", "uvicorn"}),
        (["env", "PORT=80", "uvicorn", "a:b"], {"uvicorn"}),
        (["mlflow", "server"], {"mlflow"}),
        (["my-console-script", "--flag"], {"my-console-script"}),
        (["bash"], set()),
        ([], set()),
    ],
)
def test_servers(command: list[str], expected: set[str]) -> None:
    assert servers_in_commands([command]) == expected


def test_shell_form_split_on_whitespace_keeps_operators_apart() -> None:
    argv = shlex.split("python manage.py migrate && gunicorn -k uvicorn.workers.UvicornWorker a:b")
    assert servers_in_commands([argv]) == {"django", "gunicorn", "uvicorn"}


def test_several_lists_add_up() -> None:
    assert servers_in_commands([("tini", "--"), ("uvicorn", "a:b"), ("celery", "worker")]) == {
        "uvicorn",
        "celery",
    }
