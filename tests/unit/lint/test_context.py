"""Building the lint context: which Dockerfile, which build context, .dockerignore, commands."""

from __future__ import annotations

from pathlib import Path

import pytest

from jettison.dockerfile.parser import parse_dockerfile
from jettison.errors import DockerfileError
from jettison.lint.context import (
    build_context,
    copy_sources,
    dockerignore_path,
    final_commands,
    find_dockerfile,
    input_files,
    is_requirements_input,
    owning_dockerfile,
    resolve_context,
)
from support.files import write

REPO = Path(__file__).resolve().parents[3]


def test_find_dockerfile_in_a_file_or_directory(tmp_path: Path) -> None:
    any_name = write(tmp_path, "build/app.docker", "FROM scratch\n")
    assert find_dockerfile(any_name) == any_name
    for name in ("Dockerfile", "Containerfile", "svc.Dockerfile"):
        directory = tmp_path / name.replace(".", "_")
        write(directory, name, "FROM scratch\n")
        assert find_dockerfile(directory) == directory / name


def test_several_dockerfiles_is_an_error_with_a_hint(tmp_path: Path) -> None:
    write(tmp_path, "Dockerfile", "FROM scratch\n")
    write(tmp_path, "dev.Dockerfile", "FROM scratch\n")
    with pytest.raises(DockerfileError, match=r"several Dockerfiles \(Dockerfile, dev") as info:
        find_dockerfile(tmp_path)
    assert info.value.hint is not None
    assert "jettison lint" in info.value.hint


def test_no_dockerfile_and_missing_path(tmp_path: Path) -> None:
    with pytest.raises(DockerfileError, match="no Dockerfile here"):
        find_dockerfile(tmp_path)
    with pytest.raises(DockerfileError, match="no such file or directory"):
        find_dockerfile(tmp_path / "nope")


def test_context_is_the_dockerfile_directory_when_sources_are_there(tmp_path: Path) -> None:
    write(tmp_path, "svc/app/main.py", "")
    write(tmp_path, "svc/requirements.txt", "")
    path = write(tmp_path, "svc/Dockerfile", "FROM x\nCOPY requirements.txt .\nCOPY app/ /app/\n")
    assert resolve_context(parse_dockerfile(path)) == path.parent


def test_context_is_the_parent_when_sources_resolve_there(tmp_path: Path) -> None:
    """The seed example: naive_image/Dockerfile is built from its parent directory."""
    write(tmp_path, "naive_image/requirements.txt", "")
    write(tmp_path, "naive_image/app/predictor.py", "")
    path = write(
        tmp_path,
        "naive_image/Dockerfile",
        "FROM x\nCOPY naive_image/requirements.txt ./\nCOPY naive_image/app/ ./app/\n"
        "COPY --from=builder /opt/venv /opt/venv\nADD https://example.org/x.tar.gz /x\n"
        "COPY <<EOF /etc/x\nhello\nEOF\nCOPY $SRC /src\n",
    )
    dockerfile = parse_dockerfile(path)
    assert copy_sources(dockerfile) == ["naive_image/requirements.txt", "naive_image/app/"]
    assert resolve_context(dockerfile).resolve() == tmp_path.resolve()


def test_context_heuristic_follows_globs_and_prefers_the_nearest(tmp_path: Path) -> None:
    write(tmp_path, "docker/requirements-prod.txt", "")
    write(tmp_path, "requirements-prod.txt", "")
    path = write(tmp_path, "docker/Dockerfile", "FROM x\nCOPY requirements-*.txt ./\n")
    assert resolve_context(parse_dockerfile(path)) == path.parent  # a tie: the nearest


def test_explicit_context(tmp_path: Path) -> None:
    path = write(tmp_path, "Dockerfile", "FROM x\n")
    assert resolve_context(parse_dockerfile(path), tmp_path / ".") == tmp_path / "."
    with pytest.raises(DockerfileError, match="not a directory"):
        resolve_context(parse_dockerfile(path), path)


def test_the_seed_example_is_built_from_its_parent() -> None:
    path = REPO / "examples/bert-classifier/naive_image/Dockerfile"
    assert resolve_context(parse_dockerfile(path)) == REPO / "examples/bert-classifier"


def test_dockerignore_next_to_the_dockerfile_wins(tmp_path: Path) -> None:
    dockerfile = write(tmp_path, "docker/app.Dockerfile", "FROM x\n")
    assert dockerignore_path(dockerfile, tmp_path) is None
    write(tmp_path, ".dockerignore", "# comment\n\n.git\n  __pycache__  \n!keep\n")
    assert dockerignore_path(dockerfile, tmp_path) == tmp_path / ".dockerignore"
    own = write(tmp_path, "docker/app.Dockerfile.dockerignore", "*\n")
    assert dockerignore_path(dockerfile, tmp_path) == own


def test_build_context_reads_everything(tmp_path: Path) -> None:
    write(tmp_path, ".dockerignore", "# comment\n\n.git\n  __pycache__  \n!keep\n")
    write(tmp_path, "requirements.txt", "flask==3.0.0\n")
    write(tmp_path, "app.py", "import flask\n")
    path = write(tmp_path, "Dockerfile", "FROM python:3.11-slim\nCOPY . /app\n")
    sizes = {"flask": 10}
    ctx = build_context(
        tmp_path, src=None, image=None, sizes=lambda n, s: sizes.get(n), options={"a": 1}
    )
    assert ctx.dockerfile is not None and ctx.dockerfile.path == path
    assert ctx.context_dir == tmp_path
    assert ctx.dockerignore == (".git", "__pycache__", "!keep")
    assert [r.name for r in ctx.requirements.requirements] == ["flask"]
    assert ctx.sizes is not None and ctx.sizes("flask", "") == 10
    assert ctx.options == {"a": 1}
    assert input_files(ctx) == [path, tmp_path / "requirements.txt", tmp_path / ".dockerignore"]


def test_a_requirements_file_alone(tmp_path: Path) -> None:
    req = write(tmp_path, "requirements.txt", "torch\n")
    assert is_requirements_input(req)
    ctx = build_context(req, src=None, image=None, sizes=None)
    assert ctx.dockerfile is None
    assert ctx.context_dir == tmp_path
    assert ctx.dockerignore is None
    assert [r.name for r in ctx.requirements.requirements] == ["torch"]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("requirements.txt", True),
        ("requirements-dev.txt", True),
        ("dev-requirements.in", True),
        ("constraints.txt", True),
        ("pyproject.toml", True),
        ("environment.yml", True),
        ("Dockerfile", False),
        ("notes.txt", False),
        ("requirements.Dockerfile", False),
    ],
)
def test_is_requirements_input(name: str, expected: bool) -> None:
    assert is_requirements_input(Path(name)) is expected


def test_owning_dockerfile(tmp_path: Path) -> None:
    dockerfile = write(tmp_path, "svc/Dockerfile", "FROM x\n")
    nested = write(tmp_path, "svc/reqs/requirements.txt", "")
    lonely = write(tmp_path, "lib/requirements.txt", "")
    assert owning_dockerfile(nested, tmp_path) == dockerfile.absolute()
    assert owning_dockerfile(lonely, tmp_path) == lonely
    assert owning_dockerfile(dockerfile, tmp_path) == dockerfile
    # not above the working directory: a Dockerfile up there is not this project's
    assert owning_dockerfile(nested, tmp_path / "svc" / "reqs") == nested
    write(tmp_path, "Dockerfile", "FROM x\n")
    assert owning_dockerfile(lonely, tmp_path / "lib") == lonely


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


def test_requirements_the_dockerfile_copies_win_over_discovery(tmp_path: Path) -> None:
    write(tmp_path, "Dockerfile", "FROM python:3.11-slim\nCOPY reqs/requirements.txt .\n")
    write(tmp_path, "reqs/requirements.txt", "flask==3.0.0\n")
    write(tmp_path, "requirements-dev.txt", "pytest\n")  # next to it, never installed
    ctx = build_context(tmp_path / "Dockerfile")
    assert [r.name for r in ctx.requirements.requirements] == ["flask"]
    assert ctx.requirements.files == (tmp_path / "reqs" / "requirements.txt",)


def test_copy_of_the_whole_context_falls_back_to_discovery(tmp_path: Path) -> None:
    write(tmp_path, "Dockerfile", "FROM python:3.11-slim\nCOPY . .\n")
    write(tmp_path, "requirements.txt", "flask==3.0.0\n")
    ctx = build_context(tmp_path / "Dockerfile")
    assert [r.name for r in ctx.requirements.requirements] == ["flask"]


def test_stage_ref_names_a_stage_by_index_or_name(tmp_path: Path) -> None:
    path = write(
        tmp_path, "Dockerfile", "FROM python:3.11 AS Builder\nFROM python:3.11-slim\nRUN true\n"
    )
    dockerfile = parse_dockerfile(path)
    builder, final = dockerfile.stages
    assert dockerfile.stage_ref("0") is builder
    assert dockerfile.stage_ref("builder") is builder  # names are case-insensitive
    assert dockerfile.stage_ref("1") is final
    assert dockerfile.stage_ref("2") is None  # past the last stage
    assert dockerfile.stage_ref("ghcr.io/org/image:1") is None  # an image, not a stage
