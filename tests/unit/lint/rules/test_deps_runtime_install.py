"""JT311: packages installed when the container starts."""

from __future__ import annotations

from pathlib import Path

from jettison.lint.model import Severity
from jettison.lint.rules.deps import jt311_runtime_install

from ._stack_helpers import make_ctx, run, source

JT311 = jt311_runtime_install.RULE


def _script(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "docker" / "start.sh"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("#!/bin/sh\nset -e\n" + body, encoding="utf-8")
    return path


START = 'FROM python:3.12-slim\nWORKDIR /srv\nCOPY docker/start.sh ./\nENTRYPOINT ["./start.sh"]\n'


def test_a_start_script_that_always_installs(tmp_path: Path) -> None:
    _script(tmp_path, "pip install -r requirements.txt\nexec uvicorn app:api\n")
    (finding,) = run(JT311, make_ctx(tmp_path, START))
    assert (finding.file.name, finding.line, finding.severity) == (
        "Dockerfile",
        4,
        Severity.WARNING,
    )
    assert finding.message.startswith(
        "start.sh, which the image starts, runs pip install every time the container starts"
    )


def test_an_opt_in_install_is_info(tmp_path: Path) -> None:
    _script(
        tmp_path,
        'if [ -n "$SSH_KEY" ]; then\n  apt-get update\n  apt-get install -y openssh-server\nfi\n'
        '[ "$DEBUG" = 1 ] && pip install debugpy\nexec python app.py\n',
    )
    (finding,) = run(JT311, make_ctx(tmp_path, START))
    assert finding.severity is Severity.INFO
    assert "runs apt-get install, pip install when a setting asks for it" in finding.message


def test_a_shell_form_command_that_installs(tmp_path: Path) -> None:
    text = "FROM python:3.12-slim\nCMD pip install flask && python app.py\n"
    (finding,) = run(JT311, make_ctx(tmp_path, text))
    assert finding.line == 2
    assert finding.message == "the container's command runs pip install every time it starts"


def test_a_library_that_installs_what_it_misses(tmp_path: Path) -> None:
    code = (
        "from gptcache.utils import import_fastapi, import_pydantic\n"
        "import_fastapi()\nimport_pydantic()\nimport fastapi\n"
    )
    imports = source(tmp_path, "server.py", code, "gptcache", "fastapi")
    text = "FROM python:3.12-slim\nRUN pip install gptcache==0.1.44 pydantic==2.9.2\n"
    (finding,) = run(JT311, make_ctx(tmp_path, text, imports=imports))
    assert finding.severity is Severity.WARNING and finding.line == 2
    assert finding.message == (
        "gptcache installs fastapi with pip when the service starts (server.py:2 calls its "
        "import_*() helpers), because the image does not install it"
    )


def test_a_server_known_to_install_what_it_misses(tmp_path: Path) -> None:
    text = (
        "FROM python:3.12-slim\nRUN pip install gptcache==0.1.44\n"
        'CMD ["gptcache_server", "-s", "0.0.0.0"]\n'
    )
    (finding,) = run(JT311, make_ctx(tmp_path, text))
    assert finding.severity is Severity.INFO and finding.line == 3
    assert finding.message.startswith(
        "gptcache_server (from gptcache) pip-installs fastapi, pydantic, starlette when it starts"
    )
    text = text.replace("gptcache==0.1.44", "gptcache==0.1.44 fastapi pydantic starlette")
    assert run(JT311, make_ctx(tmp_path, text)) == []


def test_code_that_runs_pip(tmp_path: Path) -> None:
    code = (
        "import subprocess, sys\n"
        "subprocess.check_call([sys.executable, '-m', 'pip', 'install', 'x'])\n"
    )
    imports = source(tmp_path, "plugins.py", code, "os")
    (finding,) = run(JT311, make_ctx(tmp_path, "FROM python:3.12-slim\n", imports=imports))
    assert (finding.file.name, finding.line, finding.severity) == ("plugins.py", 2, Severity.INFO)


def test_negative(tmp_path: Path) -> None:
    _script(tmp_path, "python migrate.py\nexec gunicorn app:api\n")
    assert run(JT311, make_ctx(tmp_path, START)) == []
    text = 'FROM python:3.12-slim\nRUN pip install flask\nCMD ["flask", "run"]\n'
    assert run(JT311, make_ctx(tmp_path, text)) == []
