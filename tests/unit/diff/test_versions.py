"""Version order: dpkg's for Debian packages, PEP 440 for Python distributions."""

from __future__ import annotations

import pytest

from jettison.diff.versions import compare_debian, compare_versions


@pytest.mark.parametrize(
    ("older", "newer"),
    [
        ("1.0", "1.1"),
        ("1.0~rc1", "1.0"),
        ("1.0", "1.0-1"),
        ("1.0-1", "1.0-2"),
        ("1:0.9", "2:0.1"),
        ("0.9", "1:0.1"),
        ("3.0.11-1~deb12u2", "3.0.13-1~deb12u1"),
        ("2.36-9+deb12u3", "2.36-9+deb12u4"),
        ("1.2a", "1.2b"),
        ("1.2", "1.2a"),
        ("1.2.3", "1.10"),
        ("9", "10"),
        ("1.0~~", "1.0~"),
        ("1.0a", "1.0+"),
    ],
)
def test_debian_order(older: str, newer: str) -> None:
    assert compare_debian(older, newer) < 0
    assert compare_debian(newer, older) > 0
    assert compare_debian(older, older) == 0


def test_debian_equal_forms() -> None:
    assert compare_debian("0:1.0", "1.0") == 0
    assert compare_debian("1.01", "1.1") == 0


def test_python_and_unknown() -> None:
    assert compare_versions("python", "1.26.4", "2.0.0rc1") == -1
    assert compare_versions("python", "2.0", "2.0.0") == 0
    assert compare_versions("python", "not a version", "1.0") is None
    assert compare_versions("unowned", "1", "2") is None
