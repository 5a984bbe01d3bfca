from __future__ import annotations

import pytest

from jettison.units import count, exact_bytes, fraction_percent, human_bytes, percent


@pytest.mark.parametrize(
    ("size", "expected"),
    [
        (0, "0 B"),
        (15, "15 B"),
        (999, "999 B"),
        (1_000, "1 kB"),
        (12_200, "12.2 kB"),
        (12_249, "12.2 kB"),
        (1_234_567, "1.23 MB"),
        (512_000_000, "512 MB"),
        (7_340_000_000, "7.34 GB"),
        (7_000_000_000, "7 GB"),
        (999_499, "999 kB"),
        (999_950, "1 MB"),  # rounds up into the next unit, never "1e+03 kB"
        (999_999_999_999, "1 TB"),
        (-1_500, "-1.5 kB"),
    ],
)
def test_human_bytes_uses_decimal_units_and_three_digits(size: int, expected: str) -> None:
    assert human_bytes(size) == expected


def test_exact_bytes_and_count_group_thousands() -> None:
    assert exact_bytes(1_234_567) == "1,234,567 bytes"
    assert count(12_345) == "12,345"
    assert count(7) == "7"


@pytest.mark.parametrize(
    ("part", "whole", "expected"),
    [
        (1, 3, "33.3%"),
        (3, 3, "100.0%"),
        (0, 5, "0.0%"),
        (1, 100_000, "<0.1%"),
        (1, 0, "n/a"),
    ],
)
def test_percent(part: int, whole: int, expected: str) -> None:
    assert percent(part, whole) == expected


def test_fraction_percent() -> None:
    assert fraction_percent(0.98765432) == "98.8%"
    assert fraction_percent(0.98765432, 4) == "98.7654%"
    assert fraction_percent(1.0, 4) == "100.0000%"
