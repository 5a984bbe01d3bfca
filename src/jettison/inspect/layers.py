"""Per-layer summary: the instruction that made each layer and what it weighs."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from jettison.image import table
from jettison.image.layer_reader import LayerListing
from jettison.image.model import Image
from jettison.inspect.report import LayerSummary

_COUNTED = (table.FILE, table.HARDLINK)


def summarize_layers(
    image: Image,
    listings: Sequence[LayerListing],
    gzip_estimates: Mapping[int, int] | None = None,
) -> tuple[LayerSummary, ...]:
    """One row per history step, empty steps included, in build order.

    Layers the history does not describe (squashed images, a config without history) get
    a row of their own with an empty instruction, so every byte shows up.
    """
    described = {step.layer_index for step in image.history if step.layer_index is not None}
    # History is paired from the top (see sources._common.map_history), so layers it does not
    # describe are the bottom ones: list them first.
    estimates = gzip_estimates or {}
    rows = [
        _row(listing, "", estimates) for listing in listings if listing.layer.index not in described
    ]
    for step in image.history:
        if step.layer_index is None:
            rows.append(LayerSummary(None, step.created_by, 0, 0, None, 0))
        else:
            rows.append(_row(listings[step.layer_index], step.created_by, estimates))
    return tuple(rows)


def _row(listing: LayerListing, created_by: str, estimates: Mapping[int, int]) -> LayerSummary:
    layer = listing.layer
    return LayerSummary(
        index=layer.index,
        created_by=created_by,
        size_bytes=listing.content_bytes,
        tar_bytes=listing.tar_size_bytes,
        compressed_bytes=listing.compressed_bytes,
        file_count=listing.table.count(*_COUNTED),
        digest=layer.digest,
        diff_id=layer.diff_id,
        compression=listing.compression.value,
        media_type=layer.media_type,
        estimated_gzip_bytes=estimates.get(layer.index),
    )
