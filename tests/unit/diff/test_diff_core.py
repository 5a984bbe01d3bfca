"""The diff of two inspections: attributed as inspect attributes, every view summing to
the whole change, nothing reported for an image against itself."""

from __future__ import annotations

import pytest

from jettison.diff.core import check_growth, compare, parse_growth
from jettison.diff.model import NOT_CUDA, NOT_REMOVABLE
from jettison.errors import ConfigError
from support.diffimages import (
    base_layer,
    check_sums,
    inspection,
    naive_layers,
    slim_layers,
)
from support.memimage import File

NAIVE = inspection(naive_layers(), "naive")
SLIM = inspection(slim_layers(), "slim")


def _owner(report, kind, name):  # type: ignore[no-untyped-def]
    return next(o for o in report.owners if (o.kind, o.name) == (kind, name))


def test_an_image_against_itself_reports_nothing() -> None:
    report = compare(NAIVE, NAIVE)
    assert report.identical
    assert report.owners == () and report.files == ()
    assert report.files_rest.file_count == 0
    assert {layer.status for layer in report.layers} == {"shared"}
    assert all(c.delta_bytes == 0 for c in report.causes)
    assert report.unchanged_owner_count == len(NAIVE.report.attribution.owners)
    check_sums(report)


@pytest.mark.parametrize(("a", "b"), [(NAIVE, SLIM), (SLIM, NAIVE)], ids=["slimmer", "fatter"])
def test_every_view_sums_to_the_total_change(a, b) -> None:  # type: ignore[no-untyped-def]
    for top in (0, 3, 1000):
        check_sums(compare(a, b, top_files=top, trees=True))


def test_packages_removed_added_upgraded_with_inspects_own_figures() -> None:
    report = compare(NAIVE, SLIM)
    before = {(o.kind, o.name): o for o in NAIVE.report.attribution.owners}
    for key in [("python", "pandas"), ("python", "scipy"), ("python", "pytest")]:
        row = _owner(report, *key)
        assert row.change == "removed"
        assert (row.before_bytes, row.before_files) == (
            before[key].size_bytes,
            before[key].file_count,
        )
        assert row.before_version == before[key].version
    assert _owner(report, "debian", "gcc-12").change == "removed"
    assert _owner(report, "python", "flask").change == "added"
    ssl = _owner(report, "debian", "libssl3")
    assert (ssl.change, ssl.before_version, ssl.after_version) == (
        "upgraded",
        "3.0.11-1~deb12u2",
        "3.0.13-1~deb12u1",
    )
    assert _owner(report, "unowned", "/app").change == "shrunk"
    assert all(o.name != "numpy" for o in report.owners)  # same version, same bytes


def test_causes_follow_inspects_order_then_the_rest() -> None:
    report = compare(NAIVE, SLIM)
    codes = [c.cause for c in report.causes]
    assert codes[:-1] == [c.cause for c in SLIM.report.removable]
    assert codes[-1] == NOT_REMOVABLE
    toolchain = next(c for c in report.causes if c.cause == "toolchain")
    assert toolchain.before_bytes == next(
        c.size_bytes for c in NAIVE.report.removable if c.cause == "toolchain"
    )
    assert toolchain.after_bytes == 0


def test_cuda_families_and_the_rest() -> None:
    report = compare(NAIVE, SLIM)
    assert [c.family for c in report.cuda] == ["cublas", NOT_CUDA]
    assert report.cuda[0].after_bytes == 0
    no_cuda = inspection([base_layer()])
    assert compare(no_cuda, no_cuda).cuda == ()


def test_layers_shared_by_content_added_and_removed() -> None:
    report = compare(NAIVE, SLIM)
    statuses = [(layer.status, layer.before_index, layer.after_index) for layer in report.layers]
    assert statuses[0] == ("shared", 0, 0)
    assert [s for s, _, _ in statuses].count("added") == 3
    assert [s for s, _, _ in statuses].count("removed") == 3


def test_largest_changed_files_first_with_owner_and_cause() -> None:
    report = compare(NAIVE, SLIM, top_files=3)
    assert len(report.files) == 3
    deltas = [abs(f.delta_bytes) for f in report.files]
    assert deltas == sorted(deltas, reverse=True)
    gcc = compare(NAIVE, SLIM).files
    row = next(f for f in gcc if f.path.endswith("gcc-12"))
    assert (row.change, row.owner, row.cause) == ("removed", "debian:gcc-12", "toolchain")
    assert report.files_rest.file_count == report.changed_file_count - 3


def test_a_file_of_another_size_is_grown_or_shrunk() -> None:
    a = inspection([[File("app/x", b"1" * 10)]])
    b = inspection([[File("app/x", b"2" * 30)]])
    (row,) = compare(a, b).files
    assert (row.change, row.delta_bytes) == ("grown", 20)
    (back,) = compare(b, a).files
    assert back.change == "shrunk"


def test_growth_gate() -> None:
    report = compare(SLIM, NAIVE)
    grown = report.size_delta_bytes
    assert grown > 0
    assert check_growth(report, *parse_growth(f"{grown}B")).ok
    assert not check_growth(report, *parse_growth(f"{grown - 1}")).ok
    assert not check_growth(report, *parse_growth("5%")).ok
    assert check_growth(compare(NAIVE, SLIM), *parse_growth("0")).ok
    with pytest.raises(ConfigError, match="--fail-if-grown"):
        parse_growth("lots")
