"""The command an image runs: its last ENTRYPOINT and CMD."""

from __future__ import annotations

from pathlib import Path

from jettison.dockerfile.launch import (
    final_commands,
    launches,
    python_module,
    runs_notebook,
    starts_no_service,
)
from jettison.dockerfile.model import Dockerfile
from jettison.dockerfile.parser import parse_dockerfile
from support.commands import command
from support.files import write


def test_final_commands(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "Dockerfile",
        'FROM python:3.11 AS base\nENTRYPOINT ["tini", "--"]\nCMD python -m old\n'
        "FROM base\nCMD gunicorn -w 2 app:app && echo done\n",
    )
    assert final_commands(parse_dockerfile(path)) == [
        ["tini", "--"],
        ["gunicorn", "-w", "2", "app:app"],
        ["echo", "done"],
    ]
    exec_form = write(tmp_path, "exec.Dockerfile", 'FROM x\nCMD ["uvicorn", "app:app"]\n')
    assert final_commands(parse_dockerfile(exec_form)) == [["uvicorn", "app:app"]]


def test_launches_join_entrypoint_and_cmd(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "Dockerfile",
        'FROM x\nENTRYPOINT ["python", "-m"]\nCMD ["uvicorn", "app:app", "--port", "8000"]\n',
    )
    programs = [(launch.program, launch.args) for launch in launches(parse_dockerfile(path))]
    assert ("uvicorn", ("app:app", "--port", "8000")) in programs
    assert python_module(command("python3 -m http.server")) == "http.server"
    assert python_module(command("python app.py")) is None


def test_images_that_start_no_service(tmp_path: Path) -> None:
    def parsed(text: str) -> Dockerfile:
        return parse_dockerfile(write(tmp_path, "Dockerfile", "FROM python:3.12-slim\n" + text))

    assert starts_no_service(parsed(""))
    assert starts_no_service(parsed('CMD ["bash"]\n'))
    assert starts_no_service(parsed("CMD python3 -i\n"))
    assert not starts_no_service(parsed('CMD ["python", "app.py"]\n'))
    assert not starts_no_service(parsed('CMD ["bash", "-c", "uvicorn app:app"]\n'))
    assert not runs_notebook(parsed('CMD ["python", "app.py"]\n'))
    assert runs_notebook(parsed('CMD ["jupyter", "lab", "--ip=0.0.0.0"]\n'))
    assert runs_notebook(parsed("CMD python -m jupyter notebook\n"))
