"""``jettison build`` and ``verify`` for real, on buildah and on Docker Engine.

Each test runs on both backends (the ``backend`` fixture's parameters): buildah with one
module-scoped private store (``buildah --root/--runroot`` in a fresh tmp dir, removed at
the end with everything built in it) holding copies of the stand-in
``debian:bookworm-slim`` and ``python:3.11-slim`` from ``scripts/base-images.sh``; Docker
with the session's own ``dockerd`` (``docker_engine`` in conftest.py: BuildKit, the same
stand-ins loaded). Two tiny images are built through the backend (the same as ``jettison
build``), one of them missing a file; a third Dockerfile fails. Two more serve HTTP
(``python -m http.server``), one of them failing at start, for the probe.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from integration.conftest import HOST_CA_BUNDLE, Store, _base_images, _cleanup, _run
from integration.conftest import missing_requirements as _missing
from jettison.builder import core as api
from jettison.builder import select
from jettison.builder.backend import ARCHIVE_FORMATS, Builder, BuildRequest
from jettison.builder.buildah import BuildahBuilder
from jettison.builder.docker import DockerBuilder
from jettison.builder.errors import BuildError
from jettison.builder.options import BuildOptions, CheckOptions
from jettison.errors import ConfigError
from jettison.image.sources import open_image
from support import registries
from unit.builder.test_probe import answers, free_port

pytestmark = pytest.mark.integration

BASE = "docker.io/library/debian:bookworm-slim"
PY_BASE = "docker.io/library/python:3.11-slim"
GOOD = f"""FROM {BASE}
RUN echo "built with $(wc -c < /run/host-ca.crt) CA bytes" > /greeting
RUN mkdir -p /app && echo hello > /app/data.txt
CMD ["cat", "/app/data.txt"]
"""
SLIM = f"""FROM {BASE}
RUN echo hi > /greeting
CMD ["cat", "/app/data.txt"]
"""
BROKEN = f"""FROM {BASE}
RUN echo first
RUN echo about to fail && exit 1
RUN echo never
"""


@contextmanager
def private_store(prefix: str) -> Iterator[tuple[Store, Path]]:
    """A private store in a fresh tmp dir named ``prefix...``, holding copies of ``BASE``
    and ``PY_BASE``; removed at the end with everything built in it. Skips the caller
    where images cannot be built."""
    reason = _missing()
    if reason is not None:
        pytest.skip(reason)
    _base_images()
    top = Path(tempfile.mkdtemp(prefix=prefix))
    private = Store(top / "store" / "root", top / "store" / "run")
    try:
        for base in (BASE, PY_BASE):
            _run(["buildah", "push", "--quiet", base, f"containers-storage:{private.spec}{base}"])
        yield private, top
    finally:
        _cleanup(private, [], top)


def context(top: Path, name: str, dockerfile: str) -> Path:
    """A build context ``top/name`` holding just ``dockerfile``."""
    ctx = top / name
    ctx.mkdir()
    (ctx / "Dockerfile").write_text(dockerfile)
    return ctx


def build_all(
    builder: Builder, top: Path, dockerfiles: Mapping[str, str], prefix: str
) -> dict[str, str]:
    """Build each of ``dockerfiles`` (name -> text) as ``localhost/PREFIX-NAME:latest``
    through the facade, with the host CA bundle for RUN steps; name -> image."""
    built = {}
    for name, dockerfile in dockerfiles.items():
        report = api.build(
            context(top, name, dockerfile),
            tag=f"localhost/{prefix}-{name}:latest",
            options=BuildOptions(builder=builder, ca_bundle=HOST_CA_BUNDLE),
        )
        assert report.builder == builder.name and report.image_id
        built[name] = report.image
    return built


@dataclasses.dataclass(frozen=True)
class Backend:
    """A builder under test, the folder its contexts go in, and how to look at its store."""

    builder: Builder
    top: Path
    engine: Any = None
    """The dockerd (``support.engines.Engine``) of the docker backend."""

    @property
    def kind(self) -> str:
        return self.builder.name

    def containers(self) -> list[str]:
        """Containers left in the builder's store (none should be)."""
        if isinstance(self.builder, BuildahBuilder):
            return _run(self.builder.command("containers", "--quiet", "--all")).split()
        return self.engine.docker("ps", "--all", "--quiet").split()  # type: ignore[no-any-return]

    def diff_ids(self, image: str) -> tuple[str, ...]:
        if isinstance(self.builder, BuildahBuilder):
            template = "{{range .OCIv1.RootFS.DiffIDs}}{{println .}}{{end}}"
            return tuple(self.builder.inspect_image(image, template).split())
        layers = self.engine.docker(
            "image", "inspect", "--format", "{{json .RootFS.Layers}}", image
        )
        return tuple(json.loads(layers))


@pytest.fixture(scope="module", params=["buildah", "docker"])
def backend(request: pytest.FixtureRequest) -> Iterator[Backend]:
    if request.param == "buildah":
        with private_store("jettison-build-it-") as (private, top):
            yield Backend(BuildahBuilder(root=private.root, runroot=private.runroot), top)
        return
    engine = request.getfixturevalue("docker_engine")
    top = Path(tempfile.mkdtemp(prefix="jettison-build-docker-it-"))
    try:
        builder = DockerBuilder(env={**os.environ, "DOCKER_HOST": engine.host})
        yield Backend(builder, top, engine)
    finally:
        shutil.rmtree(top, ignore_errors=True)


@pytest.fixture(scope="module")
def images(backend: Backend) -> dict[str, str]:
    return build_all(backend.builder, backend.top, {"good": GOOD, "slim": SLIM}, "jt-build-it")


def test_build_streams_and_mounts_the_ca_bundle_without_baking_it(
    backend: Backend, images: dict[str, str]
) -> None:
    size = HOST_CA_BUNDLE.stat().st_size
    argv = ["sh", "-c", "cat /greeting; test -s /run/host-ca.crt && echo baked || echo clean"]
    result = backend.builder.run(images["good"], argv, timeout_s=30)
    assert result.exit_code == 0, result.stderr
    # RUN steps saw the bundle (buildah's bind mount, Docker's secret mounted on every RUN);
    # the image holds none of it (buildah leaves an empty mount-point file at most).
    assert result.stdout == f"built with {size} CA bytes\nclean\n"


FAILED_STEP = {
    "buildah": "3/4: RUN echo about to fail && exit 1",
    "docker": "[3/4] RUN echo about to fail && exit 1",
}
FIRST_STEP = {"buildah": "STEP 2/4: RUN echo first", "docker": "[2/4] RUN echo first"}


def test_failing_build_names_the_step(backend: Backend) -> None:
    lines: list[str] = []
    with pytest.raises(BuildError) as info:
        api.build(
            context(backend.top, "broken", BROKEN),
            tag="localhost/jt-build-it-broken",
            options=BuildOptions(builder=backend.builder),
            on_line=lines.append,
        )
    assert info.value.step == FAILED_STEP[backend.kind]
    assert f"failed at {FAILED_STEP[backend.kind]}" in str(info.value)
    assert "about to fail" in "\n".join(info.value.log_tail)
    assert any(line.endswith(FIRST_STEP[backend.kind]) for line in lines)
    assert backend.containers() == []


def test_export_both_formats(backend: Backend, images: dict[str, str], tmp_path: Path) -> None:
    written = []
    for fmt in ARCHIVE_FORMATS:
        if backend.kind == "docker" and fmt == "oci-archive":
            with pytest.raises(BuildError, match="docker save writes docker-archives only"):
                backend.builder.export(images["good"], tmp_path / f"{fmt}.tar", fmt)
            continue
        dest = backend.builder.export(images["good"], tmp_path / f"{fmt}.tar", fmt)
        written.append(dest.name)
        with open_image(f"{fmt}:{dest}") as image:
            assert image.config.cmd == ("cat", "/app/data.txt")
    assert sorted(p.name for p in tmp_path.iterdir()) == written


def test_smoke_default_command_and_given_one(backend: Backend, images: dict[str, str]) -> None:
    builder = backend.builder
    default = api.verify([images["good"]], builder=builder)
    assert default.verdict.ok and default.runs[0].result.stdout == "hello\n"
    given = api.verify(
        [images["good"]],
        CheckOptions.from_text("cat /etc/debian_version", expect=r"^12\."),
        builder=builder,
    )
    assert given.verdict.ok, given.verdict.reason


def test_timeout(backend: Backend, images: dict[str, str]) -> None:
    builder = backend.builder
    report = api.verify(
        [images["good"]], CheckOptions.from_text("sleep 30", timeout_s=2), builder=builder
    )
    result = report.runs[0].result
    assert result.timed_out and result.seconds < 20
    # the seconds are measured (killing the container takes a moment on a busy machine)
    assert not report.verdict.ok
    assert re.fullmatch(r"timed out after \d+s", report.verdict.reason)
    assert backend.containers() == []


def test_compare_names_the_missing_file(backend: Backend, images: dict[str, str]) -> None:
    builder = backend.builder
    report = api.verify([images["good"], images["slim"]], builder=builder)
    assert not report.verdict.ok
    # cat names itself as the shell ran it (``cat``) or as resolved (``/usr/bin/cat``)
    assert re.fullmatch(
        r"exit code 0 before, 1 after \((/usr/bin/)?cat: /app/data\.txt: No such file or "
        r"directory\)",
        report.verdict.reason,
    ), report.verdict.reason
    same = api.verify([images["good"], images["good"]], builder=builder)
    assert same.verdict.ok


def test_cli_verify_json(
    backend: Backend, images: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from jettison.cli.verify_cmd import verify_cmd

    builder = backend.builder
    monkeypatch.setattr(select, "choose_builder", lambda _name: builder)
    args = [images["good"], images["slim"], "--smoke", "cat /greeting", "--format", "json"]
    result = CliRunner().invoke(verify_cmd, args)
    assert result.exit_code == 1
    doc = json.loads(result.stdout)
    assert doc["reason"].startswith("output differs at line 1: 'built with")


def test_image_reference_opens_the_image_by_id(
    backend: Backend, images: dict[str, str], tmp_path: Path
) -> None:
    reference = backend.builder.image_reference(images["good"], tmp_path)
    if backend.kind == "buildah":
        assert re.fullmatch(r"containers-storage:\[overlay@.+\][0-9a-f]{64}", reference), reference
    with open_image(reference) as image:
        assert image.config.diff_ids == backend.diff_ids(images["good"])
        assert len(image.config.diff_ids) == 3  # the base, and one layer per RUN
    if backend.kind == "buildah":
        assert list(tmp_path.iterdir()) == []  # read in place: nothing exported


def cached_runs(kind: str, log: list[str]) -> int:
    """How many RUN steps a build took from the layer cache, as its log says."""
    if kind == "buildah":
        return sum("Using cache" in line for line in log)
    # BuildKit (--progress plain): `#6 [2/3] RUN ...`, later `#6 CACHED`
    runs = {m[1] for line in log if (m := re.match(r"#(\d+) \[[^\]]*\] RUN ", line))}
    cached = {m[1] for line in log if (m := re.match(r"#(\d+) CACHED$", line))}
    return len(runs & cached)


def test_no_cache_runs_every_step_again(backend: Backend) -> None:
    builder = backend.builder
    ctx = context(backend.top, "cached", GOOD)
    request = BuildRequest(ctx, ctx / "Dockerfile", "localhost/jt-build-it-cached:latest")
    logs: list[list[str]] = [[], [], []]
    builder.build(request, logs[0].append)
    builder.build(request, logs[1].append)
    builder.build(dataclasses.replace(request, options=BuildOptions(no_cache=True)), logs[2].append)
    cached = [cached_runs(backend.kind, log) for log in logs]
    assert cached[1] >= 2 and cached[2] == 0, (cached, logs[1][-30:])


@pytest.fixture(scope="module")
def http_images(backend: Backend) -> tuple[dict[str, str], int]:
    """A service answering on its EXPOSEd port, and one dying at start (a missing module).

    The port is one free on this machine: buildah's chroot isolation shares the host's
    network, so the service listens on the host's loopback while it runs.
    """
    builder, top = backend.builder, backend.top
    port = free_port()
    served = f"""FROM {PY_BASE}
WORKDIR /srv
RUN echo '{{"status": "ok"}}' > health.json
EXPOSE {port}/tcp 53/udp
CMD ["python", "-m", "http.server", "{port}", "--bind", "127.0.0.1"]
"""
    broken = f"""FROM {PY_BASE}
EXPOSE {port}
CMD ["python", "-c", "import sys; print('loading'); import not_installed_here"]
"""
    return build_all(builder, top, {"served": served, "dies": broken}, "jt-build-it"), port


def test_probe_answers_on_the_exposed_port(
    backend: Backend, http_images: tuple[dict[str, str], int]
) -> None:
    builder = backend.builder
    images, port = http_images
    report = api.verify(
        [images["served"]], CheckOptions(probe="/health.json", timeout_s=30), builder=builder
    )
    assert report.probe == api.HttpProbe("/health.json", port)
    result = report.runs[0].result
    assert (report.verdict.ok, report.verdict.reason) == (True, "HTTP 200"), result.stderr
    assert result.stdout == 'HTTP 200\n{"status": "ok"}\n'
    assert '"GET /health.json HTTP/1.1" 200' in result.stderr  # the server's own log
    assert not answers(port)  # stopped, not left running on the host
    assert backend.containers() == []
    listing = api.verify([images["served"]], CheckOptions(probe="/"), builder=builder)
    assert listing.verdict.ok, listing.verdict.reason
    assert "health.json" in listing.runs[0].result.stdout  # http.server's directory listing


def test_probe_compares_and_names_the_missing_module(
    backend: Backend, http_images: tuple[dict[str, str], int]
) -> None:
    builder = backend.builder
    images, port = http_images
    report = api.verify(
        [images["served"], images["dies"]],
        CheckOptions(probe="/health.json", timeout_s=30),
        builder=builder,
    )
    assert (report.verdict.ok, report.verdict.reason) == (
        False,
        "after: ModuleNotFoundError: No module named 'not_installed_here'",
    )
    after = report.runs[1].result
    assert after.stdout == ""
    assert "loading" in after.stderr
    assert after.stderr.splitlines()[-1] == (
        f"probe: the service exited with code 1 before answering GET /health.json on port {port}"
    )
    missing = api.verify([images["served"]], CheckOptions(probe="/nope"), builder=builder)
    assert missing.verdict.reason == f"GET /nope on port {port}: HTTP 404"


@pytest.fixture(scope="module")
def registry() -> Iterator[registries.Registry]:
    try:
        with registries.running("plain") as started:
            yield started
    except registries.Unavailable as exc:
        registries.skip_or_fail(f"cannot start a registry: {exc}")


def test_build_push_puts_the_image_in_the_registry(
    backend: Backend, registry: registries.Registry
) -> None:
    tag = f"{registry.host}/jt-build-it/{backend.kind}:1"
    report = api.build(
        context(backend.top, f"pushed-{backend.kind}", GOOD),
        tag=tag,
        options=BuildOptions(builder=backend.builder, ca_bundle=HOST_CA_BUNDLE),
        push=True,
        tls_verify=False,  # buildah: the test registry speaks plain HTTP
    )
    assert report.pushed is not None and report.pushed.startswith(f"{tag}@sha256:")
    with open_image(f"registry://{tag}") as image:
        assert image.manifest_digest == report.pushed.split("@")[1]
        assert image.config.diff_ids == backend.diff_ids(tag)
        assert image.config.cmd == ("cat", "/app/data.txt")


def test_build_push_needs_a_registry_in_the_tag(backend: Backend) -> None:
    with pytest.raises(ConfigError, match="--push needs a tag that names a registry"):
        api.build(
            context(backend.top, "unpushed", SLIM),
            tag="localhost/jt-build-it-unpushed:1",
            options=BuildOptions(builder=backend.builder),
            push=True,
        )
