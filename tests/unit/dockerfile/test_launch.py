"""The command an image runs: its last ENTRYPOINT and CMD."""

from __future__ import annotations

from pathlib import Path

import pytest

from jettison.dockerfile.launch import (
    dropped_to,
    final_commands,
    launched_programs,
    launches,
    programs_of,
    python_module,
    runs_notebook,
    start_argv,
    starts_no_service,
)
from jettison.dockerfile.model import Dockerfile
from jettison.dockerfile.parser import parse_dockerfile
from jettison.dockerfile.shell import split_commands
from jettison.dockerfile.steps import chain
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


def test_start_argv(tmp_path: Path) -> None:
    def start(text: str) -> tuple[int, tuple[str, ...]] | None:
        found = start_argv(parse_dockerfile(write(tmp_path, "Dockerfile", text)))
        return None if found is None else (found[0].position.line, found[1])

    assert start('FROM x\nENTRYPOINT ["/e.sh"]\nCMD ["serve", "--port", "80"]\n') == (
        2,
        ("/e.sh", "serve", "--port", "80"),
    )
    assert start('FROM x\nENTRYPOINT ["/e.sh"]\nCMD serve --port 80\n') == (
        2,
        ("/e.sh", "/bin/sh", "-c", "serve --port 80"),
    )
    assert start("FROM x\nENTRYPOINT /e.sh run\nCMD ignored\n") == (
        2,
        ("/bin/sh", "-c", "/e.sh run"),
    )
    assert start('FROM x\nENTRYPOINT []\nCMD ["bash"]\n') == (3, ("bash",))
    assert start("FROM x\nRUN true\n") is None


@pytest.mark.parametrize(
    ("line", "user"),
    [
        ('gosu app "$@"', "app"),
        ("exec su-exec 1000:1000 python x.py", "1000:1000"),
        ("setpriv --reuid=app --regid=app --init-groups python x.py", "app"),
        ("runuser -u worker -- celery worker", "worker"),
        ("su app -c 'python x.py'", "app"),
        ("chroot --userspec=app:app / python", "app:app"),
        ("gosu root python", None),
        ("python x.py", None),
    ],
)
def test_dropped_to(line: str, user: str | None) -> None:
    (command,) = split_commands(line)
    assert dropped_to(command) == user


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


@pytest.mark.parametrize(
    ("line", "programs"),
    [
        ('CMD ["/opt/venv/bin/uvicorn", "app:app"]', {"uvicorn"}),
        ("CMD poetry run python app.py", {"poetry", "python"}),
        ("ENTRYPOINT uv run --with x gunicorn app:app && echo done", {"uv", "gunicorn", "echo"}),
        ("HEALTHCHECK CMD curl -f http://localhost/ || exit 1", {"curl", "exit"}),
        ('HEALTHCHECK --interval=5s CMD ["python", "-c", "x"]', {"python"}),
        ("HEALTHCHECK NONE", set()),
    ],
)
def test_programs_of(tmp_path: Path, line: str, programs: set[str]) -> None:
    path = write(tmp_path, "Dockerfile", f"FROM python:3.11\n{line}\n")
    (instruction,) = parse_dockerfile(path).stages[0].instructions
    assert programs_of(instruction) == programs


def test_launched_programs_of_every_stage_of_the_image(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "Dockerfile",
        "FROM python:3.11 AS base\nCMD gunicorn app:app\nHEALTHCHECK CMD curl -f x\n"
        "FROM node AS other\nCMD node server.js\n"
        'FROM base\nCMD ["poetry", "run", "uvicorn", "app:app"]\n',
    )
    dockerfile = parse_dockerfile(path)
    stages = chain(dockerfile, dockerfile.stages[-1])
    assert launched_programs(stages) == {"gunicorn", "curl", "poetry", "uvicorn"}
