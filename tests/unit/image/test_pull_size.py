"""Pull-size estimates: uncompressed layers gzipped as a push would."""

from __future__ import annotations

import gzip
import random

from jettison.image.pull_size import estimate_gzip_sizes, gzip_size
from jettison.inspect.analyze import analyze
from support.memimage import File, image, scan


def _noise(n: int, seed: int) -> bytes:
    return random.Random(seed).randbytes(n)


def test_gzip_size_equals_gzip_at_level_6() -> None:
    img = image([[File("a", b"hello " * 5000), File("b", _noise(70_000, 1))]])
    blob = img.layers[0].open_blob().read()
    assert gzip_size(img.layers[0]) == len(gzip.compress(blob, compresslevel=6, mtime=0))


def test_estimates_every_layer_and_reports_progress() -> None:
    img = image([[File("a", _noise(3000, 2))], [File("b", b"x" * 100_000)]])
    seen: list[int] = []
    sizes = estimate_gzip_sizes(img.layers, seen.append)
    assert set(sizes) == {0, 1}
    assert sizes[1] < sizes[0]  # repetitive content compresses far better
    assert sum(seen) == sum(layer.stored_size_bytes for layer in img.layers)


def test_report_pull_size_uses_estimates_only_when_given() -> None:
    scanned = scan([[File("a", b"y" * 50_000)], [File("b", _noise(4000, 3))]])
    plain = analyze(scanned)
    assert plain.pull_bytes is None
    assert not plain.pull_bytes_estimated
    estimates = estimate_gzip_sizes(scanned.image.layers)
    report = analyze(scanned, gzip_estimates=estimates)
    assert report.pull_bytes == sum(estimates.values())
    assert report.pull_bytes_estimated
    assert [row.estimated_gzip_bytes for row in report.layers] == [estimates[0], estimates[1]]
