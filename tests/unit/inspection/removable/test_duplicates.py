"""duplicates: identical contents at several paths; only same-size candidates are hashed."""

from __future__ import annotations

from collections.abc import Iterable

import pytest

from jettison.image.scan import FileResolver
from jettison.inspect.removable import CAUSES, claim_files, find_removable
from jettison.inspect.report import RemovableCause
from support.memimage import File, Hardlink

from .helpers import ownership, resolver, rows


def run(
    res: FileResolver, monkeypatch: pytest.MonkeyPatch
) -> tuple[dict[str, RemovableCause], list[set[str]]]:
    """The causes by code, and the path sets ``hash_files`` was called with."""
    calls: list[set[str]] = []
    real = res.hash_files

    def spy(paths: Iterable[str]) -> dict[str, bytes]:
        paths = list(paths)
        calls.append(set(paths))
        return real(paths)

    monkeypatch.setattr(res, "hash_files", spy)
    return {c.cause: c for c in find_removable(res, ownership())}, calls


def test_counts_copies_beyond_the_first(monkeypatch: pytest.MonkeyPatch) -> None:
    res = resolver(
        [File("opt/a/libx.so", b"x" * 100), File("opt/b/libx.so", b"x" * 100)],
        [File("opt/c/libx.so", b"x" * 100), File("srv/y.bin", b"y" * 100)],
    )
    causes, calls = run(res, monkeypatch)
    found = causes["duplicates"]
    assert rows(found) == [("opt/a/libx.so", 200, "copies:3")]
    assert found.file_count == 2
    assert calls == [{"opt/a/libx.so", "opt/b/libx.so", "opt/c/libx.so", "srv/y.bin"}]


def test_hashes_only_same_size_candidates(monkeypatch: pytest.MonkeyPatch) -> None:
    res = resolver(
        [
            File("a/one", b"1" * 10),
            File("a/two", b"2" * 10),
            File("a/three", b"3" * 30),
            File("a/empty1"),
            File("a/empty2"),
            File("a/four", b"4" * 40),
            Hardlink("a/four-link", "a/four"),
        ]
    )
    causes, calls = run(res, monkeypatch)
    assert causes["duplicates"].size_bytes == 0
    assert calls == [{"a/one", "a/two"}]


def test_no_hashing_without_candidates(monkeypatch: pytest.MonkeyPatch) -> None:
    causes, calls = run(resolver([File("a", b"1"), File("b", b"22")]), monkeypatch)
    assert (causes["duplicates"].size_bytes, calls) == (0, [])


def test_files_claimed_by_other_causes_are_not_candidates(monkeypatch: pytest.MonkeyPatch) -> None:
    res = resolver(
        [
            File("usr/share/doc/a/README", b"r" * 50),
            File("usr/share/doc/b/README", b"r" * 50),
            File("app/README", b"r" * 50),
            File("srv/README", b"r" * 50),
        ]
    )
    causes, calls = run(res, monkeypatch)
    assert (causes["docs"].size_bytes, causes["duplicates"].size_bytes) == (100, 50)
    assert calls == [{"app/README", "srv/README"}]


def test_representative_is_the_hard_linked_copy_else_the_lowest_layer() -> None:
    res = resolver(
        [File("z/first", b"d" * 10)],
        [File("a/second", b"d" * 10), File("m/linked", b"d" * 10), Hardlink("m/alias", "m/linked")],
    )
    found = {c.cause: c for c in find_removable(res, ownership())}["duplicates"]
    assert found.file_count == 2
    # m/linked is kept (its other name would keep the data anyway); z/first and a/second go.
    assert rows(found) == [("m/linked", 20, "copies:3")]


def test_each_group_comes_with_the_lowest_layers_copy_first_and_it_is_kept() -> None:
    res = resolver(
        [File("z/first", b"d" * 10), File("y/first", b"d" * 10)],
        [File("b/second", b"d" * 10), File("a/second", b"d" * 10)],
    )
    [group] = res.identical_files()
    assert group[0] == "y/first"
    assert sorted(group[1:]) == ["a/second", "b/second", "z/first"]
    assert res.lowest_first(["b/second", "z/first", "a/second", "y/first"]) == [
        "y/first",
        "b/second",
        "z/first",
        "a/second",
    ]
    found = {c.cause: c for c in find_removable(res, ownership())}["duplicates"]
    assert rows(found) == [("y/first", 30, "copies:4")]


def test_when_an_earlier_cause_took_the_lowest_copy_the_next_lowest_is_kept() -> None:
    res = resolver(
        [File("usr/share/doc/a/README", b"r" * 50)],  # docs claims it
        [File("srv/README", b"r" * 50), File("app/README", b"r" * 50)],
        [File("a/README", b"r" * 50)],
    )
    # The first copy as identical_files gives it, the others in an order of its choosing.
    given = [["usr/share/doc/a/README", "a/README", "srv/README", "app/README"]]
    claimed = dict(claim_files(res, ownership(), identical=lambda: given))
    assert sorted(claimed[CAUSES[-1]]) == ["a/README", "srv/README"]
    assert {claim.group for claim in claimed[CAUSES[-1]].values()} == {"app/README"}


def test_groups_of_the_whole_image_kept_to_the_unclaimed_give_the_same_claims() -> None:
    """What analyze does on large images: a forked child groups every file by content (the
    docs' copies too) and duplicates keeps, of each group, what no earlier cause claimed."""
    res = resolver(
        [
            File("usr/share/doc/a/README", b"r" * 50),  # claimed by docs, same bytes as app's
            File("usr/share/doc/b/README", b"r" * 50),
            File("app/README", b"r" * 50),
            File("srv/README", b"r" * 50),
            File("opt/one.so", b"s" * 50),  # the same size, other bytes: a group of its own
            File("opt/two.so", b"s" * 50),
            File("usr/share/doc/c/NOTES", b"n" * 70),  # a group all claimed by docs
            File("usr/share/doc/d/NOTES", b"n" * 70),
            File("lone", b"l" * 90),
        ],
        [File("opt/three.so", b"s" * 50), Hardlink("opt/alias", "opt/two.so")],
    )
    whole = res.identical_files()
    assert sorted(group[0] for group in whole) == [
        "app/README",
        "opt/one.so",
        "usr/share/doc/c/NOTES",
    ]
    assert sorted(map(sorted, whole)) == [
        ["app/README", "srv/README", "usr/share/doc/a/README", "usr/share/doc/b/README"],
        ["opt/one.so", "opt/three.so", "opt/two.so"],
        ["usr/share/doc/c/NOTES", "usr/share/doc/d/NOTES"],
    ]
    here = claim_files(res, ownership())
    given = claim_files(res, ownership(), identical=lambda: whole)
    assert [(cause.code, dict(claims)) for cause, claims in given] == [
        (cause.code, dict(claims)) for cause, claims in here
    ]
    duplicates = dict(here)[CAUSES[-1]]
    assert sorted(duplicates) == ["opt/one.so", "opt/three.so", "srv/README"]
