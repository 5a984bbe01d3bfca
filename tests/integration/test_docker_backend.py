"""The docker backend on a remote engine, with each kind of CLI, against real dockerds.

The session's engine (``docker_engine``) and a second one started here on another socket:
a build through ``DOCKER_HOST`` or a docker context lands in the engine they name and no
other. The CLI a build uses: the first that has BuildKit (Debian's 20.10 has it built in;
a 23+ CLI without buildx has none), else the classic builder for a Dockerfile that needs no
BuildKit, else an error that says what is missing.
"""

from __future__ import annotations

import dataclasses
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from integration.conftest import HOST_CA_BUNDLE
from jettison.builder.backend import BuildRequest
from jettison.builder.docker import DockerBuilder, find_clis
from jettison.builder.errors import BuildError
from jettison.builder.options import BuildOptions
from support import engines, registries

pytestmark = pytest.mark.integration

TINY = 'FROM scratch\nCOPY hello.txt /hello.txt\nCMD ["/hello.txt"]\n'
WITH_RUN = "FROM docker.io/library/debian:bookworm-slim\nRUN echo built > /built\n"


@pytest.fixture(scope="module")
def second_engine() -> Iterator[engines.Engine]:
    try:
        context = engines.running("second, for DOCKER_HOST and contexts")
        engine = context.__enter__()
    except registries.Unavailable as exc:
        registries.skip_or_fail(f"cannot start a second dockerd: {exc}")
    try:
        yield engine
    finally:
        context.__exit__(None, None, None)


def tiny(tmp_path: Path, tag: str, dockerfile: str = TINY) -> BuildRequest:
    ctx = tmp_path / "ctx"
    ctx.mkdir(parents=True, exist_ok=True)
    (ctx / "Dockerfile").write_text(dockerfile)
    (ctx / "hello.txt").write_text("hello\n")
    return BuildRequest(ctx, ctx / "Dockerfile", tag)


def has_image(engine: engines.Engine, tag: str) -> bool:
    done = subprocess.run(
        [engines.DEBIAN_CLI, "image", "inspect", tag], env=engine.env(), capture_output=True,
        check=False,
    )  # fmt: skip
    return done.returncode == 0


def test_docker_host_sends_the_build_to_that_engine(
    docker_engine: engines.Engine, second_engine: engines.Engine, tmp_path: Path
) -> None:
    builder = DockerBuilder(env={**os.environ, "DOCKER_HOST": second_engine.host})
    assert builder.available()
    result = builder.build(tiny(tmp_path, "localhost/remote-build:1"), lambda _line: None)
    assert result.image_id.startswith("sha256:")
    assert has_image(second_engine, "localhost/remote-build:1")
    assert not has_image(docker_engine, "localhost/remote-build:1")


def test_a_docker_context_does_too(
    docker_engine: engines.Engine, second_engine: engines.Engine, tmp_path: Path
) -> None:
    config = tmp_path / "docker-config"
    env = {k: v for k, v in os.environ.items() if k != "DOCKER_HOST"}
    env["DOCKER_CONFIG"] = str(config)
    subprocess.run(
        [engines.DEBIAN_CLI, "context", "create", "second", "--docker",
         f"host={second_engine.host}"],
        env=env, check=True, capture_output=True,
    )  # fmt: skip
    builder = DockerBuilder(env={**env, "DOCKER_CONTEXT": "second"})
    builder.build(tiny(tmp_path, "localhost/context-build:1"), lambda _line: None)
    assert has_image(second_engine, "localhost/context-build:1")
    assert not has_image(docker_engine, "localhost/context-build:1")


def test_each_kind_of_cli(docker_engine: engines.Engine, tmp_path: Path) -> None:
    """Every docker CLI on this machine: one with BuildKit builds a RUN with the CA secret;
    one without builds a plain Dockerfile with the classic builder and refuses the secret."""
    env = {**os.environ, "DOCKER_HOST": docker_engine.host}
    clis = find_clis("docker", env)
    if not clis:
        registries.skip_or_fail("no docker CLI is installed")
    for n, cli in enumerate(clis):
        builder = DockerBuilder(binary=cli.path, env=env)
        lines: list[str] = []
        request = tiny(tmp_path / f"cli{n}", f"localhost/cli-{n}:1", WITH_RUN)
        if cli.buildkit:
            builder.build(request, lines.append)
            assert any("[2/2] RUN echo built" in line for line in lines), lines[-5:]
            continue
        builder.build(request, lines.append)
        assert lines[0].endswith("so Docker's classic builder builds it"), lines[0]
        assert any(line.startswith("Step 2/2 : RUN echo built") for line in lines)
        secret = dataclasses.replace(request, options=BuildOptions(ca_bundle=HOST_CA_BUNDLE))
        with pytest.raises(BuildError, match="needs BuildKit for --ca-bundle"):
            builder.build(secret, lines.append)
