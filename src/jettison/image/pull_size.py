"""Estimate the pull size of layers stored uncompressed, as a registry push would gzip them.

docker-archives and the buildah store keep layers uncompressed, so their pull size is not
written anywhere. ``docker push``/``buildah push`` gzip each layer at the default level (6);
doing the same here gives the bytes a node would pull. It costs a full compression of every
uncompressed layer (about 17 MB/s per core on our machines), so it is opt-in; layers run in
parallel threads because zlib releases the GIL.
"""

from __future__ import annotations

import os
import zlib
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor

from jettison.image.blobs import CHUNK_BYTES
from jettison.image.model import Layer

GZIP_LEVEL = 6


def gzip_size(layer: Layer, on_bytes: Callable[[int], None] | None = None) -> int:
    """Bytes of ``layer``'s blob once gzipped at the default level."""
    compressor = zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    total = 0
    with layer.open_blob() as raw:
        while chunk := raw.read(CHUNK_BYTES):
            total += len(compressor.compress(chunk))
            if on_bytes is not None:
                on_bytes(len(chunk))
    return total + len(compressor.flush())


def estimate_gzip_sizes(
    layers: Sequence[Layer], on_bytes: Callable[[int], None] | None = None
) -> dict[int, int]:
    """Layer index -> estimated gzip bytes, computed on all cores."""
    workers = max(1, min(len(layers), os.cpu_count() or 1))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        sizes = pool.map(lambda layer: gzip_size(layer, on_bytes), layers)
        return {layer.index: size for layer, size in zip(layers, sizes, strict=True)}
