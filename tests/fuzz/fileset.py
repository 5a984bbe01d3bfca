"""A set of named files as one byte string, so that a fuzzer mutates an image's documents
and blobs while the harness keeps what a mutation would only break by accident valid: tar
checksums of the outer archive, and the digests and sizes that documents name.

Format: each file is ``=== NAME\\n`` + content, files separated by ``\\n``. In names and
contents, ``@@D<n>@@`` is replaced by the sha256 hex of file ``n``'s final content,
``@@U<n>@@`` by that of its decompressed content (a layer's diff_id; the raw content when
it is not compressed or does not decompress within a bound) and ``@@S<n>@@`` by its size.
A file may name only files after it (so the substitution has an order): the manifest
before the config, the config before the layers; a name may also name its own file.
"""

from __future__ import annotations

import gzip
import hashlib
import re
import zlib
from collections.abc import Mapping
from functools import partial

import zstandard

SEPARATOR = b"\n=== "
_PLACEHOLDER = re.compile(rb"@@([DUS])(\d{1,3})@@")
MAX_INFLATE_BYTES = 8 << 20
"""A placeholder's diff_id is taken of at most this much inflated content."""


def encode(files: Mapping[str, bytes]) -> bytes:
    return b"".join(SEPARATOR + name.encode() + b"\n" + data for name, data in files.items())


def _parts(data: bytes) -> list[tuple[bytes, bytes]]:
    out = []
    for chunk in (b"\n" + data).split(SEPARATOR)[1:]:
        name, _, content = chunk.partition(b"\n")
        out.append((name, content))
    return out


def _inflated(data: bytes) -> bytes:
    try:
        if data.startswith(b"\x1f\x8b"):
            inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
            return inflater.decompress(data, MAX_INFLATE_BYTES)
        if data.startswith(b"\x28\xb5\x2f\xfd"):
            reader = zstandard.ZstdDecompressor().stream_reader(data)
            return reader.read(MAX_INFLATE_BYTES)
    except (zlib.error, zstandard.ZstdError, gzip.BadGzipFile, EOFError):
        pass
    return data


def decode(data: bytes) -> dict[str, bytes]:
    """Name -> content, placeholders replaced; names decoded leniently, later duplicates win."""
    parts = _parts(data)
    final: list[tuple[bytes, bytes] | None] = [None] * len(parts)
    for index in range(len(parts) - 1, -1, -1):

        def value(match: re.Match[bytes], first: int = index + 1) -> bytes:
            target = int(match.group(2))
            done = final[target] if first <= target < len(final) else None
            if done is None:
                return match.group(0)
            content = done[1]
            kind = match.group(1)
            if kind == b"S":
                return str(len(content)).encode()
            if kind == b"U":
                content = _inflated(content)
            return hashlib.sha256(content).hexdigest().encode()

        name, content = parts[index]
        final[index] = (name, _PLACEHOLDER.sub(value, content))
        # A blob's name may name its own digest (``blobs/sha256/@@D<n>@@``).
        final[index] = (_PLACEHOLDER.sub(partial(value, first=index), name), final[index][1])
    return {
        name.decode("utf-8", "replace"): content
        for name, content in (f for f in final if f is not None)
    }


def with_placeholders(files: Mapping[str, bytes]) -> bytes:
    """:func:`encode` of ``files`` with every digest and diff_id of another file named by
    placeholder: mutations of a blob then keep the documents naming it consistent."""
    names = list(files)
    order = _documents_first(files)
    ordered = [names[i] for i in order]
    replacements: list[tuple[bytes, bytes]] = []
    for position, name in enumerate(ordered):
        content = files[name]
        replacements.append((hashlib.sha256(content).hexdigest().encode(), b"@@D%d@@" % position))
        unpacked = _inflated(content)
        if unpacked is not content:
            replacements.append(
                (hashlib.sha256(unpacked).hexdigest().encode(), b"@@U%d@@" % position)
            )
    out = {}
    for position, name in enumerate(ordered):
        content, encoded_name = files[name], name.encode()
        for digest, placeholder in replacements:
            target = int(placeholder[3:-2])
            if target > position:
                content = content.replace(digest, placeholder)
            if target >= position:
                encoded_name = encoded_name.replace(digest, placeholder)
        out[encoded_name.decode()] = content
    return encode(out)


def _documents_first(files: Mapping[str, bytes]) -> list[int]:
    """Order: index.json, manifests/indexes, then configs, then everything else (blobs)."""

    def rank(item: tuple[int, str]) -> tuple[int, int]:
        position, name = item
        data = files[name]
        if name in ("index.json", "manifest.json", "oci-layout", "repositories"):
            return (0, position)
        if (data.startswith(b"{") and b'"layers"' in data) or b'"manifests"' in data[:2000]:
            return (1, position)
        if data.startswith(b"{") and b'"rootfs"' in data:
            return (2, position)
        return (3, position)

    return [position for position, _ in sorted(enumerate(files), key=rank)]
