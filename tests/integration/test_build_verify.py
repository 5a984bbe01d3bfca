"""``jettison build`` and ``verify`` for real, with buildah, in a private store.

One module-scoped store (``buildah --root/--runroot`` in a fresh tmp dir, removed at the
end with everything built in it) gets a copy of the stand-in ``debian:bookworm-slim`` and
``python:3.11-slim`` from ``scripts/base-images.sh``. Two tiny images are built through
:class:`BuildahBuilder` (the same as ``jettison build``), one of them missing a file; a
third Dockerfile fails. Two more serve HTTP (``python -m http.server``), one of them
failing at start, for the probe.
"""

from __future__ import annotations

import dataclasses
import json
import re
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import pytest
from click.testing import CliRunner

from integration.conftest import HOST_CA_BUNDLE, Store, _base_images, _cleanup, _run
from integration.conftest import missing_requirements as _missing
from jettison.builder import core as api
from jettison.builder import select
from jettison.builder.backend import ARCHIVE_FORMATS, Builder, BuildRequest
from jettison.builder.buildah import BuildahBuilder
from jettison.builder.errors import BuildError
from jettison.builder.options import BuildOptions, CheckOptions
from jettison.image.sources import open_image
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


@pytest.fixture(scope="module")
def store() -> Iterator[tuple[BuildahBuilder, Path]]:
    with private_store("jettison-build-it-") as (private, top):
        yield BuildahBuilder(root=private.root, runroot=private.runroot), top


@pytest.fixture(scope="module")
def images(store: tuple[BuildahBuilder, Path]) -> dict[str, str]:
    builder, top = store
    return build_all(builder, top, {"good": GOOD, "slim": SLIM}, "jt-build-it")


def test_build_streams_and_mounts_the_ca_bundle_without_baking_it(
    store: tuple[BuildahBuilder, Path], images: dict[str, str]
) -> None:
    builder, _top = store
    size = HOST_CA_BUNDLE.stat().st_size
    argv = ["sh", "-c", "cat /greeting; wc -c < /run/host-ca.crt"]
    result = builder.run(images["good"], argv, timeout_s=30)
    assert result.exit_code == 0, result.stderr
    # RUN steps saw the bundle; the image holds only buildah's empty mount-point file.
    assert result.stdout == f"built with {size} CA bytes\n0\n"


def test_failing_build_names_the_step(store: tuple[BuildahBuilder, Path]) -> None:
    builder, top = store
    lines: list[str] = []
    with pytest.raises(BuildError) as info:
        api.build(
            context(top, "broken", BROKEN),
            tag="localhost/jt-build-it-broken",
            options=BuildOptions(builder=builder),
            on_line=lines.append,
        )
    assert info.value.step == "3/4: RUN echo about to fail && exit 1"
    assert "failed at 3/4: RUN echo about to fail && exit 1" in str(info.value)
    assert "about to fail" in info.value.log_tail
    assert "STEP 2/4: RUN echo first" in lines
    leftovers = _run(builder.command("containers", "--quiet", "--all")).split()
    assert leftovers == []


def test_export_both_formats(
    store: tuple[BuildahBuilder, Path], images: dict[str, str], tmp_path: Path
) -> None:
    builder, _top = store
    for fmt in ARCHIVE_FORMATS:
        dest = builder.export(images["good"], tmp_path / f"{fmt}.tar", fmt)
        with open_image(f"{fmt}:{dest}") as image:
            assert image.config.cmd == ("cat", "/app/data.txt")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["docker-archive.tar", "oci-archive.tar"]


def test_smoke_default_command_and_given_one(
    store: tuple[BuildahBuilder, Path], images: dict[str, str]
) -> None:
    builder, _top = store
    default = api.verify([images["good"]], builder=builder)
    assert default.verdict.ok and default.runs[0].result.stdout == "hello\n"
    given = api.verify(
        [images["good"]],
        CheckOptions.from_text("cat /etc/debian_version", expect=r"^12\."),
        builder=builder,
    )
    assert given.verdict.ok, given.verdict.reason


def test_timeout(store: tuple[BuildahBuilder, Path], images: dict[str, str]) -> None:
    builder, _top = store
    report = api.verify(
        [images["good"]], CheckOptions.from_text("sleep 30", timeout_s=2), builder=builder
    )
    result = report.runs[0].result
    assert result.timed_out and result.seconds < 20
    # the seconds are measured (killing the container takes a moment on a busy machine)
    assert not report.verdict.ok
    assert re.fullmatch(r"timed out after \d+s", report.verdict.reason)
    assert _run(builder.command("containers", "--quiet", "--all")).split() == []


def test_compare_names_the_missing_file(
    store: tuple[BuildahBuilder, Path], images: dict[str, str]
) -> None:
    builder, _top = store
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
    store: tuple[BuildahBuilder, Path], images: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from jettison.cli.verify_cmd import verify_cmd

    builder, _top = store
    monkeypatch.setattr(select, "choose_builder", lambda _name: builder)
    args = [images["good"], images["slim"], "--smoke", "cat /greeting", "--format", "json"]
    result = CliRunner().invoke(verify_cmd, args)
    assert result.exit_code == 1
    doc = json.loads(result.stdout)
    assert doc["reason"].startswith("output differs at line 1: 'built with")


def _diff_ids(builder: BuildahBuilder, image: str) -> tuple[str, ...]:
    template = "{{range .OCIv1.RootFS.DiffIDs}}{{println .}}{{end}}"
    return tuple(builder.inspect_image(image, template).split())


def test_image_reference_opens_the_image_by_id(
    store: tuple[BuildahBuilder, Path], images: dict[str, str], tmp_path: Path
) -> None:
    builder, _top = store
    reference = builder.image_reference(images["good"], tmp_path)
    assert re.fullmatch(r"containers-storage:\[overlay@.+\][0-9a-f]{64}", reference), reference
    with open_image(reference) as image:
        assert image.config.diff_ids == _diff_ids(builder, images["good"])
        assert len(image.config.diff_ids) == 3  # the base, and one layer per RUN
    assert list(tmp_path.iterdir()) == []  # read in place: nothing exported


def test_no_cache_runs_every_step_again(store: tuple[BuildahBuilder, Path]) -> None:
    builder, top = store
    ctx = context(top, "cached", GOOD)
    request = BuildRequest(ctx, ctx / "Dockerfile", "localhost/jt-build-it-cached:latest")
    logs: list[list[str]] = [[], [], []]
    builder.build(request, logs[0].append)
    builder.build(request, logs[1].append)
    builder.build(dataclasses.replace(request, options=BuildOptions(no_cache=True)), logs[2].append)
    cached = [sum("Using cache" in line for line in log) for log in logs]
    assert cached[1] >= 2 and cached[2] == 0, cached


@pytest.fixture(scope="module")
def http_images(store: tuple[BuildahBuilder, Path]) -> tuple[dict[str, str], int]:
    """A service answering on its EXPOSEd port, and one dying at start (a missing module).

    The port is one free on this machine: buildah's chroot isolation shares the host's
    network, so the service listens on the host's loopback while it runs.
    """
    builder, top = store
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
    store: tuple[BuildahBuilder, Path], http_images: tuple[dict[str, str], int]
) -> None:
    builder, _top = store
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
    assert _run(builder.command("containers", "--quiet", "--all")).split() == []
    listing = api.verify([images["served"]], CheckOptions(probe="/"), builder=builder)
    assert listing.verdict.ok, listing.verdict.reason
    assert "health.json" in listing.runs[0].result.stdout  # http.server's directory listing


def test_probe_compares_and_names_the_missing_module(
    store: tuple[BuildahBuilder, Path], http_images: tuple[dict[str, str], int]
) -> None:
    builder, _top = store
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
