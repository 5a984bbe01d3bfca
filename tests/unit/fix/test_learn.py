"""Base facts read from the image itself (fix/learn.py), and the split planned from them when
the name says nothing: images written by code (tests/support/imagewriter.py), never pulled."""

from __future__ import annotations

from pathlib import Path

import pytest

from jettison.fix import core
from jettison.fix.core import fix
from jettison.fix.errors import FixError
from jettison.fix.learn import BaseFacts, learn_reference
from support.imagewriter import (
    ImageSpec,
    LayerSpec,
    directory,
    file,
    symlink,
    whiteout,
    write_docker_archive,
    write_oci_archive,
)

DEBIAN = file("etc/os-release", b'PRETTY_NAME="Debian 12"\nID=debian\nVERSION_ID="12"\n')
PYTHON_FILES = (
    DEBIAN,
    file("usr/bin/apt-get", b"\x7fELF"),
    directory("usr/local/lib/python3.11"),
    file("usr/local/lib/python3.11/os.py", b"# os\n"),
    file("usr/local/lib/python3.11/ensurepip/_bundled/pip-24.0-py3-none-any.whl", b"PK"),
    file("usr/local/bin/python3.11", b"\x7fELF", mode=0o755),
    symlink("usr/local/bin/python3", "python3.11"),
    file(
        "usr/local/lib/python3.11/site-packages/fastapi-0.110.0.dist-info/METADATA",
        b"Name: fastapi\n",
    ),
    file("start.sh", b"#!/bin/sh\nexec uvicorn main:app\n", mode=0o755),
)


def _archive(tmp_path: Path, entries: tuple, user: str | None = None) -> Path:  # type: ignore[type-arg]
    spec = ImageSpec(layers=[LayerSpec(entries=entries)], user=user)
    return write_docker_archive(tmp_path / "base.tar", spec)


def test_facts_of_an_image(tmp_path: Path) -> None:
    facts = learn_reference(str(_archive(tmp_path, PYTHON_FILES, user="svc")))
    assert facts is not None
    assert (facts.os_id, facts.os_version, facts.apt) == ("debian", "12", True)
    assert (facts.python, facts.python_version, facts.venv) == (
        "/usr/local/bin/python3.11",
        "3.11",
        True,
    )
    assert facts.packages == frozenset({"fastapi"})
    assert facts.user == "svc" and not facts.cuda


def test_facts_of_an_apt_python_across_layers(tmp_path: Path) -> None:
    # Ubuntu's python3.10 from apt (python3-venv's pip wheel), CUDA's runtime, a package
    # installed in one layer and deleted in the next, os-release only under /usr/lib
    lower = (
        file("usr/lib/os-release", b'NAME="Ubuntu"\nID=ubuntu\nVERSION_ID="22.04"\n'),
        file("usr/lib/python3.10/os.py", b"# os\n"),
        file("usr/bin/python3.10", b"\x7fELF", mode=0o755),
        file("usr/share/python-wheels/pip-22.0.2-py3-none-any.whl", b"PK"),
        file("usr/local/cuda-12.1/targets/x86_64-linux/lib/libcudart.so.12.1.105", b"\x7fELF"),
        file("usr/lib/python3/dist-packages/numpy-1.21.5.dist-info/METADATA", b"Name: numpy\n"),
        file("usr/local/lib/python3.10/dist-packages/Flask-3.0.3.dist-info/METADATA", b"x"),
    )
    upper = (whiteout("usr/lib/python3/dist-packages/numpy-1.21.5.dist-info"),)
    spec = ImageSpec(layers=[LayerSpec(entries=lower), LayerSpec(entries=upper)], user="0")
    facts = learn_reference(f"oci-archive:{write_oci_archive(tmp_path / 'cuda.tar', spec)}")
    assert facts is not None
    assert (facts.os_id, facts.os_version, facts.apt) == ("ubuntu", "22.04", False)
    assert (facts.python, facts.python_version, facts.venv) == ("/usr/bin/python3.10", "3.10", True)
    assert facts.packages == frozenset({"flask"})  # numpy is deleted above it
    assert facts.user is None and facts.cuda  # USER 0 is root: no user of the image's own
    assert facts.describe() == "ubuntu 22.04, Python 3.10 at /usr/bin/python3.10, CUDA"


def test_an_image_that_cannot_be_read_is_not_learnt_from(tmp_path: Path) -> None:
    (tmp_path / "nothing.tar").write_bytes(b"not a tar")
    assert learn_reference(str(tmp_path / "nothing.tar")) is None


DOCKERFILE = (
    "FROM example.com/team/fastapi-base:2024\n"
    "RUN apt-get update && apt-get install -y build-essential libpq-dev\n"
    "COPY requirements.txt /tmp/\nRUN pip install -r /tmp/requirements.txt\n"
    'COPY . /app\nCMD ["/start.sh"]\n'
)


def _context(tmp_path: Path) -> Path:
    ctx = tmp_path / "ctx"
    ctx.mkdir()
    (ctx / "Dockerfile").write_text(DOCKERFILE)
    (ctx / "requirements.txt").write_text("psycopg2==2.9.9\n")
    (ctx / "main.py").write_text("import psycopg2\n")
    return ctx


def test_unknown_base_is_planned_from_the_image(tmp_path: Path) -> None:
    ctx = _context(tmp_path)
    with pytest.raises(FixError, match="not one fix knows"):
        fix(ctx / "Dockerfile", offline=True, dry_run=True, select=["restructure"])
    base = _archive(tmp_path, PYTHON_FILES, user="svc")
    report = fix(
        ctx / "Dockerfile",
        offline=True,
        dry_run=True,
        select=["restructure"],
        base_image=str(base),
    )
    text = report.files[0].text
    runtime = text.split("\nFROM example.com/team/fastapi-base:2024\n", 1)[1]
    assert "RUN /usr/local/bin/python3.11 -m venv --system-site-packages /opt/venv" in text
    assert "apt-get install -y --no-install-recommends libpq5 \\\n" in runtime
    assert "useradd" not in runtime and "USER svc" in runtime  # the image's own user stays
    assert any("as read from the image (debian 12" in c.description for c in report.changes)


def test_an_image_without_python_is_refused(tmp_path: Path) -> None:
    ctx = _context(tmp_path)
    base = _archive(tmp_path, (DEBIAN,))
    with pytest.raises(FixError, match="has no Python fix can find"):
        fix(ctx / "Dockerfile", offline=True, dry_run=True, select=["restructure"],
            base_image=str(base))  # fmt: skip


def test_an_unknown_base_is_read_from_the_builders_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No --base-image: the base the name does not say is looked up in the local store (the
    store itself is read by jettison's containers-storage source, tested on its own)."""
    archive = _archive(tmp_path, PYTHON_FILES, user="svc")
    asked: list[str] = []

    def from_store(reference: str) -> BaseFacts | None:
        asked.append(reference)
        return learn_reference(str(archive))  # what the store holds under that name

    monkeypatch.setattr(core, "learn_reference", from_store)
    report = fix(_context(tmp_path) / "Dockerfile", offline=True, dry_run=True,
                 select=["restructure"])  # fmt: skip
    assert asked == ["containers-storage:example.com/team/fastapi-base:2024"]
    runtime = report.files[0].text.split("\nFROM example.com/team/fastapi-base:2024\n", 1)[1]
    assert "USER svc" in runtime and "useradd" not in runtime  # planned from the image
    notes = [c.description for c in report.changes]
    assert "example.com/team/fastapi-base:2024 read from the builder's local image store" in notes


def test_a_known_base_is_not_looked_up(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(core, "learn_reference", lambda reference: pytest.fail(reference))
    ctx = _context(tmp_path)
    (ctx / "Dockerfile").write_text(DOCKERFILE.replace("example.com/team/fastapi-base:2024",
                                                       "localhost:5000/python:3.11"))  # fmt: skip
    assert fix(ctx / "Dockerfile", offline=True, dry_run=True, select=["restructure"]).restructured


def test_an_unknown_base_not_in_the_store_names_the_remedies(tmp_path: Path) -> None:
    ctx = _context(tmp_path)
    (ctx / "Dockerfile").write_text(
        "ARG BASE=example.com/team/fastapi-base:2024\nFROM ${BASE}\n" + DOCKERFILE.split("\n", 1)[1]
    )
    with pytest.raises(FixError) as caught:
        fix(ctx / "Dockerfile", offline=True, dry_run=True, select=["restructure"])
    assert "'${BASE}' (example.com/team/fastapi-base:2024)" in str(caught.value)
    assert "not in the builder's local image store" in str(caught.value)
    assert "--base-image" in (caught.value.hint or "")
