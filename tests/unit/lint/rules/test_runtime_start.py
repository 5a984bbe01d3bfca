"""JT604, JT605, JT606 and JT610 on what the image starts: entrypoint scripts, the Python
they run, console scripts and serving bases (minimal projects written by each test)."""

from __future__ import annotations

from pathlib import Path

import pytest

from jettison.lint.model import Finding, Rule, Severity
from jettison.lint.rules.runtime import (
    jt604_dev_server,
    jt605_no_healthcheck,
    jt606_runtime_install,
    jt610_entrypoint_no_exec,
)
from support.files import write

from ._stack_helpers import make_ctx, run

JT604 = jt604_dev_server.RULE
JT605 = jt605_no_healthcheck.RULE
JT606 = jt606_runtime_install.RULE
JT610 = jt610_entrypoint_no_exec.RULE


def lint(
    rule: Rule, tmp_path: Path, dockerfile: str, files: dict[str, str] | None = None
) -> list[Finding]:
    for name, text in (files or {}).items():
        write(tmp_path, name, text)
    return run(rule, make_ctx(tmp_path, dockerfile))


ENTRY = 'FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\nENTRYPOINT ["./start.sh"]\n'


# -- JT605 -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("dockerfile", "files", "why"),
    [
        (ENTRY, {"start.sh": "#!/bin/sh\nexec gunicorn -b 0.0.0.0:80 app:app\n"},
         "runs gunicorn (start.sh line 2)"),
        ('FROM python:3.12\nCOPY . /srv\nCMD ["python", "/srv/ui.py"]\n',
         {"ui.py": "import gradio as gr\ngr.Interface(fn=len, inputs='t', outputs='t').launch()\n"},
         "runs ui.py, which serves with gradio"),
        ('FROM python:3.12\nRUN pip install .\nCMD ["shopd", "--port", "80"]\n',
         {"pyproject.toml": '[project]\nname="shop"\n[project.scripts]\nshopd = "shop.main:run"\n',
          "shop/main.py": "import uvicorn\ndef run():\n    uvicorn.run('shop.api:app')\n"},
         "runs shop/main.py, which serves with uvicorn"),
        ("FROM tiangolo/uvicorn-gunicorn-fastapi:python3.11\nCOPY app /app/app\n", {},
         "keeps the command of its base tiangolo/uvicorn-gunicorn-fastapi"),
        ('FROM python:3.12\nCMD ["python", "-m", "llama_cpp.server"]\n', {},
         "runs llama_cpp.server"),
    ],
)  # fmt: skip
def test_jt605_services_found_through_what_the_image_starts(
    tmp_path: Path, dockerfile: str, files: dict[str, str], why: str
) -> None:
    [finding] = lint(JT605, tmp_path, dockerfile, files)
    assert why in finding.message and finding.severity is Severity.INFO


@pytest.mark.parametrize(
    ("dockerfile", "files"),
    [
        ('FROM python:3.12\nEXPOSE 8080\nCMD ["bash"]\n', {}),
        ("FROM ubuntu:24.04\nEXPOSE 22\nCMD /usr/sbin/sshd -D\n", {}),
        (ENTRY + "EXPOSE 10700\n", {"start.sh": "exec python -m speechd --uri tcp://0.0.0.0:10700\n"}),
        ("FROM nvcr.io/nvidia/tritonserver:24.05-py3\nCOPY models /models\n", {}),
        ('FROM python:3.12\nCOPY job.py .\nCMD ["python", "job.py"]\n', {"job.py": "print(1)\n"}),
    ],
)  # fmt: skip
def test_jt605_not_an_http_service(tmp_path: Path, dockerfile: str, files: dict[str, str]) -> None:
    assert lint(JT605, tmp_path, dockerfile, files) == []


# -- JT604 -----------------------------------------------------------------------------------


def test_jt604_reload_passed_through_an_entrypoint_script(tmp_path: Path) -> None:
    dockerfile = (
        "FROM python:3.12-slim\nCOPY entry.sh /entry.sh\n"
        'ENTRYPOINT ["/entry.sh"]\nCMD ["--port 80 --reload"]\n'
    )
    script = 'opts="$@"\nexec uvicorn svc.app:app $(eval echo "$opts")\n'
    [finding] = lint(JT604, tmp_path, dockerfile, {"entry.sh": script})
    assert (
        finding.line == 3 and "--reload" in finding.message and "entry.sh line 2" in finding.message
    )


def test_jt604_flask_app_run_in_the_started_script(tmp_path: Path) -> None:
    code = (
        "from flask import Flask\napp = Flask('x')\n"
        "if __name__ == '__main__':\n    app.run(debug=True)\n"
    )
    dockerfile = 'FROM python:3.12-slim\nCOPY server.py .\nCMD ["python", "server.py"]\n'
    [finding] = lint(JT604, tmp_path, dockerfile, {"server.py": code})
    assert "debugger" in finding.message and "server.py line 4" in finding.message
    served = 'FROM python:3.12-slim\nCOPY server.py .\nCMD ["gunicorn", "server:app"]\n'
    assert lint(JT604, tmp_path, served, {"server.py": code}) == []  # __main__ does not run


def test_jt604_a_cli_whose_default_reloads(tmp_path: Path) -> None:
    cli = (
        "import click, uvicorn\n@click.group()\ndef cli():\n    pass\n"
        "@cli.command()\n@click.option('--prod/--no-prod', default=False)\n"
        "def start(prod):\n    uvicorn.run('svc.api:app', reload=not prod)\n"
    )
    files = {
        "setup.py": "setup(entry_points={'console_scripts': ['svc=svc.cli:cli']})\n",
        "svc/cli.py": cli,
    }
    dockerfile = 'FROM python:3.12\nCOPY . /src\nRUN pip install /src\nCMD ["svc", "start"]\n'
    [finding] = lint(JT604, tmp_path, dockerfile, files)
    assert "reload=not prod" in finding.message
    prod = dockerfile.replace('"start"]', '"start", "--prod"]')
    assert lint(JT604, tmp_path, prod, files) == []


# -- JT610 -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("script", "problem"),
    [
        ("#!/bin/sh\necho boot\ngunicorn -b 0.0.0.0:80 app:app\n", "last command without exec"),
        ('CMD="vllm serve /m --port 80"\neval $CMD\n', "through eval"),
        ("#!/bin/bash\nuvicorn app:app &\nwait $!\n", "in the background"),
        ('#!/bin/sh\nsetup\ngosu app "$@"\n', "as its last command without exec"),
    ],
)  # fmt: skip
def test_jt610_shell_stays_pid_1(tmp_path: Path, script: str, problem: str) -> None:
    dockerfile = ENTRY + 'CMD ["uvicorn", "app:app"]\nEXPOSE 80\n'
    [finding] = lint(JT610, tmp_path, dockerfile, {"start.sh": script})
    assert problem in finding.message and finding.line == 4
    assert finding.severity is Severity.WARNING and "exec" in (finding.fix or "")


@pytest.mark.parametrize(
    "script",
    [
        "#!/bin/sh\nexec gunicorn app:app\n",
        '#!/bin/sh\nexec "$@"\n',
        "trap 'kill -TERM $pid' TERM\nuvicorn app:app &\npid=$!\nwait $pid\n",
        "#!/bin/sh\npython train.py --epochs 3\n",  # a batch job: no port, no server
        'if [ -n "$DEV" ]; then\n  exec app --dev\nelse\n  exec app\nfi\n',
    ],
)
def test_jt610_exec_traps_and_batch_jobs(tmp_path: Path, script: str) -> None:
    assert lint(JT610, tmp_path, ENTRY, {"start.sh": script}) == []


def test_jt610_only_with_the_script_in_the_context(tmp_path: Path) -> None:
    assert lint(JT610, tmp_path, ENTRY + "EXPOSE 80\n") == []


# -- JT606 -----------------------------------------------------------------------------------


def test_jt606_installs_in_the_entrypoint(tmp_path: Path) -> None:
    script = (
        "#!/bin/sh\npip install -r /app/requirements.txt\n"
        'if [ -n "$WITH_SSH" ]; then\n  apt-get install -y openssh-server\nfi\nexec python app.py\n'
    )
    [finding] = lint(JT606, tmp_path, ENTRY, {"start.sh": script})
    assert finding.severity is Severity.WARNING and finding.line == 4
    assert "pip install -r" in finding.message and "behind a condition" in finding.message


def test_jt606_opt_in_only_is_info(tmp_path: Path) -> None:
    script = 'if [ -n "$WITH_SSH" ]; then\n  apt-get install -y openssh-server\nfi\nexec app\n'
    [finding] = lint(JT606, tmp_path, ENTRY, {"start.sh": script})
    assert finding.severity is Severity.INFO


def test_jt606_installs_in_the_started_python(tmp_path: Path) -> None:
    code = "import subprocess\nsubprocess.check_call(['pip', 'install', 'plugin'])\n"
    dockerfile = 'FROM python:3.12\nCOPY main.py .\nCMD ["python", "main.py"]\n'
    [finding] = lint(JT606, tmp_path, dockerfile, {"main.py": code})
    assert finding.severity is Severity.WARNING and "main.py line 2" in finding.message
    lazy = "from helpers import import_torch\nimport_torch()\nimport torch\n"
    [guess] = lint(JT606, tmp_path, dockerfile, {"main.py": lazy})
    assert guess.severity is Severity.INFO and "by its name" in guess.message


def test_jt606_nothing_at_start(tmp_path: Path) -> None:
    assert lint(JT606, tmp_path, ENTRY, {"start.sh": "exec python app.py\n"}) == []


@pytest.mark.parametrize(
    ("cmd", "reason"),
    [
        ('["gradio", "app.py"]', "Gradio's auto-reloading development mode"),
        ('["chainlit", "run", "app.py", "-w"]', "reloads on every file change"),
    ],
)
def test_jt604_cli_dev_modes(tmp_path: Path, cmd: str, reason: str) -> None:
    [finding] = lint(JT604, tmp_path, f"FROM python:3.12-slim\nCMD {cmd}\n")
    assert reason in finding.message
    assert lint(JT604, tmp_path, 'FROM python:3.12-slim\nCMD ["chainlit", "run", "app.py"]\n') == []


def test_jt606_installs_in_the_command_itself(tmp_path: Path) -> None:
    dockerfile = "FROM node:22-slim\nCMD npm ci && node server.js\n"
    [finding] = lint(JT606, tmp_path, dockerfile)
    assert "`npm ci`" in finding.message and finding.severity is Severity.WARNING
    assert lint(JT606, tmp_path, "FROM node:22-slim\nCMD npm start\n") == []
