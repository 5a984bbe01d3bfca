"""docs: usr/share/{doc,man,info,locale,lintian}, rolled up by directory; licenses kept."""

from __future__ import annotations

from support.memimage import File

from .helpers import removable, rows


def test_docs_roll_up_by_directory_and_keep_licenses() -> None:
    found = removable(
        [
            File("usr/share/doc/curl/changelog.Debian.gz", b"c" * 400),
            File("usr/share/doc/curl/copyright", b"l" * 1000),
            File("usr/share/doc/curl/examples/copyright/x", b"e" * 10),
            File("usr/share/man/man1/curl.1.gz", b"m" * 300),
            File("usr/share/info/gzip.info.gz", b"i" * 200),
            File("usr/share/locale/de/LC_MESSAGES/curl.mo", b"d" * 100),
            File("usr/share/locale/locale.alias", b"a" * 1000),
            File("usr/share/lintian/overrides/curl", b"o" * 5),
            File("usr/local/share/man/man1/jupyter.1", b"j" * 50),
            File("usr/share/zoneinfo/UTC", b"z" * 1000),
        ]
    )["docs"]
    assert rows(found) == [
        ("usr/share/doc", 410, None),
        ("usr/share/man", 300, None),
        ("usr/share/info", 200, None),
        ("usr/share/locale", 100, None),
        ("usr/local/share/man", 50, None),
        ("usr/share/lintian", 5, None),
    ]
    assert (found.size_bytes, found.file_count) == (1065, 7)
