"""``jettison build`` and ``verify`` for real, with buildah, in a private store.

One module-scoped store (``buildah --root/--runroot`` in a fresh tmp dir, removed at the
end with everything built in it) gets a copy of the stand-in ``debian:bookworm-slim`` from
``scripts/base-images.sh``. Two tiny images are built through :class:`BuildahBuilder`
(the same as ``jettison build``), one of them missing a file; a third Dockerfile fails.
"""

from __future__ import annotations

import json
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from integration.conftest import HOST_CA_BUNDLE, Store, _base_images, _cleanup, _run
from integration.conftest import missing_requirements as _missing
from jettison.build import api
from jettison.build.backend import ARCHIVE_FORMATS
from jettison.build.buildah import BuildahBuilder
from jettison.build.errors import BuildError
from jettison.image.sources import open_image

pytestmark = pytest.mark.integration

BASE = "docker.io/library/debian:bookworm-slim"
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


@pytest.fixture(scope="module")
def store() -> Iterator[tuple[BuildahBuilder, Path]]:
    reason = _missing()
    if reason is not None:
        pytest.skip(reason)
    _base_images()
    top = Path(tempfile.mkdtemp(prefix="jettison-build-it-"))
    private = Store(top / "store" / "root", top / "store" / "run")
    try:
        _run(["buildah", "push", "--quiet", BASE, f"containers-storage:{private.spec}{BASE}"])
        yield BuildahBuilder(root=private.root, runroot=private.runroot), top
    finally:
        _cleanup(private, [], top)


def _context(top: Path, name: str, dockerfile: str) -> Path:
    ctx = top / name
    ctx.mkdir()
    (ctx / "Dockerfile").write_text(dockerfile)
    return ctx


@pytest.fixture(scope="module")
def images(store: tuple[BuildahBuilder, Path]) -> dict[str, str]:
    builder, top = store
    built = {}
    for name, dockerfile in (("good", GOOD), ("slim", SLIM)):
        report = api.build(
            _context(top, name, dockerfile),
            tag=f"localhost/jt-build-it-{name}:latest",
            builder=builder,
            ca_bundle=HOST_CA_BUNDLE,
        )
        assert report.image_id
        built[name] = report.image
    return built


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
            _context(top, "broken", BROKEN),
            tag="localhost/jt-build-it-broken",
            builder=builder,
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
        [images["good"]], smoke_command="cat /etc/debian_version", expect=r"^12\.", builder=builder
    )
    assert given.verdict.ok, given.verdict.reason


def test_timeout(store: tuple[BuildahBuilder, Path], images: dict[str, str]) -> None:
    builder, _top = store
    report = api.verify([images["good"]], smoke_command="sleep 30", timeout_s=2, builder=builder)
    result = report.runs[0].result
    assert result.timed_out and result.seconds < 20
    assert (report.verdict.ok, report.verdict.reason) == (False, "timed out after 2s")
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
    from jettison.cli.build_cmds import verify_cmd

    builder, _top = store
    monkeypatch.setattr(api, "choose_builder", lambda _name: builder)
    args = [images["good"], images["slim"], "--smoke", "cat /greeting", "--format", "json"]
    result = CliRunner().invoke(verify_cmd, args)
    assert result.exit_code == 1
    doc = json.loads(result.stdout)
    assert doc["reason"].startswith("output differs at line 1: 'built with")
