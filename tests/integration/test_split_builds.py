"""The multi-stage split for real: for four install shapes (``pip install -e .`` of a project
copied whole, Poetry with ``virtualenvs.create false`` installed in its own RUN or in the
RUN that runs it, and a file that is already multi-stage), the original Dockerfile and the
one ``fix`` writes are built with buildah on the local stand-in bases, and the same smoke
command runs in both with the same output. The rewrite's runtime stage is on
``python:3.11-slim`` and the image is smaller.

Each build ``pip install``s a pure-Python package from PyPI through the host CA bundle
(skipped when PyPI does not answer), in a private buildah store removed at the end.
"""

from __future__ import annotations

import shutil
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from integration.conftest import HOST_CA_BUNDLE, Store, _base_images, _cleanup, _run
from integration.conftest import missing_requirements as _missing
from integration.test_optimize import _pypi_unreachable
from jettison.builder.backend import BuildRequest
from jettison.builder.buildah import BuildahBuilder
from jettison.builder.options import BuildOptions
from jettison.fix.core import fix
from jettison.image.sources.containers_storage import STORAGE_DRIVER_ENV, STORAGE_ROOT_ENV

pytestmark = pytest.mark.integration

BASES = ("docker.io/library/python:3.11", "docker.io/library/python:3.11-slim")
PACKAGE = {
    "svc/__init__.py": (
        "import six\n\n\ndef main() -> None:\n    print(f'svc ok: six {six.__version__}')\n"
    ),
    "svc/__main__.py": "from svc import main\n\nmain()\n",
}
SETUPTOOLS_PROJECT = (
    '[build-system]\nrequires = ["setuptools>=68"]\nbuild-backend = "setuptools.build_meta"\n\n'
    '[project]\nname = "svc"\nversion = "0.1.0"\ndependencies = ["six==1.16.0"]\n\n'
    '[project.scripts]\nsvc-hello = "svc:main"\n\n[tool.setuptools]\npackages = ["svc"]\n'
)
POETRY_PROJECT = (
    '[tool.poetry]\nname = "svc"\nversion = "0.1.0"\ndescription = "a test service"\n'
    'authors = ["jettison <jettison@example.com>"]\npackages = [{include = "svc"}]\n\n'
    '[tool.poetry.dependencies]\npython = "^3.11"\nsix = "1.16.0"\n\n'
    '[tool.poetry.group.dev.dependencies]\niniconfig = "2.0.0"\n\n'
    '[build-system]\nrequires = ["poetry-core>=1.0"]\nbuild-backend = "poetry.core.masonry.api"\n'
)

CASES = {
    "pip_install_editable": (
        'FROM python:3.11\nWORKDIR /srv\nCOPY . /srv\nRUN pip install -e .\nCMD ["svc-hello"]\n',
        {"pyproject.toml": SETUPTOOLS_PROJECT},
        ["svc-hello"],
    ),
    "poetry": (
        # Poetry talks to PyPI with requests: the proxy's CA is named for it (on an ordinary
        # network this line is not needed; the stand-in base has the file either way)
        "FROM python:3.11\nENV REQUESTS_CA_BUNDLE=/run/host-ca.crt\n"
        "RUN pip install poetry==1.8.3\nRUN poetry config virtualenvs.create false\n"
        "WORKDIR /app\nCOPY pyproject.toml ./\nRUN poetry install --no-root --only main\n"
        'COPY . .\nCMD ["python", "-m", "svc"]\n',
        {"pyproject.toml": POETRY_PROJECT},
        ["python", "-m", "svc"],
    ),
    "poetry_in_the_install_run": (
        # poetry installed in the RUN that runs it: the base's own pip installs it, and it
        # fills the builder's /opt/venv through VIRTUAL_ENV
        "FROM python:3.11\nENV REQUESTS_CA_BUNDLE=/run/host-ca.crt\nWORKDIR /app\n"
        "COPY pyproject.toml ./\nRUN pip install poetry==1.8.3 \\\n"
        "    && poetry config virtualenvs.create false \\\n"
        "    && poetry install --no-root --only main\n"
        'COPY . .\nCMD ["python", "-m", "svc"]\n',
        {"pyproject.toml": POETRY_PROJECT},
        ["python", "-m", "svc"],
    ),
    "already_multi_stage": (
        "FROM python:3.11-slim AS assets\nRUN mkdir /out && echo 'assets v7' > /out/version.txt\n"
        "\nFROM python:3.11\nWORKDIR /app\nCOPY requirements.txt .\n"
        "RUN pip install -r requirements.txt\nCOPY . .\n"
        "COPY --from=assets /out/version.txt /app/version.txt\n"
        'CMD ["sh", "-c", "python -m svc && cat /app/version.txt"]\n',
        {"requirements.txt": "six==1.16.0\n"},
        ["sh", "-c", "python -m svc && cat /app/version.txt"],
    ),
}


TEAM_BASE = "example.com/team/py-base:1"
"""The stand-in python:3.11 under a name no family says: fix reads it from the store."""


@pytest.fixture(scope="module")
def private() -> Iterator[Store]:
    """A private store with the stand-in bases, also under a name no family says."""
    reason = _missing() or _pypi_unreachable()
    if reason is not None:
        pytest.skip(reason)
    _base_images()
    top = Path(tempfile.mkdtemp(prefix="jettison-split-it-"))
    store = Store(top / "store" / "root", top / "store" / "run")
    try:
        for base in BASES:
            _run(["buildah", "push", "--quiet", base, f"containers-storage:{store.spec}{base}"])
        _run(store.args("tag", BASES[0], TEAM_BASE))
        yield store
    finally:
        _cleanup(store, [], top)


@pytest.fixture(scope="module")
def builder(private: Store) -> BuildahBuilder:
    return BuildahBuilder(root=private.root, runroot=private.runroot)


def _build(builder: BuildahBuilder, ctx: Path, dockerfile: Path) -> str:
    tag = f"localhost/split-it-{uuid.uuid4().hex[:8]}"
    options = BuildOptions(builder=builder, ca_bundle=HOST_CA_BUNDLE)
    lines: list[str] = []
    builder.build(BuildRequest(ctx, dockerfile, tag, options=options), lines.append)
    return tag


def _size(builder: BuildahBuilder, image: str, tmp_path: Path) -> int:
    """The image's size as ``docker save`` would write it (an archive of its layers)."""
    archive = builder.export(image, tmp_path / f"{image.rsplit('/', 1)[-1]}.tar", "docker-archive")
    size = archive.stat().st_size
    archive.unlink()
    return size


@pytest.mark.parametrize("case", sorted(CASES))
def test_split_builds_and_runs_like_the_original(
    builder: BuildahBuilder, tmp_path: Path, case: str
) -> None:
    dockerfile, files, smoke = CASES[case]
    ctx = tmp_path / case
    for name, text in {**PACKAGE, **files, "Dockerfile": dockerfile}.items():
        (ctx / name).parent.mkdir(parents=True, exist_ok=True)
        (ctx / name).write_text(text)
    report = fix(ctx / "Dockerfile", select=["restructure"], offline=True)
    assert report.restructured
    rewritten = ctx / "Dockerfile.jettison"
    assert "FROM python:3.11-slim\n" in rewritten.read_text()

    before = _build(builder, ctx, ctx / "Dockerfile")
    after = _build(builder, ctx, rewritten)
    runs = [builder.run(image, smoke, timeout_s=120) for image in (before, after)]
    for run in runs:
        assert run.exit_code == 0, (run.stdout, run.stderr, rewritten.read_text())
    assert runs[0].stdout == runs[1].stdout
    assert "svc ok: six 1.16.0" in runs[1].stdout
    assert _size(builder, after, tmp_path) < _size(builder, before, tmp_path)
    if case.startswith("poetry"):  # poetry built the environment and stayed in the builder
        found = builder.run(after, ["sh", "-c", "command -v poetry || echo none"], timeout_s=60)
        assert found.stdout.strip() == "none"
    shutil.rmtree(ctx)


def test_a_base_no_name_says_is_read_from_the_store(
    builder: BuildahBuilder, private: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without --base-image, fix finds the base in the builder's store, plans the runtime
    stage on the same image with Poetry left in the builder, and the split builds and runs."""
    monkeypatch.setenv(STORAGE_ROOT_ENV, str(private.root))
    monkeypatch.setenv(STORAGE_DRIVER_ENV, "overlay")
    ctx = tmp_path / "team"
    dockerfile = CASES["poetry"][0].replace("FROM python:3.11\n", f"FROM {TEAM_BASE}\n")
    for name, text in {
        **PACKAGE,
        "pyproject.toml": POETRY_PROJECT,
        "Dockerfile": dockerfile,
    }.items():
        (ctx / name).parent.mkdir(parents=True, exist_ok=True)
        (ctx / name).write_text(text)
    report = fix(ctx / "Dockerfile", select=["restructure"], offline=True)
    notes = [c.description for c in report.changes]
    assert f"{TEAM_BASE} read from the builder's local image store" in notes
    rewritten = (ctx / "Dockerfile.jettison").read_text()
    assert rewritten.count(f"FROM {TEAM_BASE}") == 2  # the runtime stays on the same image

    before = _build(builder, ctx, ctx / "Dockerfile")
    after = _build(builder, ctx, ctx / "Dockerfile.jettison")
    runs = [builder.run(image, ["python", "-m", "svc"], timeout_s=120) for image in (before, after)]
    for run in runs:
        assert run.exit_code == 0, (run.stdout, run.stderr, rewritten)
    assert runs[0].stdout == runs[1].stdout and "svc ok: six 1.16.0" in runs[1].stdout
    found = builder.run(after, ["sh", "-c", "command -v poetry || echo none"], timeout_s=60)
    assert found.stdout.strip() == "none"
    assert _size(builder, after, tmp_path) < _size(builder, before, tmp_path)
