"""Hand-made tar bytes for reader tests: headers with any field, in any format."""

from __future__ import annotations

import io
import tarfile
from collections.abc import Iterable, Iterator, Mapping, Sequence

BLOCK = 512
EOA = bytes(2 * BLOCK)
"""The end-of-archive marker: two zero blocks."""


def header(
    name: bytes | str,
    *,
    size: int = 0,
    typeflag: bytes = b"0",
    linkname: bytes = b"",
    prefix: bytes = b"",
    uid: int = 0,
    gid: int = 0,
    size_field: bytes | None = None,
    magic: bytes = b"ustar\x0000",
) -> bytes:
    """One 512-byte header with a correct checksum; ``size_field`` overrides the octal size."""
    raw_name = name.encode() if isinstance(name, str) else name
    h = bytearray(BLOCK)
    h[0 : len(raw_name)] = raw_name
    h[100:108] = b"0000644\x00"
    h[108:116] = b"%07o\x00" % uid
    h[116:124] = b"%07o\x00" % gid
    h[124:136] = size_field if size_field is not None else b"%011o\x00" % size
    h[136:148] = b"14533472400\x00"
    h[156:157] = typeflag
    h[157 : 157 + len(linkname)] = linkname
    h[257:265] = magic
    h[345 : 345 + len(prefix)] = prefix
    return with_checksum(h)


def with_checksum(h: bytearray | bytes) -> bytes:
    block = bytearray(h)
    block[148:156] = b" " * 8
    block[148:156] = b"%06o\x00 " % sum(block)
    return bytes(block)


def body(data: bytes) -> bytes:
    """``data`` padded to whole blocks."""
    return data + bytes(-len(data) % BLOCK)


def member(name: bytes | str, data: bytes = b"", **kwargs: object) -> bytes:
    return header(name, size=len(data), **kwargs) + body(data)  # type: ignore[arg-type]


def pax_records(records: Mapping[str, bytes | str]) -> bytes:
    out = b""
    for key, value in records.items():
        raw = value.encode() if isinstance(value, str) else value
        text = b" " + key.encode() + b"=" + raw + b"\n"
        length = len(text) + 1
        while len(str(length).encode()) + len(text) != length:
            length = len(str(length).encode()) + len(text)
        out += str(length).encode() + text
    return out


def pax(records: Mapping[str, bytes | str], *, typeflag: bytes = b"x") -> bytes:
    data = pax_records(records)
    return header(b"././@PaxHeader", size=len(data), typeflag=typeflag) + body(data)


def chunked(data: bytes, size: int) -> Iterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


def tarfile_bytes(infos: Iterable[tuple[tarfile.TarInfo, bytes | None]], fmt: int) -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=fmt, encoding="utf-8") as tar:
        for info, data in infos:
            tar.addfile(info, io.BytesIO(data) if data is not None else None)
    return out.getvalue()


def info(
    name: str,
    data: bytes | None = None,
    *,
    type: bytes = tarfile.REGTYPE,
    linkname: str = "",
    uid: int = 0,
    pax_headers: Mapping[str, str] | None = None,
) -> tuple[tarfile.TarInfo, bytes | None]:
    ti = tarfile.TarInfo(name)
    ti.type = type
    ti.linkname = linkname
    ti.uid = uid
    ti.mtime = 1_700_000_000
    ti.size = len(data) if data is not None else 0
    if pax_headers:
        ti.pax_headers = dict(pax_headers)
    return ti, data


def stdlib_listing(data: bytes) -> list[tuple[str, bytes, int, int, int]]:
    """(name, type, size, data offset, uid) of every member, as the standard library reads it."""
    with tarfile.open(
        fileobj=io.BytesIO(data), mode="r:", encoding="utf-8", errors="surrogateescape"
    ) as tar:
        return [(m.name, _type(m.type), m.size, m.offset_data, m.uid) for m in tar.getmembers()]


def _type(typeflag: bytes) -> bytes:
    return tarfile.REGTYPE if typeflag == tarfile.AREGTYPE else typeflag


def concat(parts: Sequence[bytes]) -> bytes:
    return b"".join(parts)
