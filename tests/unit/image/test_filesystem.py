"""MergedFilesystem: layers applied as a container runtime applies them."""

from __future__ import annotations

import posixpath
import random
from collections import Counter
from collections.abc import Sequence

import pytest

from jettison.image.filesystem import MAX_SYMLINK_HOPS, MergedFilesystem
from jettison.image.model import EntryKind, FileEntry
from jettison.image.skipped import skipped_item
from support.memimage import Dir, File, Hardlink, Opaque, Symlink, Whiteout, scan

# Layers are lists of entries; a helper fills in the layer index when the stack is built.


def F(path: str, size: int = 1) -> FileEntry:
    return FileEntry(path, EntryKind.FILE, size, -1)


def D(path: str) -> FileEntry:
    return FileEntry(path, EntryKind.DIR, 0, -1)


def S(path: str, target: str) -> FileEntry:
    return FileEntry(path, EntryKind.SYMLINK, 0, -1, link_target=target)


def H(path: str, target: str) -> FileEntry:
    return FileEntry(path, EntryKind.HARDLINK, 0, -1, link_target=target)


def W(path: str) -> FileEntry:
    return FileEntry(path, EntryKind.WHITEOUT, 0, -1)


def O(path: str) -> FileEntry:  # noqa: E743 - O for opaque, next to F, D, S, H, W
    return FileEntry(path, EntryKind.OPAQUE, 0, -1)


def stack(*layers: Sequence[FileEntry]) -> list[list[FileEntry]]:
    return [
        [FileEntry(**{**_fields(e), "layer_index": i}) for e in layer]
        for i, layer in enumerate(layers)
    ]


def _fields(e: FileEntry) -> dict[str, object]:
    return {name: getattr(e, name) for name in FileEntry.__slots__}  # type: ignore[attr-defined]


def merged(*layers: Sequence[FileEntry]) -> MergedFilesystem:
    return MergedFilesystem(stack(*layers))


def visible(fs: MergedFilesystem) -> dict[str, tuple[str, int]]:
    """path -> (kind, layer index) of every entry of the final tree."""
    return {e.path: (e.kind.value, e.layer_index) for e in fs.entries()}


def hidden(fs: MergedFilesystem) -> list[tuple[str, int, int, str]]:
    """(path, layer that shipped it, layer that hid it, cause), sorted."""
    return sorted((h.entry.path, h.entry.layer_index, h.by_layer, h.cause) for h in fs.hidden)


# -- whiteouts and opaque directories --------------------------------------------------------


def test_whiteout_of_a_file() -> None:
    fs = merged([D("etc"), F("etc/a", 10), F("etc/b", 20)], [W("etc/a")])
    assert visible(fs) == {"etc": ("dir", 0), "etc/b": ("file", 0)}
    assert hidden(fs) == [("etc/a", 0, 1, "deleted")]
    assert (fs.total_bytes(), fs.hidden_bytes()) == (20, 10)
    assert sorted(fs.children("etc")) == ["etc/b"]


def test_whiteout_of_a_directory_deletes_its_subtree() -> None:
    fs = merged(
        [D("opt"), D("opt/app"), F("opt/app/x", 5), D("opt/app/sub"), F("opt/app/sub/y", 7)],
        [F("opt/app/sub/z", 11)],
        [W("opt/app"), F("opt/keep", 1)],
    )
    assert visible(fs) == {"opt": ("dir", 0), "opt/keep": ("file", 2)}
    assert hidden(fs) == [
        ("opt/app", 0, 2, "deleted"),
        ("opt/app/sub", 0, 2, "deleted"),
        ("opt/app/sub/y", 0, 2, "deleted"),
        ("opt/app/sub/z", 1, 2, "deleted"),
        ("opt/app/x", 0, 2, "deleted"),
    ]
    assert fs.hidden_bytes() == 23
    assert not fs.is_dir("opt/app")
    assert fs.resolve("opt/app/x") is None


def test_whiteout_of_an_implicit_directory() -> None:
    # Layers need not list parent directories: "a/b/c" alone implies "a" and "a/b".
    fs = merged([F("a/b/c", 3)], [W("a")])
    assert visible(fs) == {}
    assert hidden(fs) == [("a/b/c", 0, 1, "deleted")]


def test_whiteout_of_something_absent_is_harmless() -> None:
    fs = merged([F("a", 1)], [W("nothing"), W("a/b")])
    assert visible(fs) == {"a": ("file", 0)}
    assert fs.hidden == []


def test_opaque_directory_hides_only_the_lower_layers_children() -> None:
    fs = merged(
        [
            D("var"),
            D("var/cache"),
            F("var/cache/old", 100),
            D("var/cache/d"),
            F("var/cache/d/x", 9),
        ],
        [O("var/cache"), D("var/cache"), F("var/cache/new", 4)],
        [F("var/cache/later", 2)],
    )
    assert visible(fs) == {
        "var": ("dir", 0),
        "var/cache": ("dir", 1),
        "var/cache/new": ("file", 1),
        "var/cache/later": ("file", 2),
    }
    assert hidden(fs) == [
        ("var/cache/d", 0, 1, "opaque"),
        ("var/cache/d/x", 0, 1, "opaque"),
        ("var/cache/old", 0, 1, "opaque"),
    ]
    assert fs.hidden_bytes() == 109


def test_opaque_marker_comes_before_same_layer_children_in_any_order() -> None:
    # The marker may follow the layer's own entries in the tar; it still acts only below.
    fs = merged([F("d/old", 1)], [F("d/new", 2), O("d")])
    assert visible(fs) == {"d/new": ("file", 1)}
    assert hidden(fs) == [("d/old", 0, 1, "opaque")]


def test_same_layer_whiteout_and_re_add() -> None:
    fs = merged([D("app"), F("app/f", 50), F("app/g", 1)], [W("app"), D("app"), F("app/f", 5)])
    assert visible(fs) == {"app": ("dir", 1), "app/f": ("file", 1)}
    assert hidden(fs) == [
        ("app", 0, 1, "deleted"),
        ("app/f", 0, 1, "deleted"),
        ("app/g", 0, 1, "deleted"),
    ]
    assert (fs.total_bytes(), fs.hidden_bytes()) == (5, 51)


def test_duplicate_path_in_one_layer_keeps_the_last() -> None:
    fs = merged([F("x", 10), F("x", 3)])
    assert visible(fs) == {"x": ("file", 0)}
    assert fs.get("x") == FileEntry("x", EntryKind.FILE, 3, 0)
    assert hidden(fs) == [("x", 0, 0, "overwritten")]


# -- replacing entries -----------------------------------------------------------------------


def test_file_over_file() -> None:
    fs = merged([F("bin/tool", 1000)], [F("bin/tool", 10)])
    assert fs.get("bin/tool") == FileEntry("bin/tool", EntryKind.FILE, 10, 1)
    assert hidden(fs) == [("bin/tool", 0, 1, "overwritten")]
    assert (fs.total_bytes(), fs.hidden_bytes()) == (10, 1000)


def test_an_overwritten_file_stays_listed_in_its_directory() -> None:
    fs = merged([D("d"), F("d/f", 5)], [F("d/f", 6)], [W("d")])
    assert visible(fs) == {}
    assert hidden(fs) == [
        ("d", 0, 2, "deleted"),
        ("d/f", 0, 1, "overwritten"),
        ("d/f", 1, 2, "deleted"),
    ]
    assert (fs.total_bytes(), fs.hidden_bytes()) == (0, 11)


def test_file_over_a_symlink_with_entries_below_it_replaces_them_too() -> None:
    fs = merged([S("s", "elsewhere"), F("s/x", 3)], [F("s", 1)])
    assert visible(fs) == {"s": ("file", 1)}
    assert hidden(fs) == [("s", 0, 1, "overwritten"), ("s/x", 0, 1, "overwritten")]


def test_dir_over_dir_merges() -> None:
    fs = merged([D("d"), F("d/a", 1)], [D("d"), F("d/b", 2)])
    assert visible(fs) == {"d": ("dir", 1), "d/a": ("file", 0), "d/b": ("file", 1)}
    assert fs.hidden == []


def test_dir_over_file() -> None:
    fs = merged([F("x", 40)], [D("x"), F("x/inner", 2)])
    assert visible(fs) == {"x": ("dir", 1), "x/inner": ("file", 1)}
    assert hidden(fs) == [("x", 0, 1, "overwritten")]


def test_file_needing_a_directory_where_a_file_is() -> None:
    fs = merged([F("x", 40)], [F("x/inner", 2)])  # no entry for the directory itself
    assert visible(fs) == {"x/inner": ("file", 1)}
    assert fs.is_dir("x")
    assert hidden(fs) == [("x", 0, 1, "overwritten")]


def test_file_over_dir_replaces_the_subtree() -> None:
    fs = merged([D("x"), F("x/a", 3), D("x/s"), F("x/s/b", 4)], [F("x", 1)])
    assert visible(fs) == {"x": ("file", 1)}
    assert hidden(fs) == [
        ("x", 0, 1, "overwritten"),
        ("x/a", 0, 1, "overwritten"),
        ("x/s", 0, 1, "overwritten"),
        ("x/s/b", 0, 1, "overwritten"),
    ]
    assert (fs.total_bytes(), fs.hidden_bytes()) == (1, 7)


def test_file_over_implicit_dir_replaces_the_subtree() -> None:
    fs = merged([F("x/a", 3), F("x/s/b", 4)], [F("x", 1)])
    assert visible(fs) == {"x": ("file", 1)}
    assert hidden(fs) == [("x/a", 0, 1, "overwritten"), ("x/s/b", 0, 1, "overwritten")]
    assert fs.get("x/a") is None
    assert (fs.total_bytes(), fs.hidden_bytes()) == (1, 7)


def test_symlink_over_dir() -> None:
    fs = merged([D("lib"), F("lib/libc.so", 9)], [S("lib", "usr/lib")])
    assert visible(fs) == {"lib": ("symlink", 1)}
    assert hidden(fs) == [("lib", 0, 1, "overwritten"), ("lib/libc.so", 0, 1, "overwritten")]


def test_directory_queries() -> None:
    fs = merged([D("a"), F("a/f"), F("b/c/d")])
    assert fs.is_dir("a") and fs.is_dir("b") and fs.is_dir("b/c") and fs.is_dir("")
    assert not fs.is_dir("a/f") and not fs.is_dir("zzz")
    assert sorted(fs.children("")) == ["a", "b"]
    assert list(fs.children("a/f")) == []


# -- hard links ------------------------------------------------------------------------------


def test_hard_link_is_counted_once() -> None:
    fs = merged([F("bin/python3.11", 6000), H("bin/python3", "bin/python3.11")])
    owned = {e.path: fs.owned_bytes(e) for e in fs.entries()}
    assert owned == {"bin/python3.11": 6000, "bin/python3": 0}
    assert fs.total_bytes() == 6000
    assert fs.skipped == []


def test_hard_link_whose_target_was_deleted_later_carries_the_bytes() -> None:
    fs = merged([F("a", 100), H("b", "a")], [W("a")])
    assert {e.path: fs.owned_bytes(e) for e in fs.entries()} == {"b": 100}
    assert fs.total_bytes() == 100


def test_hard_link_whose_target_was_replaced_later_keeps_the_old_bytes() -> None:
    # The link still names the old data; the new file at the target path is another file.
    fs = merged([F("a", 100), H("b", "a")], [F("a", 30)])
    assert {e.path: fs.owned_bytes(e) for e in fs.entries()} == {"a": 30, "b": 100}
    assert fs.total_bytes() == 130


def test_hard_link_across_layers_counts_zero_while_the_target_stands() -> None:
    fs = merged([F("a", 100)], [H("b", "a")])
    assert {e.path: fs.owned_bytes(e) for e in fs.entries()} == {"a": 100, "b": 0}


def test_hard_link_deleted_with_its_target() -> None:
    fs = merged([F("a", 100), H("b", "a")], [W("a"), W("b")])
    assert visible(fs) == {}
    assert fs.total_bytes() == 0


def test_re_added_hard_link_to_a_missing_target_carries_nothing() -> None:
    fs = merged([F("a", 100), H("b", "a")], [W("a")], [H("b", "gone")])
    assert {e.path: fs.owned_bytes(e) for e in fs.entries()} == {"b": 0}
    assert fs.skipped == [skipped_item("b", "hard link to missing target 'gone'", 2)]


def test_hard_link_to_a_missing_target_is_skipped() -> None:
    fs = merged([H("usr/bin/x", "usr/bin/nowhere"), D("d"), H("to-dir", "d")])
    assert fs.skipped == [
        skipped_item("usr/bin/x", "hard link to missing target 'usr/bin/nowhere'", 0),
        skipped_item("to-dir", "hard link to missing target 'd'", 0),
    ]
    assert fs.total_bytes() == 0
    assert fs.get("usr/bin/x") is not None  # the name exists, it just owns nothing


def test_hard_links_through_the_real_reader() -> None:
    scanned = scan([[File("a", b"x" * 64), Hardlink("b", "a"), Hardlink("c", "missing")]])
    fs = scanned.fs
    assert {e.path: fs.owned_bytes(e) for e in fs.entries()} == {"a": 64, "b": 0, "c": 0}
    assert scanned.skipped == (skipped_item("c", "hard link to missing target 'missing'", 0),)


# -- symlinks --------------------------------------------------------------------------------

MERGED_USR = [
    D("usr"),
    D("usr/lib"),
    D("usr/lib/x86_64-linux-gnu"),
    F("usr/lib/x86_64-linux-gnu/libc.so.6", 2000),
    S("usr/lib/x86_64-linux-gnu/libc.so", "libc.so.6"),
    S("lib", "usr/lib"),
    S("lib64", "/usr/lib/x86_64-linux-gnu"),
    D("usr/bin"),
    F("usr/bin/python3.11", 10),
    S("usr/bin/python3", "python3.11"),
    S("usr/bin/python", "/usr/bin/python3"),
    D("etc"),
    D("etc/alternatives"),
    S("etc/alternatives/py", "../../usr/bin/python"),
    S("usr/lib/up", ".."),
    S("usr/lib/dangling", "nothing-here"),
]


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("usr/bin/python3", "usr/bin/python3.11"),  # relative
        ("/usr/bin/python", "usr/bin/python3.11"),  # absolute, then relative
        ("lib/x86_64-linux-gnu/libc.so.6", "usr/lib/x86_64-linux-gnu/libc.so.6"),  # merged /usr
        ("/lib/x86_64-linux-gnu/libc.so", "usr/lib/x86_64-linux-gnu/libc.so.6"),
        ("lib64/libc.so", "usr/lib/x86_64-linux-gnu/libc.so.6"),
        ("etc/alternatives/py", "usr/bin/python3.11"),  # ".." in the target
        ("usr/lib/up/bin/python3", "usr/bin/python3.11"),  # a symlink to ".."
        ("lib/../bin/python3", "usr/bin/python3.11"),  # ".." after a symlink: its target's parent
        ("../../usr/bin", "usr/bin"),  # ".." stops at the root
        ("./usr//bin/", "usr/bin"),
        ("", ""),
        ("usr/lib", "usr/lib"),
        ("usr/bin/nope", None),
        ("usr/lib/dangling", None),
        ("usr/bin/python3.11/x", None),  # through a file
    ],
)
def test_symlink_resolution(path: str, expected: str | None) -> None:
    assert merged(MERGED_USR).resolve(path) == expected


def test_symlink_loop_resolves_to_none() -> None:
    fs = merged([S("a", "b"), S("b", "a"), S("self", "self"), S("d/x", "../d/x/y")])
    assert fs.resolve("a") is None
    assert fs.resolve("a/below") is None
    assert fs.resolve("self") is None
    assert fs.resolve("d/x") is None


def test_symlink_hop_limit_is_linux_s() -> None:
    def chain(n: int) -> list[FileEntry]:
        return [S(f"s{i}", f"s{i + 1}") for i in range(n)] + [F(f"s{n}")]

    assert merged(chain(MAX_SYMLINK_HOPS)).resolve("s0") == f"s{MAX_SYMLINK_HOPS}"
    assert merged(chain(MAX_SYMLINK_HOPS + 1)).resolve("s0") is None


def test_symlink_to_a_growing_path_terminates() -> None:
    fs = merged([S("a", "a/a/a")])
    assert fs.resolve("a") is None


# -- hidden bytes: exactly what is shadowed ---------------------------------------------------

TREE = ("a", "a/b", "a/b/c", "a/d", "e", "e/f", "g")
LEAVES = ("l", "a/l")
"""Symlinks only ever go here, and nothing is put below them."""


def _random_layer(rng: random.Random) -> list[FileEntry]:
    entries = []
    for _ in range(rng.randint(0, 8)):
        if rng.random() < 0.2:
            path = rng.choice(LEAVES)
            kind = rng.choice(["file", "symlink", "whiteout"])
        else:
            path = rng.choice(TREE)
            kind = rng.choices(["file", "dir", "whiteout", "opaque"], [5, 3, 2, 1])[0]
        size = rng.randint(0, 1000)
        if kind == "file":
            entries.append(F(path, size))
        elif kind == "dir":
            entries.append(D(path))
        elif kind == "symlink":
            entries.append(S(path, "e"))
        elif kind == "whiteout":
            entries.append(W(path))
        else:
            entries.append(O(path))
    return entries


def _reference(layers: list[list[FileEntry]]) -> tuple[dict[str, FileEntry], list[FileEntry]]:
    """The same rules, written naively over a flat dict of paths."""
    state: dict[str, FileEntry] = {}
    gone: list[FileEntry] = []

    def drop(path: str, *, itself: bool = True) -> None:
        for p in sorted(state):
            if (itself and p == path) or p.startswith(path + "/"):
                gone.append(state.pop(p))

    for entries in layers:
        for e in entries:
            if e.kind is EntryKind.WHITEOUT:
                drop(e.path)
            elif e.kind is EntryKind.OPAQUE:
                drop(e.path, itself=False)
        for e in entries:
            if e.kind in (EntryKind.WHITEOUT, EntryKind.OPAQUE):
                continue
            old = state.get(e.path)
            if old is not None and old.kind is EntryKind.DIR and e.kind is EntryKind.DIR:
                state[e.path] = e
                continue
            if old is not None or e.kind is not EntryKind.DIR:
                drop(e.path)
            state[e.path] = e
            parent = posixpath.dirname(e.path)
            while parent:
                above = state.get(parent)
                if above is not None and above.kind not in (EntryKind.DIR, EntryKind.SYMLINK):
                    gone.append(state.pop(parent))
                parent = posixpath.dirname(parent)
    return state, gone


@pytest.mark.parametrize("seed", range(8))
def test_hidden_bytes_are_exactly_what_is_shadowed(seed: int) -> None:
    rng = random.Random(20240 + seed)
    for _ in range(150):
        layers = stack(*[_random_layer(rng) for _ in range(rng.randint(1, 6))])
        fs = MergedFilesystem(layers)
        shipped = sum(e.size_bytes for layer in layers for e in layer if e.is_file)
        assert fs.total_bytes() + fs.hidden_bytes() == shipped, layers

        state, gone = _reference(layers)
        assert {e.path: e for e in fs.entries()} == state, layers
        assert Counter(h.entry for h in fs.hidden) == Counter(gone), layers
        for path in state:  # nothing stands below a file
            parent = posixpath.dirname(path)
            while parent:
                above = fs.get(parent)
                assert above is None or above.kind in (EntryKind.DIR, EntryKind.SYMLINK), layers
                parent = posixpath.dirname(parent)


def test_the_memimage_path_gives_the_same_tree() -> None:
    scanned = scan(
        [
            [Dir("app"), File("app/a", b"1" * 10), Symlink("bin", "app")],
            [Whiteout("app/a"), File("app/b", b"2" * 3)],
            [Opaque("app"), File("app/c", b"3")],
        ]
    )
    fs = scanned.fs
    assert visible(fs) == {"app": ("dir", 0), "bin": ("symlink", 0), "app/c": ("file", 2)}
    assert hidden(fs) == [("app/a", 0, 1, "deleted"), ("app/b", 1, 2, "opaque")]
    assert fs.resolve("bin/c") == "app/c"


def test_data_kept_by_two_surviving_links_counts_once_and_is_not_shadowed() -> None:
    from jettison.inspect.shadowed import find_shadowed

    fs = scan(
        [
            [File("data", b"x" * 100), Hardlink("l1", "data"), Hardlink("l2", "data")],
            [Whiteout("data")],
        ]
    ).fs
    assert fs.total_bytes() == 100
    assert fs.hidden_bytes() == 0
    assert find_shadowed(fs).size_bytes == 0
    assert sorted(fs.owned_bytes(e) for e in fs.entries() if e.kind is EntryKind.HARDLINK) == [
        0,
        100,
    ]
