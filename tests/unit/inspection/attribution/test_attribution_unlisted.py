from __future__ import annotations

from jettison.image.model import EntryKind, FileEntry
from jettison.inspect.attribution import unlisted
from support.memimage import File

from ._helpers import attribute_layers, deb, dpkg_status, installed, wheel

DIST_PACKAGES = "usr/lib/python3/dist-packages"


def entry(path: str) -> FileEntry:
    return FileEntry(path, EntryKind.FILE, 1, 0)


def test_byte_code_follows_the_final_owner_of_its_source() -> None:
    # Debian's python3-pip ships a dist-info with a RECORD; dpkg wins the sources, and the
    # byte code py3compile wrote at postinst must follow them, not the RECORD.
    pip = wheel("pip", "23.0.1", {"pip/__init__.py": b"p" * 10}, site=DIST_PACKAGES)
    status = File("var/lib/dpkg/status", dpkg_status(installed("python3-pip")))
    sources = [f"/{s.path}" for s in pip if isinstance(s, File)]
    debian = deb("python3-pip", {}, listed_as=sources)
    compiled = [
        File(f"{DIST_PACKAGES}/pip/__pycache__/__init__.cpython-311.pyc", b"c" * 20),
        File(f"{DIST_PACKAGES}/pip/_vendor/__pycache__/six.cpython-311.pyc", b"s"),
    ]
    result = attribute_layers([[*pip, *debian, status], compiled])
    owner = result.ownership.owner_of
    assert (
        owner(f"{DIST_PACKAGES}/pip/__pycache__/__init__.cpython-311.pyc") == "debian:python3-pip"
    )
    # No source, but every claimed file of pip/ is python3-pip's.
    assert owner(f"{DIST_PACKAGES}/pip/_vendor/__pycache__/six.cpython-311.pyc") == (
        "debian:python3-pip"
    )
    assert not result.has_owner("python", "pip")
    assert result.ownership.python["pip"].files == ()


def test_stdlib_byte_code_goes_to_the_package_of_the_source_anywhere() -> None:
    status = File("var/lib/dpkg/status", dpkg_status(installed("libpython3.11-stdlib")))
    stdlib = deb("libpython3.11-stdlib", {"usr/lib/python3.11/json/decoder.py": b"d" * 100})
    compiled = [
        File("usr/lib/python3.11/json/__pycache__/decoder.cpython-311.pyc", b"c" * 50),
        File("usr/lib/python3.11/json/__pycache__/decoder.cpython-311.opt-1.pyc", b"o" * 50),
        File("usr/lib/python3.11/json/__pycache__/scanner.cpython-311.pyc", b"orphan"),
    ]
    result = attribute_layers([[*stdlib, status, *compiled]])
    owner = result.ownership.owner_of
    assert owner("usr/lib/python3.11/json/__pycache__/decoder.cpython-311.pyc") == (
        "debian:libpython3.11-stdlib"
    )
    assert owner("usr/lib/python3.11/json/__pycache__/decoder.cpython-311.opt-1.pyc") == (
        "debian:libpython3.11-stdlib"
    )
    # Not below a site directory: no guessing from the directory.
    assert owner("usr/lib/python3.11/json/__pycache__/scanner.cpython-311.pyc") is None
    assert result.owner("debian", "libpython3.11-stdlib").size_bytes == 200


def test_derive_rules() -> None:
    site = "app/venv/lib/python3.11/site-packages"
    claims = {
        f"{site}/torch/__init__.py": "python:torch",
        f"{site}/torch/lib/libtorch_cpu.so": "python:torch",
        f"{site}/nvidia/cublas/lib/libcublas.so.12": "python:nvidia-cublas-cu12",
        f"{site}/nvidia/cudnn/lib/libcudnn.so.9": "python:nvidia-cudnn-cu12",
        "opt/tool/mod.py": "debian:tool",
        "top.py": "debian:top",
    }
    files = [
        f"{site}/torch/lib/new/kernel.bin",
        f"{site}/torch/__pycache__/__init__.cpython-311.pyc",
        f"{site}/nvidia/cudnn/include/cudnn.h",
        f"{site}/nvidia/NOTICE",
        f"{site}/stray.pth",
        "opt/tool/mod.pyc",
        "__pycache__/top.cpython-311.pyc",
        "opt/tool/other.txt",
        *claims,
    ]
    derived = unlisted.derive(files, claims)
    assert derived == {
        f"{site}/torch/lib/new/kernel.bin": "python:torch",
        f"{site}/torch/__pycache__/__init__.cpython-311.pyc": "python:torch",
        f"{site}/nvidia/cudnn/include/cudnn.h": "python:nvidia-cudnn-cu12",
        "opt/tool/mod.pyc": "debian:tool",
        "__pycache__/top.cpython-311.pyc": "debian:top",
    }


def test_dist_info_files_without_a_record_line_belong_to_the_dist() -> None:
    specs = wheel("foo", "1.0", {"foo/a.py": b"a"})
    specs += [
        File("usr/local/lib/python3.11/site-packages/foo-1.0.dist-info/licenses/LICENSE", b"MIT")
    ]
    result = attribute_layers([specs])
    assert (
        result.ownership.owner_of(
            "usr/local/lib/python3.11/site-packages/foo-1.0.dist-info/licenses/LICENSE"
        )
        == "python:foo"
    )
