"""``jettison fix --unsafe-fixes`` for real on the shapes of the corpus entries that build
here (``bench/fix_builds.py`` builds the entries themselves): each fixture is built as
written and as fix rewrites it, in a private buildah store, and both images import every
module the fixture's code imports (:mod:`jettison.imports.smoke`).

The fixtures (``tests/fixtures/fix-builds``), ours, in the corpus entries' shapes:

- ``index-install``: the service installed from the index by name on a
  ``python:X-slim-<suite>`` base, its Dockerfile in a subfolder, nothing copied (the edit
  fixes only: no cache, a non-root user);
- ``requirements-dev``: ``pip install -r`` of a requirements file with a test tool on a slim
  base, the code and a data file copied after (the restructure, the test tool left out);
- ``full-base-utf16``: the full ``python:X.Y.Z`` base, a UTF-16 requirements file with a
  package the code never imports, the whole context copied (the restructure onto the slim
  runtime base, the unused package left out).
- ``pkg-resources``: ``pip install -r`` of a library that imports ``pkg_resources`` when it
  is imported (``fs``): the builder's check keeps setuptools in the copied virtualenv.

A restructured virtualenv leaves its own pip in the builder (nothing here runs pip after
the build), and setuptools unless an installed package uses it.

The stand-in bases of ``scripts/base-images.sh`` are tagged with the names the Dockerfiles
use (``slim`` in the tag: the slim stand-in). Each build installs a few small wheels from
PyPI through the host CA bundle (skipped when PyPI does not answer): about a minute each.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest

from integration.conftest import HOST_CA_BUNDLE, REPO, Store, _base_images, _cleanup, _run
from integration.conftest import missing_requirements as _missing
from integration.test_optimize import _pypi_unreachable
from jettison.builder.buildah import BuildahBuilder
from jettison.builder.core import build, resolve_dockerfile
from jettison.builder.options import BuildOptions
from jettison.dockerfile.parser import parse_dockerfile
from jettison.fix.core import fix
from jettison.imageref import parse_image
from jettison.imports import smoke
from jettison.inspect.core import inspect
from jettison.lint.context import build_context

pytestmark = pytest.mark.integration

FIXTURES = REPO / "tests" / "fixtures" / "fix-builds"
STANDINS = {False: "docker.io/library/python:3.11", True: "docker.io/library/python:3.11-slim"}
"""The stand-in for a ``python:<tag>`` base, by whether the tag says ``slim``."""
USER_BYTES = 64 * 1024
"""What adding the ``app`` user writes: /etc/passwd, group, shadow, its home's dotfiles."""


class Bases:
    """A private store whose ``python:<tag>`` names are the stand-ins."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.builder = BuildahBuilder(root=store.root, runroot=store.runroot)
        self._tagged: set[str] = set()
        for source in STANDINS.values():
            _run(["buildah", "push", "--quiet", source, f"containers-storage:{store.spec}{source}"])

    def provide(self, bases: Iterable[str]) -> None:
        for base in bases:
            ref = parse_image(base)
            assert ref is not None and ref.repository == "python", base
            name = f"docker.io/library/python:{ref.tag}"
            if name not in self._tagged and name not in STANDINS.values():
                self.store.buildah("tag", STANDINS["slim" in ref.tag_parts], name)
                self._tagged.add(name)


@pytest.fixture(scope="module")
def bases() -> Iterator[Bases]:
    reason = _missing() or _pypi_unreachable()
    if reason is not None:
        pytest.skip(reason)
    _base_images()
    top = Path(tempfile.mkdtemp(prefix="jettison-fix-builds-it-"))
    private = Store(top / "store" / "root", top / "store" / "run")
    try:
        yield Bases(private)
    finally:
        _cleanup(private, [], top)


def _build_and_import(
    bases: Bases, dockerfile: Path, context: Path, tag: str, modules: list[str]
) -> tuple[int, smoke.ImportCheck]:
    """Build ``dockerfile``; its size and what importing ``modules`` in it gives."""
    parsed = parse_dockerfile(dockerfile)
    bases.provide(s.base_expanded for s in parsed.stages if parsed.stage_named(s.base) is None)
    options = BuildOptions(builder=bases.builder, ca_bundle=HOST_CA_BUNDLE)
    lines: list[str] = []
    try:
        build(dockerfile, context_dir=context, tag=tag, options=options, on_line=lines.append)
    except Exception:
        print("\n".join(lines[-40:]))
        raise
    size = inspect(bases.builder.store_reference(tag)).size_bytes
    done = bases.builder.run(
        tag, smoke.command(modules, smoke.interpreters(parsed)), timeout_s=120, network="none"
    )
    return size, smoke.read(done.stdout, done.stderr, done.exit_code)


class LargerAfter(AssertionError):
    """The rewrite builds and imports what the code imports, but its image is larger."""


SETUPTOOLS_KEPT = pytest.mark.xfail(
    raises=LargerAfter,
    strict=True,
    reason="measured 149.3 MB -> 152.6 MB: the service needs setuptools (fs imports "
    "pkg_resources), so the virtualenv keeps its own copy, which the slim base also has but "
    "the virtualenv does not see; the rewrite builds, imports fs and leaves pip out",
)


@pytest.mark.parametrize(
    ("shape", "dockerfile", "modules", "codes", "restructured"),
    [
        ("index-install", "server/Dockerfile", ["cachetools"], {"JT107", "JT601"}, False),
        ("requirements-dev", "Dockerfile", ["idna", "six"], {"JT301", "JT601"}, True),
        ("full-base-utf16", "Dockerfile", ["idna"], {"JT201", "JT309", "JT601"}, True),
        pytest.param(
            "pkg-resources",
            "Dockerfile",
            ["fs"],
            {"JT107", "JT601"},
            True,
            marks=SETUPTOOLS_KEPT,
        ),
    ],
)
def test_the_rewrite_builds_and_imports_what_the_code_imports(
    bases: Bases,
    tmp_path: Path,
    shape: str,
    dockerfile: str,
    modules: list[str],
    codes: set[str],
    restructured: bool,
) -> None:
    shutil.copytree(FIXTURES / shape, tmp_path / shape)
    path, context = resolve_dockerfile(tmp_path / shape / dockerfile, None)
    assert sorted({i.module for i in build_context(path).imports}) == modules

    size_before, before = _build_and_import(
        bases, path, context, f"localhost/fix-builds-it-{shape}:before", modules
    )
    assert before.ok, before

    report = fix(path, context_dir=context, unsafe=True)
    assert codes <= {code for change in report.changes for code in change.codes}
    assert report.restructured is restructured
    size_after, after = _build_and_import(
        bases, report.files[0].path, context, f"localhost/fix-builds-it-{shape}:after", modules
    )
    assert after.ok, after
    assert after.python != before.python or not restructured  # the venv, not the system's
    if restructured:  # the venv's own pip stays in the builder; setuptools where nothing uses it
        tag = f"localhost/fix-builds-it-{shape}:after"
        probe = (
            "import importlib.util as u; "
            "print([u.find_spec(n) is None for n in ('pip', 'setuptools', 'pkg_resources')])"
        )
        done = bases.builder.run(tag, ["/opt/venv/bin/python", "-c", probe], timeout_s=60)
        kept = shape == "pkg-resources"  # fs requires setuptools, imports pkg_resources
        expected = f"[True, {not kept}, {not kept}]"
        assert done.stdout.strip() == expected, (done.stdout, done.stderr)
    print(f"{shape}: {size_before} -> {size_after} bytes")
    if "JT201" in codes:  # onto the slim runtime base: several hundred MB less
        assert size_after < size_before // 2, (size_before, size_after)
    # never larger, but for the non-root user's lines in /etc and its home (a few kB)
    if size_after > size_before + USER_BYTES:
        raise LargerAfter(f"{size_before} -> {size_after} bytes")
