"""The docker backend picks a CLI that can build with BuildKit, falls back to the classic
builder only where the Dockerfile needs no BuildKit, and gives RUN steps the CA bundle.

The CLIs are scripts that log their arguments (the real ones are exercised by
``tests/integration/test_docker_backend.py``).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from jettison.builder import _buildkit
from jettison.builder import docker as docker_module
from jettison.builder.backend import BuildRequest
from jettison.builder.docker import DockerBuilder
from jettison.builder.errors import BuildError
from jettison.builder.options import BuildOptions
from jettison.dockerfile.parser import parse_text

FAKE = """#!/bin/sh
echo "$*" >> "$0.log"
case "$1" in
  --version) echo "Docker version {version}, build 0123abc"; exit 0 ;;
  buildx) exit {buildx_rc} ;;
  build)
    while [ "$#" -gt 0 ]; do
      case "$1" in
        --iidfile) echo sha256:89abcdef > "$2" ;;
        -f) /bin/cp "$2" "$0.dockerfile" ;;
      esac
      shift
    done
    echo "DOCKER_BUILDKIT=$DOCKER_BUILDKIT" >> "$0.log"
    {build_tail} ;;
esac
"""


def fake_docker(folder: Path, version: str, *, buildx: bool = False, build_tail: str = "") -> Path:
    folder.mkdir(parents=True)
    cli = folder / "docker"
    cli.write_text(
        FAKE.format(version=version, buildx_rc=0 if buildx else 1, build_tail=build_tail or ":")
    )
    cli.chmod(0o755)
    return cli


@pytest.fixture(autouse=True)
def only_path(monkeypatch: pytest.MonkeyPatch) -> None:
    """The machine's own docker CLIs are not looked at."""
    monkeypatch.setattr(docker_module, "EXTRA_CLIS", ())


def context(tmp_path: Path, dockerfile: str) -> BuildRequest:
    ctx = tmp_path / "ctx"
    ctx.mkdir()
    (ctx / "Dockerfile").write_text(dockerfile)
    return BuildRequest(ctx, ctx / "Dockerfile", "localhost/app:1")


def log(cli: Path) -> list[str]:
    return cli.with_name("docker.log").read_text().splitlines()


def builder(*dirs: Path) -> DockerBuilder:
    return DockerBuilder(env={"PATH": ":".join(map(str, dirs))})


def test_the_first_cli_that_has_buildkit_builds(tmp_path: Path) -> None:
    new = fake_docker(tmp_path / "new", "28.2.2")
    old = fake_docker(tmp_path / "old", "20.10.24+dfsg1")
    chosen = builder(new.parent, old.parent)
    assert [(cli.version, cli.buildkit) for cli in chosen.clis] == [
        ("28.2.2", None),
        ("20.10.24+dfsg1", "built in"),
    ]
    lines: list[str] = []
    result = chosen.build(context(tmp_path, "FROM scratch\nCOPY a /a\n"), lines.append)
    assert result.image_id == "sha256:89abcdef"
    assert lines[0] == (
        f"jettison: docker 28.2.2 ({new}) cannot build with BuildKit (no buildx plugin); "
        f"docker 20.10.24+dfsg1 ({old}) builds (BuildKit built in)"
    )
    assert log(old)[-2].startswith("build --network host --progress plain --iidfile ")
    assert log(old)[-1] == "DOCKER_BUILDKIT=1"
    assert not any(line.startswith("build ") for line in log(new))


def test_buildx_builds_without_a_word(tmp_path: Path) -> None:
    cli = fake_docker(tmp_path / "new", "28.2.2", buildx=True)
    lines: list[str] = []
    builder(cli.parent).build(context(tmp_path, "FROM scratch\n"), lines.append)
    assert lines == []
    assert log(cli)[-1] == "DOCKER_BUILDKIT=1"


def test_classic_builder_when_nothing_needs_buildkit(tmp_path: Path) -> None:
    cli = fake_docker(tmp_path / "new", "28.2.2")
    lines: list[str] = []
    builder(cli.parent).build(context(tmp_path, "FROM scratch\nCOPY a /a\n"), lines.append)
    assert lines[0].endswith(
        "has no BuildKit (no buildx plugin); the Dockerfile needs no BuildKit feature, so "
        "Docker's classic builder builds it"
    )
    assert log(cli)[-2].startswith("build --network host --iidfile ")  # no --progress
    assert log(cli)[-1] == "DOCKER_BUILDKIT=0"


def test_no_buildkit_and_the_build_needs_it(tmp_path: Path) -> None:
    cli = fake_docker(tmp_path / "new", "28.2.2")
    request = context(
        tmp_path,
        "FROM python:3.11-slim\nRUN --mount=type=cache,target=/root/.cache pip install x\n",
    )
    with pytest.raises(BuildError) as info:
        builder(cli.parent).build(request, lambda _line: None)
    assert str(info.value) == (
        f"cannot build localhost/app:1 with docker: docker 28.2.2 ({cli}) has no BuildKit (no "
        "buildx plugin), and the build needs BuildKit for RUN --mount (line 2)"
    )
    assert info.value.hint == docker_module.BUILDX_HINT
    ca = BuildRequest(
        request.context,
        request.context / "Dockerfile",
        "t",
        options=BuildOptions(ca_bundle=tmp_path / "ca.crt"),
    )
    (request.context / "Dockerfile").write_text("FROM scratch\n")
    with pytest.raises(BuildError, match=r"for --ca-bundle \(passed to RUN steps as a BuildKit"):
        builder(cli.parent).build(ca, lambda _line: None)


def test_every_run_mounts_the_ca_bundle_in_a_copy(tmp_path: Path) -> None:
    cli = fake_docker(tmp_path / "old", "20.10.24")
    dockerfile = (
        "FROM python:3.11-slim AS build\n"
        "RUN pip install -r requirements.txt\n"
        "  run echo lower-case \\\n"
        "    && echo continued\n"
        "RUN --mount=type=cache,target=/root/.cache pip install x\n"
        "ONBUILD RUN echo later\n"
        'RUN ["python", "-c", "print(1)"]\n'
    )
    request = context(tmp_path, dockerfile)
    (tmp_path / "ca.crt").write_text("PEM")
    request = BuildRequest(
        request.context, request.dockerfile, request.tag,
        options=BuildOptions(ca_bundle=tmp_path / "ca.crt"),
    )  # fmt: skip
    builder(cli.parent).build(request, lambda _line: None)
    mount = "--mount=type=secret,id=ca,target=/run/host-ca.crt"
    assert cli.with_name("docker.dockerfile").read_text() == (
        "FROM python:3.11-slim AS build\n"
        f"RUN {mount} pip install -r requirements.txt\n"
        f"  run {mount} echo lower-case \\\n"
        "    && echo continued\n"
        f"RUN {mount} --mount=type=cache,target=/root/.cache pip install x\n"
        "ONBUILD RUN echo later\n"
        f'RUN {mount} ["python", "-c", "print(1)"]\n'
    )
    assert (request.context / "Dockerfile").read_text() == dockerfile  # the user's: unchanged
    assert f"--secret id=ca,src={tmp_path / 'ca.crt'}" in log(cli)[-2]


def test_a_syntax_line_that_cannot_be_fetched(tmp_path: Path) -> None:
    tail = (
        "echo '#2 ERROR: failed to resolve source metadata for docker.io/docker/dockerfile:1'; "
        "exit 1"
    )
    cli = fake_docker(tmp_path / "old", "20.10.24", build_tail=tail)
    request = context(tmp_path, "# syntax=docker/dockerfile:1\nFROM scratch\n")
    with pytest.raises(BuildError) as info:
        builder(cli.parent).build(request, lambda _line: None)
    assert info.value.hint == _buildkit.SYNTAX_HINT


@pytest.mark.parametrize(
    ("dockerfile", "found"),
    [
        ("FROM a\nRUN echo\nCOPY x /x\n", []),
        ("# syntax=docker/dockerfile:1.7\nFROM a\n",
         ["a # syntax=docker/dockerfile:1.7 directive"]),
        ("FROM a\nRUN --network=none make\n", ["RUN --network (line 2)"]),
        ("FROM a\nCOPY --link x /x\nADD --chmod=755 y /y\n",
         ["COPY --link (line 2)", "ADD --chmod (line 3)"]),
        ("FROM a\nRUN <<EOF\necho hi\nEOF\n", ["a heredoc in RUN (line 2)"]),
        ("FROM a\nCOPY --from=b /x /x\n", []),
    ],
)  # fmt: skip
def test_buildkit_features(dockerfile: str, found: list[str], tmp_path: Path) -> None:
    assert _buildkit.features(parse_text(dockerfile, tmp_path / "Dockerfile")) == found


def test_no_cli_at_all(tmp_path: Path) -> None:
    empty = DockerBuilder(env={"PATH": str(tmp_path)})
    assert not empty.available()
    with pytest.raises(BuildError, match="no docker CLI found on PATH"):
        empty.build(context(tmp_path, "FROM scratch\n"), lambda _line: None)
