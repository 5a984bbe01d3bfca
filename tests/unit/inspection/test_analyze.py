"""analyze runs its analyzers with the cyclic collector paused, and leaves it as it was."""

from __future__ import annotations

import gc

import pytest

from jettison.image.scan import FileResolver, glob_filter, scan_image
from jettison.inspect import attribution
from jettison.inspect.analyze import CAPTURE_GLOBS, analyze
from jettison.inspect.attribution.model import Ownership
from support.diffimages import memory_image, naive_layers


def test_the_collector_is_off_during_the_analysis_and_back_after(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    scanned = scan_image(memory_image(naive_layers()), glob_filter(CAPTURE_GLOBS))
    seen: list[bool] = []
    attribute = attribution.attribute

    def recording(resolver: FileResolver) -> tuple[object, Ownership]:
        seen.append(gc.isenabled())
        return attribute(resolver)

    monkeypatch.setattr(attribution, "attribute", recording)
    assert gc.isenabled()
    report = analyze(scanned)
    assert seen == [False] and gc.isenabled() and report.final_bytes > 0

    def fails(resolver: FileResolver) -> tuple[object, Ownership]:
        raise ValueError("broken analyzer")

    monkeypatch.setattr(attribution, "attribute", fails)
    with pytest.raises(ValueError, match="broken analyzer"):
        analyze(scanned)
    assert gc.isenabled()
    gc.disable()
    try:  # a caller that had it off keeps it off
        with pytest.raises(ValueError):
            analyze(scanned)
        assert not gc.isenabled()
    finally:
        gc.enable()
