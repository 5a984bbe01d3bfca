"""What COPY/ADD bring from the build context, and where it lands."""

from __future__ import annotations

from pathlib import Path

from jettison.dockerfile.copies import (
    context_source,
    copy_parts,
    copy_sources,
    destination,
    local_sources,
    whole_context,
)
from jettison.dockerfile.parser import parse_dockerfile
from support.files import write


def test_copies(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "Dockerfile",
        "FROM python:3.11 AS build\nENV APP=/srv\nWORKDIR $APP\n"
        "COPY requirements.txt ./\nCOPY --from=build /opt/venv /opt/venv\n"
        "ADD https://x/a.tgz /tmp/\nCOPY $SRC /src\nCOPY . .\nCOPY <<EOF /etc/x\nhi\nEOF\n"
        "FROM build\nWORKDIR app\nCOPY models/ ./models/\n",
    )
    dockerfile = parse_dockerfile(path)
    build, final = dockerfile.stages
    assert copy_sources(dockerfile) == ["requirements.txt", ".", "models/"]
    requirements, venv, add, variable, whole, heredoc = build.instructions[2:]
    assert local_sources(venv) == [] and local_sources(add) == [] and local_sources(variable) == []
    assert whole_context(whole) and not whole_context(requirements) and not whole_context(venv)
    assert copy_parts(heredoc) is None
    assert copy_parts(requirements) == (["requirements.txt"], "./")
    assert destination(dockerfile, build, requirements, "./") == "/srv"
    models = final.instructions[-1]
    assert destination(dockerfile, final, models, "./models/") == "/srv/app/models"


def test_context_source_of_a_file_in_the_image(tmp_path: Path) -> None:
    write(tmp_path, "docker/entrypoint.sh", "")
    write(tmp_path, "app/start.sh", "")
    dockerfile = parse_dockerfile(
        write(
            tmp_path,
            "Dockerfile",
            "FROM python:3.12-slim\nWORKDIR /srv\nCOPY docker/entrypoint.sh /entrypoint.sh\n"
            "COPY app/ ./app/\nCOPY docker/entrypoint.sh ./\n",
        )
    )
    assert (
        context_source(dockerfile, "/entrypoint.sh", tmp_path) == tmp_path / "docker/entrypoint.sh"
    )
    assert context_source(dockerfile, "app/start.sh", tmp_path, "/srv") == tmp_path / "app/start.sh"
    assert context_source(dockerfile, "./entrypoint.sh", tmp_path, "/srv") == (
        tmp_path / "docker/entrypoint.sh"
    )
    assert context_source(dockerfile, "/usr/bin/python", tmp_path) is None
