"""toolchain: compiler/dev Debian packages, include dirs, static libraries, package headers."""

from __future__ import annotations

from support.memimage import File

from .helpers import SITE, deb, dist, ownership, removable, rows


def test_packages_roll_up_per_package_with_their_dpkg_list() -> None:
    gcc = deb("gcc-12", ["usr/bin/gcc-12", "usr/lib/gcc/x86_64-linux-gnu/12/cc1"])
    libc_dev = deb("libc6-dev", ["usr/include/stdio.h", "usr/lib/x86_64-linux-gnu/libc.a"])
    git = deb("git", ["usr/bin/git"])
    base = deb("gcc-12-base", ["usr/share/doc/gcc-12-base/README"])
    found = removable(
        [
            File("var/lib/dpkg/info/gcc-12.list", b"/usr/bin/gcc-12\n"),
            File("var/lib/dpkg/info/libc6-dev:amd64.list", b"/usr/include/stdio.h\n"),
            File("usr/bin/gcc-12", b"g" * 100),
            File("usr/lib/gcc/x86_64-linux-gnu/12/cc1", b"c" * 900),
            File("usr/include/stdio.h", b"h" * 30),
            File("usr/lib/x86_64-linux-gnu/libc.a", b"a" * 400),
            File("usr/bin/git", b"G" * 5000),
            File("usr/share/doc/gcc-12-base/README", b"r"),
        ],
        owned=ownership(debian=[gcc, libc_dev, git, base]),
    )["toolchain"]
    assert rows(found) == [
        ("var/lib/dpkg/info/gcc-12.list", 1000, "debian:gcc-12"),
        ("var/lib/dpkg/info/libc6-dev:amd64.list", 430, "debian:libc6-dev"),
    ]
    assert found.file_count == 4


def test_a_package_without_dpkg_list_rolls_up_to_its_common_directory() -> None:
    pkg = deb("libfoo-dev", ["usr/include/foo/a.h", "usr/include/foo/b.h"])
    found = removable(
        [File("usr/include/foo/a.h", b"a" * 10), File("usr/include/foo/b.h", b"b" * 10)],
        owned=ownership(debian=[pkg]),
    )["toolchain"]
    assert rows(found) == [("usr/include/foo", 20, "debian:libfoo-dev")]


def test_build_only_files_whoever_owns_them() -> None:
    torch = dist(
        "torch",
        files=[f"{SITE}/torch/include/ATen/ATen.h", f"{SITE}/torch/include/c10/cuda/x.cuh",
               f"{SITE}/torch/lib/libtorch_cpu.so", f"{SITE}/torch/lib/libfoo.a"],
    )  # fmt: skip
    found = removable(
        [
            File(f"{SITE}/torch/include/ATen/ATen.h", b"h" * 300),
            File(f"{SITE}/torch/include/c10/cuda/x.cuh", b"c" * 200),
            File(f"{SITE}/torch/include/README.txt", b"r" * 7),
            File(f"{SITE}/torch/lib/libtorch_cpu.so", b"s" * 9000),
            File(f"{SITE}/torch/lib/libfoo.a", b"a" * 50),
            File(f"{SITE}/nvidia/cublas/include/cublas_api.h", b"n" * 40),
            File("usr/local/include/python3.11/Python.h", b"p" * 100),
            File("opt/lib/libbar.a", b"b" * 60),
            File("libtop.a", b"t" * 1),
            File("usr/include/zlib.h", b"z" * 20),
        ],
        owned=ownership([torch]),
    )["toolchain"]
    assert rows(found) == [
        (f"{SITE}/torch/include", 500, "python:torch"),
        ("usr/local/include", 100, None),
        ("opt/lib", 60, None),
        (f"{SITE}/torch/lib", 50, "python:torch"),
        (f"{SITE}/nvidia/cublas/include", 40, None),
        ("usr/include", 20, None),
        ("", 1, None),
    ]
