"""System packages: which ones build software (compilers, ``-dev`` headers), which runtime
library a Debian ``-dev`` package stands for, and the packages of Python itself.

Two questions, two tables that share their compilers:

- :func:`is_build_tool`: does an *install command* name a build tool? The names people
  write after ``apt-get install``, ``apk add``, ``dnf install`` or ``zypper install``, on any
  distribution (lint's JT401, and ``fix``/``plan`` when they keep build tools out of the
  runtime image);
- :func:`is_toolchain_package`: is an *installed* Debian package part of a toolchain? The
  package names dpkg lists, globs included, with the private libraries only compilers use
  (inspect's ``toolchain`` cause).

Names are package names as :func:`jettison.dockerfile.commands.system.package_name` gives
them (no version, no architecture, lower case).
"""

from __future__ import annotations

import fnmatch
import re

COMPILERS = ("gcc", "g++", "cpp", "gfortran", "clang")
"""Compiler packages; ``NAME-N`` (``gcc-12``) is the same compiler in one version."""

BUILD_TOOLS = frozenset(
    {*COMPILERS, "build-essential", "build-base", "alpine-sdk", "gcc-c++", "cmake",
     "gcc-gfortran", "ninja-build", "rustc", "cargo", "golang", "@development-tools",
     "development-tools", "patterns-devel-base-devel_basis", "swig", "autoconf", "automake",
     "libtool", "meson"}
)  # fmt: skip
"""Toolchains and compilers as install commands name them (Debian, Alpine, RHEL, SUSE)."""
BUILD_TIME_TOOLS = frozenset({"git", "git-lfs", "make", "pkg-config", "pkgconf", "subversion"})
"""Tools a build uses (to clone, to drive a compiler) that some services also run: worth
a note when they stay in the image, not more."""
RECOMMENDED_BUILD_TOOLS = {
    "python3-pip": ("build-essential", "python3-dev"),
}
"""Debian/Ubuntu packages whose *recommended* packages are build tools (python3-pip
recommends build-essential and python3-dev): installed unless recommends are off."""
COMPILER_PROGRAMS = {
    "gcc": "gcc", "cc": "gcc", "g++": "g++", "c++": "g++", "make": "make", "cmake": "cmake",
    "swig": "swig", "gfortran": "gfortran", "cargo": "cargo", "rustc": "rustc",
}  # fmt: skip
"""Programs a runtime step may run that only build tools provide (program -> package)."""
FULL_IMAGE_TOOLS = frozenset({"curl", "wget", "git", "unzip", "zip", "bzip2", "ssh", "jq"})
"""Programs the full ``python:X`` image has and its ``-slim`` variant lacks (apt package of
the same name): a runtime step that runs one gets it installed."""
JIT_COMPILERS = frozenset({"triton", "deepspeed", "vllm", "lightllm", "sglang"})
"""Python distributions that compile kernels with the system C compiler at run time, so a
compiler in their image is a runtime dependency."""
_VERSIONED = re.compile(rf"^(?:{'|'.join(map(re.escape, COMPILERS))})-\d+(?:\.\d+)?$")
_DEV = re.compile(r"^[a-z0-9][a-z0-9.+-]*-(?:dev|devel)$")


def is_build_tool(name: str) -> bool:
    """A compiler, a toolchain meta-package, or development headers (``*-dev``,
    ``*-devel``)."""
    return name in BUILD_TOOLS or bool(_VERSIONED.match(name)) or bool(_DEV.match(name))


TOOLCHAIN_PACKAGES = (
    # compilers and their private libraries
    *COMPILERS, *(f"{compiler}-[0-9]*" for compiler in COMPILERS),
    "libcc1-[0-9]*", "libisl[0-9]*", "libmpc[0-9]*",
    "libasan[0-9]*", "liblsan[0-9]*", "libtsan[0-9]*", "libubsan[0-9]*", "libhwasan[0-9]*",
    # binutils and its private libraries
    "binutils", "binutils-*", "libbinutils", "libctf0", "libctf-nobfd0", "libgprofng[0-9]*",
    "libsframe[0-9]*",
    # build drivers
    "make", "build-essential", "dpkg-dev", "cmake", "cmake-data", "ninja-build", "autoconf",
    "automake", "libtool", "pkg-config", "pkgconf", "pkgconf-bin",
    # headers, static libraries and link-time files
    "*-dev", "*-dev-[0-9]*", "libc-dev-bin", "rpcsvc-proto",
    # the CUDA compiler (not libNVVM or NVRTC, which JIT compilers load at run time)
    "cuda-nvcc-*", "cuda-compiler-*", "cuda-minimal-build-*", "cuda-crt-*", "cuda-cuobjdump-*",
    "cuda-nvprune-*",
)  # fmt: skip
"""fnmatch patterns of installed Debian package names (architecture qualifier dropped)."""
NOT_TOOLCHAIN_PACKAGES = ("*-base",)
"""Matches of :data:`TOOLCHAIN_PACKAGES` that runtime libraries depend on (``gcc-12-base``)."""


def _any_of(patterns: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile("|".join(fnmatch.translate(p) for p in patterns))


_TOOLCHAIN = _any_of(TOOLCHAIN_PACKAGES)
_NOT_TOOLCHAIN = _any_of(NOT_TOOLCHAIN_PACKAGES)


def is_toolchain_package(name: str) -> bool:
    """An installed Debian package (``name`` as dpkg lists it, ``:arch`` allowed) that only
    building software needs."""
    base = name.partition(":")[0]
    return _TOOLCHAIN.match(base) is not None and _NOT_TOOLCHAIN.match(base) is None


DEV_RUNTIME_LIBRARIES = {
    "libpq-dev": "libpq5",
    "libgl1-mesa-dev": "libgl1",
    "libglib2.0-dev": "libglib2.0-0",
    "libjpeg-dev": "libjpeg62-turbo",
    "libpng-dev": "libpng16-16",
    "libffi-dev": "libffi8",
    "libssl-dev": "libssl3",
    "libxml2-dev": "libxml2",
    "libsndfile1-dev": "libsndfile1",
    "default-libmysqlclient-dev": "libmariadb3",
}
"""Debian ``-dev`` packages and the runtime library they bring (bookworm names)."""

PYTHON_TOOLING = re.compile(
    r"^(?:lib)?python3(?:\.\d+)?-(?:pip|venv|dev|setuptools|wheel|distutils)$"
)
"""apt packages that build or install Python packages (pip, venv, headers): a builder's
business only, where a runtime image gets its interpreter from apt."""
PYTHON_PACKAGES = re.compile(
    r"^(?:python3(?:\.\d+)?(?:-(?:pip|venv|minimal|distutils|setuptools|wheel))?"
    r"|python-is-python3)$"
)
"""apt packages of the interpreter itself and its packaging tools: what a base image that
already has Python makes unnecessary."""
PYTHON_INTERPRETER = re.compile(r"^python3\.\d+$")
"""An apt package naming one interpreter version (``python3.11``)."""


def has_runtime_half(name: str) -> bool:
    """A ``-dev`` package with a runtime library behind it; ``python3-dev`` and the like
    only have headers."""
    return not name.startswith(("python3", "python-"))


DISTRO_PYTHON_DEPENDENTS = frozenset(
    {"software-properties-common", "python-is-python3", "uvicorn", "gunicorn", "ipython3",
     "jupyter-notebook", "cython3", "unattended-upgrades", "supervisor"}
)  # fmt: skip
"""Debian/Ubuntu packages whose names do not say Python but that depend on the distribution's
``python3`` directly (``Depends: python3`` in bookworm and jammy; software-properties-common
also pulls python3-gi and dbus)."""
_DISTRO_PYTHON = re.compile(r"^(?:python3(?:\.\d+)?(?:-[a-z0-9.+-]+)?|py3-[a-z0-9.+-]+)$")
"""The interpreter and its modules: ``python3``, ``python3.11``, ``python3-pip``,
``python3.11-venv`` (Debian, Ubuntu, RHEL), ``py3-pip`` (Alpine)."""


def brings_distro_python(name: str) -> bool:
    """An installed system package that is, or directly depends on, the distribution's own
    ``python3`` interpreter."""
    return bool(_DISTRO_PYTHON.match(name)) or name in DISTRO_PYTHON_DEPENDENTS
