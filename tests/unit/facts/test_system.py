"""Build tools as install commands name them, toolchain packages as dpkg lists them."""

from __future__ import annotations

import pytest

from jettison.facts.system import has_runtime_half, is_build_tool, is_toolchain_package


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("build-essential", True),
        ("gcc", True),
        ("gcc-12", True),
        ("g++-12.2", True),
        ("cpp", True),
        ("clang-17", True),
        ("build-base", True),
        ("gcc-c++", True),
        ("@development-tools", True),
        ("libpq-dev", True),
        ("openssl-devel", True),
        ("python3-dev", True),
        ("curl", False),
        ("gcc-12-base", False),
        ("libgcc-s1", False),
        ("make", False),
        ("devscripts", False),
    ],
)
def test_is_build_tool(name: str, expected: bool) -> None:
    assert is_build_tool(name) is expected


@pytest.mark.parametrize(
    "name",
    [
        "gcc", "gcc-12", "g++-12", "cpp-12", "cpp-12-x86-64-linux-gnu", "binutils",
        "binutils-x86-64-linux-gnu", "libbinutils", "make", "build-essential", "dpkg-dev",
        "libc6-dev", "libc6-dev:amd64", "linux-libc-dev", "libgcc-12-dev", "libstdc++-12-dev",
        "libpython3.11-dev", "python3.11-dev", "python3-dev", "gfortran-12", "cmake",
        "libssl-dev", "libcublas-dev-12-1", "cuda-cudart-dev-12-1", "cuda-nvcc-12-1",
    ],
)  # fmt: skip
def test_toolchain_packages(name: str) -> None:
    assert is_toolchain_package(name)


@pytest.mark.parametrize(
    "name",
    [
        "git", "gcc-12-base", "libgcc-s1", "libstdc++6", "libgomp1", "libquadmath0", "udev",
        "libpython3.11", "python3.11", "cuda-nvrtc-12-1", "cuda-nvvm-12-1", "libcublas-12-1",
        "cppcheck-gui-no",
    ],
)  # fmt: skip
def test_not_toolchain_packages(name: str) -> None:
    assert not is_toolchain_package(name)


def test_header_only_dev_packages() -> None:
    assert has_runtime_half("libpq-dev")
    assert not has_runtime_half("python3-dev")
    assert not has_runtime_half("python3.11-dev")
