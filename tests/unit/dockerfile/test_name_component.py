"""Image name components made from directory and service names must be valid references."""

from __future__ import annotations

import re

import pytest

from jettison.imageref import name_component

# docker/distribution's reference grammar for one path component
COMPONENT = re.compile(r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("text-service", "text-service"),
        ("My App", "my-app"),
        ("c56wzr8_-python", "c56wzr8-python"),
        ("a__b", "a__b"),
        ("a___b", "a-b"),
        ("a._b", "a-b"),
        ("a--b", "a--b"),
        ("_svc.", "svc"),
        ("Été", "t"),
        ("---", "fallback"),
    ],
)
def test_name_component(text: str, expected: str) -> None:
    got = name_component(text, "fallback")
    assert got == expected
    assert COMPONENT.fullmatch(got)
