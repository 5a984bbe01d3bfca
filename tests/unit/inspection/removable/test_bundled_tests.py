"""tests: test suites inside site-packages and the CPython test suite; testing/ is left."""

from __future__ import annotations

from support.memimage import File

from .helpers import SITE, dist, ownership, removable, rows


def test_test_directories_below_a_top_level_package() -> None:
    scipy = dist("scipy", files=[f"{SITE}/scipy/linalg/tests/test_basic.py",
                                 f"{SITE}/scipy/tests/data/x.npz"])  # fmt: skip
    found = removable(
        [
            File(f"{SITE}/scipy/linalg/tests/test_basic.py", b"t" * 300),
            File(f"{SITE}/scipy/tests/data/x.npz", b"d" * 200),
            File(f"{SITE}/scipy/linalg/_basic.py", b"b" * 1000),
            File(f"{SITE}/foo/test/test_foo.py", b"f" * 50),
            File(f"{SITE}/numpy/testing/_private/utils.py", b"n" * 800),
            File(f"{SITE}/tests/__init__.py", b"top-level tests package"),
            File(f"{SITE}/foo/test_helpers.py", b"h" * 60),
            File(f"{SITE}/foo/mytests/x.py", b"m" * 60),
            File("usr/lib/python3/dist-packages/bar/sub/tests/t.py", b"b" * 40),
        ],
        owned=ownership([scipy]),
    )["tests"]
    assert rows(found) == [
        (f"{SITE}/scipy", 500, "python:scipy"),
        (f"{SITE}/foo", 50, None),
        ("usr/lib/python3/dist-packages/bar", 40, None),
    ]


def test_cpython_test_suite() -> None:
    found = removable(
        [
            File("usr/local/lib/python3.11/test/test_os.py", b"o" * 300),
            File("usr/local/lib/python3.11/test/support/__init__.py", b"s" * 100),
            File("usr/lib/python3.11/test/test_sys.py", b"y" * 50),
            File("opt/conda/lib/python3.12/test/test_re.py", b"r" * 20),
            File("usr/local/lib/python3.11/unittest/case.py", b"u" * 500),
            File("usr/local/lib/python3.11/test.py", b"not a directory"),
        ]
    )["tests"]
    assert rows(found) == [
        ("usr/local/lib/python3.11/test", 400, None),
        ("usr/lib/python3.11/test", 50, None),
        ("opt/conda/lib/python3.12/test", 20, None),
    ]
