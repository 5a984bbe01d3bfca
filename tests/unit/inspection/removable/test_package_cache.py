"""package-cache: apt, pip and friends, conda pkgs; rolled up by cache directory."""

from __future__ import annotations

from support.memimage import File, Hardlink

from .helpers import removable, rows


def test_apt_lists_and_caches_roll_up_by_directory() -> None:
    found = removable(
        [
            File("var/lib/apt/lists/deb.debian.org_dists_bookworm_InRelease", b"r" * 100),
            File("var/lib/apt/lists/deb.debian.org_main_binary-amd64_Packages.lz4", b"p" * 900),
            File("var/lib/apt/lists/lock"),
            File("var/lib/apt/lists/partial/half-downloaded", b"x" * 50),
            File("var/cache/apt/pkgcache.bin", b"c" * 300),
            File("var/cache/apt/archives/curl_8.0_amd64.deb", b"d" * 200),
            File("var/cache/apt/archives/lock"),
            File("var/lib/apt/extended_states", b"s" * 10),
        ]
    )["package-cache"]
    assert rows(found) == [
        ("var/lib/apt/lists", 1000, None),
        ("var/cache/apt", 300, None),
        ("var/cache/apt/archives", 200, None),
    ]
    assert (found.size_bytes, found.file_count) == (1500, 4)


def test_python_caches_under_any_home() -> None:
    found = removable(
        [
            File("root/.cache/pip/http-v2/a/b/c", b"w" * 400),
            File("home/app/.cache/pip/wheels/x.whl", b"w" * 300),
            File("root/.cache/uv/archive-v0/x/torch/__init__.py", b"u" * 200),
            File("root/.cache/pypoetry/cache/repositories/pypi/x", b"p" * 50),
            File("root/.cache/pypoetry/artifacts/ab/x.whl", b"p" * 50),
            File("root/.cache/pipenv/http/x", b"e" * 20),
            File("root/.npm/_cacache/content-v2/sha512/x", b"n" * 10),
        ]
    )["package-cache"]
    assert rows(found) == [
        ("root/.cache/pip", 400, None),
        ("home/app/.cache/pip", 300, None),
        ("root/.cache/uv", 200, None),
        ("root/.cache/pypoetry", 100, None),
        ("root/.cache/pipenv", 20, None),
        ("root/.npm/_cacache", 10, None),
    ]


def test_poetry_virtualenvs_are_not_a_cache() -> None:
    found = removable(
        [
            File(
                "root/.cache/pypoetry/virtualenvs/app-py3.11/lib/python3.11/site-packages/x.py",
                b"x",
            )
        ]
    )["package-cache"]
    assert (found.size_bytes, found.file_count, found.top) == (0, 0, ())


def test_system_package_manager_caches() -> None:
    found = removable(
        [
            File("var/cache/apk/APKINDEX.tar.gz", b"a" * 30),
            File("var/cache/dnf/fedora.solv", b"d" * 20),
            File("var/cache/yum/x86_64/base/primary.sqlite", b"y" * 10),
        ]
    )["package-cache"]
    assert rows(found) == [
        ("var/cache/apk", 30, None),
        ("var/cache/dnf", 20, None),
        ("var/cache/yum", 10, None),
    ]


def test_conda_pkgs_only_next_to_conda_meta_or_with_urls_txt() -> None:
    found = removable(
        [
            File("opt/conda/conda-meta/history", b"h"),
            File("opt/conda/pkgs/numpy-1.26-py311.conda", b"c" * 500),
            File("opt/conda/pkgs/numpy-1.26-py311/info/index.json", b"i" * 5),
            File("srv/mamba/pkgs/urls.txt", b"u" * 5),
            File("srv/mamba/pkgs/x.tar.bz2", b"t" * 100),
            File("srv/app/pkgs/module.py", b"not a cache"),
        ]
    )["package-cache"]
    assert rows(found) == [("opt/conda/pkgs", 505, None), ("srv/mamba/pkgs", 105, None)]


def test_cache_files_hard_linked_into_an_environment_free_nothing() -> None:
    found = removable(
        [
            File("opt/conda/conda-meta/history", b"h"),
            # conda's default: the environment's file is a hard link to the extracted package.
            File("opt/conda/pkgs/numpy-1.26/lib/libnumpy.so", b"s" * 1000),
            Hardlink("opt/conda/lib/libnumpy.so", "opt/conda/pkgs/numpy-1.26/lib/libnumpy.so"),
            File("opt/conda/pkgs/numpy-1.26.conda", b"c" * 300),
        ]
    )["package-cache"]
    assert rows(found) == [("opt/conda/pkgs", 300, None)]
    assert found.file_count == 1
