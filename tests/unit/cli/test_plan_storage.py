"""The closing line of a measured ``jettison plan``: sizes and ratio from the same figures."""

from __future__ import annotations

from dataclasses import replace

from jettison.cli.plan_cmd import storage_line
from jettison.plan.measure import totals
from jettison.plan.model import ImageMeasure, LayerRef, Measurement, Totals


def _totals(tar_bytes: int, registry_bytes: int | None = None) -> Totals:
    layer = LayerRef(f"sha256:{tar_bytes}", tar_bytes)
    found = totals([ImageMeasure("t", "id", (layer,), 0.0)])
    if registry_bytes is None:
        return found
    return replace(found, registry_layers=1, registry_bytes=registry_bytes)


def test_without_push_the_layer_tars() -> None:
    line = storage_line(Measurement((), (), _totals(300_000_000), _totals(150_000_000)))
    assert line == "registry storage 300 MB -> 150 MB (50.0% of before)"


def test_after_push_what_the_registry_holds_not_the_tars() -> None:
    """The ratio after --push is the registry's (compressed blobs), so are the sizes beside
    it (a run on the reduced fleet printed the tars' 307 MB -> 178 MB beside the
    registry's 60.6%)."""
    before = _totals(307_000_000, registry_bytes=107_000_000)
    after = _totals(178_000_000, registry_bytes=64_200_000)
    line = storage_line(Measurement((), (), before, after))
    assert line == (
        "registry storage (what the registry holds, compressed) 107 MB -> 64.2 MB (60.0% of before)"
    )


def test_nothing_measured_no_line() -> None:
    assert storage_line(Measurement((), (), totals([]), totals([]))) is None
