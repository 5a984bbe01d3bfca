"""Which Dockerfile a path names and the build context it is built from: one answer for
lint, fix, optimize, build and plan."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest

from jettison.builder.core import resolve_dockerfile
from jettison.dockerfile.copies import copy_sources
from jettison.dockerfile.discover import (
    _contexts_above,
    clean_source,
    copied_requirement_files,
    dockerfiles_in,
    find_dockerfile,
    is_dockerfile_name,
    is_requirements_input,
    locate,
    owning_dockerfile,
    resolve_context,
)
from jettison.dockerfile.parser import parse_dockerfile
from jettison.errors import ConfigError, DockerfileError
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


def test_a_tie_goes_to_the_folder_holding_what_the_runs_use(tmp_path: Path) -> None:
    """``COPY . .`` resolves anywhere: the scripts the RUN lines execute and the project they
    install say which folder is the context (LibreTranslate's docker/Dockerfile)."""
    text = (
        "FROM x AS builder\nWORKDIR /app\nCOPY . .\n"
        "RUN ./venv/bin/python scripts/compile.py && ./venv/bin/pip install .[all]\n"
        "FROM x\nCOPY --from=builder /app /app\n"
    )
    path = write(tmp_path, "docker/Dockerfile", text)
    assert resolve_context(parse_dockerfile(path)) == path.parent  # nothing used is anywhere
    write(tmp_path, "scripts/compile.py", "")
    assert resolve_context(parse_dockerfile(path)) == tmp_path
    write(tmp_path, "docker/scripts/compile.py", "")
    assert resolve_context(parse_dockerfile(path)) == path.parent  # a tie again: the nearest
    write(tmp_path, "pyproject.toml", "[project]\nname = 'svc'\n")
    assert resolve_context(parse_dockerfile(path)) == tmp_path  # the project is installed
    write(tmp_path, "docker/run.sh", "")
    shell = write(tmp_path, "docker/Dockerfile", "FROM x\nCOPY run.sh /\nRUN bash /run.sh\n")
    assert resolve_context(parse_dockerfile(shell)) == shell.parent  # more sources resolve


def test_explicit_context(tmp_path: Path) -> None:
    path = write(tmp_path, "Dockerfile", "FROM x\n")
    assert resolve_context(parse_dockerfile(path), tmp_path / ".") == tmp_path / "."
    with pytest.raises(DockerfileError, match="not a directory"):
        resolve_context(parse_dockerfile(path), path)


def test_the_seed_example_is_built_from_its_parent() -> None:
    path = REPO / "examples/bert-classifier/naive_image/Dockerfile"
    assert resolve_context(parse_dockerfile(path)) == REPO / "examples/bert-classifier"


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


def test_dockerfile_names() -> None:
    for name in ("Dockerfile", "Containerfile", "api.Dockerfile", "Dockerfile.gpu"):
        assert is_dockerfile_name(name), name
    for name in (
        "Dockerfile.dockerignore",
        "api.Dockerfile.dockerignore",
        "Dockerfile.bak",
        "Dockerfile.md",
        "Dockerfile.j2",
        "Dockerfile~",
        "README.md",
        "dockerfile.py",
    ):
        assert not is_dockerfile_name(name), name


def test_variants_count_only_when_nothing_else_is_there(tmp_path: Path) -> None:
    write(tmp_path, "a/Dockerfile.gpu", "FROM x\n")
    assert find_dockerfile(tmp_path / "a") == tmp_path / "a" / "Dockerfile.gpu"
    write(tmp_path, "b/Dockerfile", "FROM x\n")
    write(tmp_path, "b/Dockerfile.jettison", "FROM x\n")  # what `jettison fix` writes
    write(tmp_path, "b/Dockerfile.dockerignore", "*\n")
    assert find_dockerfile(tmp_path / "b") == tmp_path / "b" / "Dockerfile"
    write(tmp_path, "c/Dockerfile.cpu", "FROM x\n")
    write(tmp_path, "c/Dockerfile.gpu", "FROM x\n")
    with pytest.raises(DockerfileError, match=r"several Dockerfiles \(Dockerfile.cpu"):
        find_dockerfile(tmp_path / "c")
    write(tmp_path, "d/Dockerfile.bak", "FROM x\n")
    assert dockerfiles_in(tmp_path / "d") == []


def test_hints_name_the_verb(tmp_path: Path) -> None:
    with pytest.raises(DockerfileError) as info:
        find_dockerfile(tmp_path, verb="optimize")
    assert info.value.hint is not None and "jettison optimize" in info.value.hint


def test_locate_infers_the_context_as_lint_does(tmp_path: Path) -> None:
    write(tmp_path, "requirements.txt", "")
    path = write(tmp_path, "docker/app.Dockerfile", "FROM x\nCOPY requirements.txt .\n")
    assert locate(tmp_path / "docker", verb="build") == (path, tmp_path)
    assert locate(path, tmp_path / "docker", verb="build") == (path, tmp_path / "docker")
    broken = write(tmp_path, "broken/Dockerfile", "")
    assert locate(broken, verb="build") == (broken, broken.parent)


def test_the_builder_reports_configuration_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="holds no Dockerfile"):
        resolve_dockerfile(tmp_path, None)
    path = write(tmp_path, "Dockerfile", "FROM x\n")
    with pytest.raises(ConfigError, match="not a directory"):
        resolve_dockerfile(tmp_path, path)
    write(tmp_path, "dev.Dockerfile", "FROM x\n")
    with pytest.raises(ConfigError, match="several Dockerfiles") as info:
        resolve_dockerfile(tmp_path, None)
    assert info.value.hint is not None and "jettison build" in info.value.hint


def test_sources_climbing_out_of_the_context_are_clamped_to_its_root(tmp_path: Path) -> None:
    """``COPY ../app.py .`` copies the context's own ``app.py``: the builder cleans the path
    against the context root, so ``..`` never leaves it."""
    write(tmp_path, "app.py", "")
    write(tmp_path, "requirements.txt", "flask\n")
    path = write(
        tmp_path,
        "docker/Dockerfile",
        "FROM x\nCOPY ../requirements.txt ./\nCOPY ../app.py ./\n",
    )
    assert clean_source("../app.py") == "app.py"
    assert clean_source("/srv/../x/") == "x"
    assert clean_source(".") == "."
    parsed = parse_dockerfile(path)
    assert resolve_context(parsed) == tmp_path
    assert copied_requirement_files(parsed, tmp_path) == [tmp_path / "requirements.txt"]


def test_context_three_levels_up(tmp_path: Path) -> None:
    write(tmp_path, "pkg/reqs/requirements.txt", "")
    path = write(tmp_path, "pkg/deploy/docker/Dockerfile", "FROM x\nCOPY pkg/reqs/ /r/\n")
    assert resolve_context(parse_dockerfile(path)) == tmp_path


def test_a_copy_source_the_os_refuses_is_not_copied(tmp_path: Path) -> None:
    """A name longer than the file system allows raised OSError out of lint and fix (found
    by the fix fuzz campaign); it names no file."""
    long = "r" * 300
    (tmp_path / "Dockerfile").write_text(f"FROM python:3.11\nCOPY {long}.txt /app/\nCOPY . /app\n")
    dockerfile = parse_dockerfile(tmp_path / "Dockerfile")
    assert resolve_context(dockerfile) == tmp_path
    assert copied_requirement_files(dockerfile, tmp_path) == []


def test_context_stops_at_the_repository_root(tmp_path: Path) -> None:
    """A source found only above the repository (``.git``) does not move the context there."""
    write(tmp_path, "shared/requirements.txt", "")
    write(tmp_path, "repo/.git/HEAD", "ref: refs/heads/main\n")
    write(tmp_path, "repo/app.py", "")
    path = write(tmp_path, "repo/docker/Dockerfile", "FROM x\nCOPY app.py shared/ /app/\n")
    assert resolve_context(parse_dockerfile(path)) == tmp_path / "repo"
    inside = write(tmp_path, "repo/Dockerfile", "FROM x\nCOPY shared/ /app/\n")
    assert resolve_context(parse_dockerfile(inside)) == tmp_path / "repo"


@pytest.mark.parametrize("where", ["temp", "home", "root"])
def test_context_is_never_machine_wide(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    """A fuzz input (``COPY tmp /x`` in a Dockerfile under /tmp) made ``/`` the context, and
    lint then read every file of the machine: the temporary directory, the home directory
    and the root are never a context."""
    if where == "root":  # a Dockerfile two levels below /: / is never a candidate
        assert _contexts_above(Path("/jettison-nowhere/docker")) == [Path("/jettison-nowhere")]
        return
    machine_wide = tmp_path / "machine"
    if where == "temp":
        monkeypatch.setattr(tempfile, "tempdir", str(machine_wide))
    else:
        monkeypatch.setenv("HOME", str(machine_wide))
    write(machine_wide, "scratch/data.csv", "")
    path = write(machine_wide, "scratch/Dockerfile", "FROM x\nCOPY scratch/data.csv /x/\n")
    assert resolve_context(parse_dockerfile(path)) == machine_wide / "scratch"
