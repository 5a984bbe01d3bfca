"""``jettison optimize`` for real on the bundled example, with buildah (a private store) and
with Docker Engine (the session's own dockerd).

The acceptance check of the example: built from its naive Dockerfile and from the one
``fix`` writes, the optimized image is at most a quarter of the original, and the smoke
command (``python app/main.py --selftest``) prints the same line in both. Both builds
``pip install`` from PyPI through the host CA bundle (skipped when PyPI does not answer).
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import tempfile
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from integration.conftest import (
    HOST_CA_BUNDLE,
    REPO,
    Store,
    _base_images,
    _cleanup,
    _run,
)
from integration.conftest import missing_requirements as _missing
from jettison import api
from jettison.builder.backend import Builder
from jettison.builder.buildah import BuildahBuilder
from jettison.builder.docker import DockerBuilder
from jettison.builder.options import BuildOptions, CheckOptions
from jettison.cli import optimize_cmd as cli_module
from jettison.optimize.core import optimize as real_optimize
from jettison.optimize.report import OptimizeReport
from jettison.render import render
from jettison.render.optimize import SCHEMA_VERSION

pytestmark = pytest.mark.integration

EXAMPLE = REPO / "examples" / "text-service"
BASES = ("docker.io/library/python:3.11", "docker.io/library/python:3.11-slim")
SMOKE = "python app/main.py --selftest"


def _pypi_unreachable() -> str | None:
    import ssl

    context = ssl.create_default_context(cafile=str(HOST_CA_BUNDLE))
    try:
        urllib.request.urlopen("https://pypi.org/simple/flask/", timeout=10, context=context)
    except (urllib.error.URLError, OSError) as exc:
        return f"PyPI is unreachable from here ({exc}): the example's builds pip install"
    return None


@pytest.fixture(scope="module", params=["buildah", "docker"])
def builder(request: pytest.FixtureRequest) -> Iterator[Builder]:
    """buildah in a private store, or Docker on the session's own dockerd (BuildKit), both
    holding the stand-in bases."""
    reason = _missing() or _pypi_unreachable()
    if reason is not None:
        pytest.skip(reason)
    if request.param == "docker":
        engine = request.getfixturevalue("docker_engine")
        yield DockerBuilder(env={**os.environ, "DOCKER_HOST": engine.host})
        return
    _base_images()
    top = Path(tempfile.mkdtemp(prefix="jettison-optimize-it-"))
    private = Store(top / "store" / "root", top / "store" / "run")
    try:
        for base in BASES:
            _run(["buildah", "push", "--quiet", base, f"containers-storage:{private.spec}{base}"])
        yield BuildahBuilder(root=private.root, runroot=private.runroot)
    finally:
        _cleanup(private, [], top)


def test_optimize_the_example(
    builder: Builder, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ctx = tmp_path / "text-service"
    shutil.copytree(EXAMPLE, ctx)
    originals = {p: p.read_bytes() for p in ctx.rglob("*") if p.is_file()}

    real = api.optimize
    reports: list[OptimizeReport] = []

    def in_private_store(path: Path, **kwargs: object) -> OptimizeReport:
        kwargs["build"] = dataclasses.replace(kwargs["build"], builder=builder)  # type: ignore[type-var]
        reports.append(real(path, **kwargs))  # type: ignore[arg-type]
        return reports[-1]

    monkeypatch.setattr(api, "optimize", in_private_store)
    out = tmp_path / "report.json"
    done = CliRunner().invoke(
        cli_module.optimize_cmd,
        [str(ctx), "--smoke", SMOKE, "--ca-bundle", str(HOST_CA_BUNDLE), "--format", "json",
         "-o", str(out), "--keep-images"],
    )  # fmt: skip
    assert done.exit_code == 0, done.output
    doc = json.loads(out.read_text())
    assert doc["schema_version"] == SCHEMA_VERSION
    assert doc["verified"] is True, doc["verdict"]
    before, after = doc["original"], doc["optimized"]
    assert after["size_bytes"] <= before["size_bytes"] // 4, (before, after)
    for facts in (before, after):
        assert facts["smoke"]["exit_code"] == 0
        assert facts["smoke"]["stdout_tail"] == [facts["smoke"]["stdout_tail"][-1]]
        assert facts["smoke"]["stdout_tail"][-1].startswith("selftest ok: 4/4 correct")
    assert before["smoke"]["stdout_tail"] == after["smoke"]["stdout_tail"]
    assert {c["code"] for c in doc["changes"]} >= {"JT301 JT309", "JT309", "JT301"}
    # The original files are untouched; fix's files were added beside them.
    for path, data in originals.items():
        assert path.read_bytes() == data, path
    written = {Path(p).name for p in doc["files_written"]}
    assert written >= {"Dockerfile.jettison", "requirements.runtime.txt", "requirements-dev.txt"}
    assert "build localhost/text-service:optimized" in done.output
    _check_the_diff(doc, builder, tmp_path)
    examples = os.environ.get("JETTISON_DOCS_EXAMPLES")
    if examples:  # the README's examples: JETTISON_DOCS_EXAMPLES=docs/examples
        folder = REPO / examples
        folder.mkdir(parents=True, exist_ok=True)
        for fmt, suffix in (("markdown", "md"), ("html", "html")):
            text = render("optimize", reports[-1], fmt).replace(str(tmp_path), "/tmp")
            (folder / f"text-service-optimize.{suffix}").write_text(text, encoding="utf-8")


def _check_the_diff(doc: dict[str, Any], builder: Builder, tmp_path: Path) -> None:
    """What was removed, by package and by cause, with inspect's own byte figures."""
    diff = doc["diff"]
    removed = {
        o["name"]: o for o in diff["owners"] if o["kind"] == "python" and o["change"] == "removed"
    }
    assert {"pandas", "scipy", "pytest"} <= set(removed), sorted(removed)
    causes = {c["cause"]: c for c in diff["causes"]}
    assert causes["toolchain"]["before_bytes"] > 0 and causes["toolchain"]["after_bytes"] == 0
    assert sum(o["delta_bytes"] for o in diff["owners"]) == diff["final_delta_bytes"]
    original = api.inspect(builder.image_reference("localhost/text-service:original", tmp_path))
    owners = {(o.kind, o.name): o.size_bytes for o in original.attribution.owners}
    for name in ("pandas", "scipy", "pytest"):
        assert removed[name]["before_bytes"] == owners[("python", name)], name
    toolchain = {c.cause: c.size_bytes for c in original.removable}["toolchain"]
    assert causes["toolchain"]["before_bytes"] == toolchain


STARTUP_WRITE = REPO / "tests" / "fixtures" / "optimize" / "startup-write"


def test_a_service_that_writes_beside_its_code_stays_non_root(
    builder: Builder, tmp_path: Path
) -> None:
    """The restructured image runs as `app`, which cannot write /app/app: the repair gives
    the user that directory (learnt from the PermissionError) and the check passes."""
    ctx = tmp_path / "startup-write"
    shutil.copytree(STARTUP_WRITE, ctx)
    report = real_optimize(
        ctx,
        check=CheckOptions.from_text("python app/main.py", timeout_s=120),
        build=BuildOptions(builder=builder, ca_bundle=HOST_CA_BUNDLE),
    )
    assert report.verified, report.verdict
    assert report.original.smoke.stdout_tail == report.optimized.smoke.stdout_tail
    (repair,) = report.repairs
    assert repair.message.startswith("kept the non-root user: /app/app made its own"), repair
    text = (ctx / "Dockerfile.jettison").read_text()
    assert "chown app:app /app/app" in text and "USER app" in text
    assert "JT601" in {code for c in report.changes for code in c.codes}
