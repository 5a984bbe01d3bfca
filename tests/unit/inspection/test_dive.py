"""dive_metrics on hand-made listings; every expected number was produced by dive 0.13.1.

Each scenario was written as a docker-archive (tests/support/imagewriter.py) and run through
``dive --ci --json``; the same shapes are re-checked against the real binary in
tests/integration/test_dive_parity.py when dive is installed.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass

import pytest

from jettison.image.model import EntryKind, FileEntry
from jettison.inspect.dive import DiveMetrics, InefficientPath, dive_metrics


def f(path: str, size: int) -> FileEntry:
    return FileEntry(path, EntryKind.FILE, size, 0)


def d(path: str) -> FileEntry:
    return FileEntry(path, EntryKind.DIR, 0, 0)


def wh(path: str) -> FileEntry:
    return FileEntry(path, EntryKind.WHITEOUT, 0, 0)


def opq(path: str) -> FileEntry:
    return FileEntry(path, EntryKind.OPAQUE, 0, 0)


def ln(path: str, target: str) -> FileEntry:
    return FileEntry(path, EntryKind.HARDLINK, 0, 0, link_target=target)


def sym(path: str, target: str) -> FileEntry:
    return FileEntry(path, EntryKind.SYMLINK, 0, 0, link_target=target)


@dataclass(frozen=True)
class Case:
    layers: list[list[FileEntry]]
    score: float
    wasted: int
    layer_sizes: tuple[int, ...]
    inefficient: tuple[tuple[str, int, int], ...] = ()


CASES: dict[str, Case] = {
    # A file replaced in later layers: every copy counts; the smallest one is "needed".
    "overwrite_in_later_layers": Case(
        [[f("f", 10)], [f("f", 30)], [f("f", 20)]],
        10 / 60,
        60,
        (10, 30, 20),
        (("f", 3, 60),),
    ),
    # Deleting a file adds a reference of size 0: wasted = the deleted copy, score 0.
    "whiteout_of_file": Case(
        [[f("a", 100)], [wh("a")]],
        0.0,
        100,
        (100, 0),
        (("a", 2, 100),),
    ),
    # Deleting a directory sums its subtree once, but it is one reference: no waste.
    "whiteout_of_directory": Case(
        [[d("d"), f("d/x", 10), f("d/y", 20)], [wh("d")]],
        1.0,
        0,
        (30, 0),
    ),
    # ... unless the directory was a leaf (empty) in an earlier layer.
    "whiteout_of_dir_that_was_empty_before": Case(
        [[d("d")], [d("d"), f("d/x", 10)], [wh("d")]],
        0.5,
        10,
        (0, 10, 0),
        (("d", 2, 10),),
    ),
    # A later layer that has d/y without a header for d turns d into "not a directory"
    # in dive's stacked tree, so deleting d then costs 0.
    "whiteout_of_dir_last_mentioned_implicitly": Case(
        [[d("d")], [d("d"), f("d/x", 10)], [f("d/y", 5)], [wh("d")]],
        1.0,
        0,
        (0, 10, 5, 0),
        (("d", 2, 0),),
    ),
    "whiteout_of_dir_sums_nested_tree": Case(
        [[d("d"), d("d/e"), f("d/e/f", 10), f("d/g", 1)], [f("d/g", 2)], [d("d")], [wh("d")]],
        0.44,
        15,
        (11, 2, 0, 0),
        (("d", 2, 12), ("d/g", 2, 3)),
    ),
    "file_replaced_and_file_and_dir_deleted": Case(
        [
            [d("a"), f("a/f", 100), f("a/g", 50), d("d"), f("d/x", 10), f("d/y", 20)],
            [f("a/f", 70), wh("a/g"), wh("d")],
        ],
        130 / 280,
        220,
        (180, 70),
        (("a/f", 2, 170), ("a/g", 2, 50)),
    ),
    # A whiteout of a path no lower layer has aborts the rest of that layer (sorted order:
    # ".wh.nothere" comes before "b" and "z") and leaves a record whose minimum is -1.
    "whiteout_of_missing_path_aborts_layer": Case(
        [[f("a", 10), f("z", 3)], [wh("nothere"), f("b", 4), f("z", 6)]],
        12 / 13,
        0,
        (13, 10),
    ),
    "whiteout_in_bottom_layer_aborts_it": Case(
        [[wh("x"), f("y", 10)], [f("y", 4)]],
        0.75,
        0,
        (10, 4),
    ),
    # Stacking visits ".wh.k" before "k", so a delete-and-re-add in one layer keeps k ...
    "whiteout_and_readd_in_one_layer": Case(
        [[f("k", 10)], [wh("k"), f("k", 5)], [f("k", 1)]],
        0.0,
        16,
        (10, 5, 1),
        (("k", 4, 16),),
    ),
    # ... but "+k" sorts before ".wh.+k": re-added then removed, so the next whiteout of
    # "+k" misses and aborts its layer ("zz" is never visited).
    "whiteout_and_readd_sorting_before_prefix": Case(
        [[f("+k", 10)], [wh("+k"), f("+k", 5)], [wh("+k"), f("zz", 3)]],
        0.0,
        15,
        (10, 5, 3),
        (("+k", 3, 15),),
    ),
    # Opaque markers are ignored by dive: o/a stays, o is not a leaf in layer 1.
    "opaque_directory": Case(
        [[d("o"), f("o/a", 10)], [d("o"), opq("o"), f("o/b", 3)]],
        1.0,
        0,
        (10, 3),
    ),
    # An opaque marker alone creates its directory as an (empty, implicit) leaf.
    "opaque_marker_alone": Case(
        [[d("o"), f("o/a", 10)], [opq("o")], [opq("o")]],
        1.0,
        0,
        (10, 0, 0),
        (("o", 2, 0),),
    ),
    "hardlinks_count_as_zero_byte_files": Case(
        [[f("h", 10), ln("h2", "h")], [ln("h2", "h")]],
        1.0,
        0,
        (10, 0),
        (("h2", 2, 0),),
    ),
    "symlinks_count_as_zero_byte_files": Case(
        [[sym("s", "t")], [sym("s", "u")]],
        1.0,
        0,
        (0, 0),
        (("s", 2, 0),),
    ),
    # Same path twice in one layer: both sizes count for the layer, the last one is the node.
    "duplicate_path_in_one_layer": Case(
        [[f("f", 10), f("f", 30)], [f("g", 5)]],
        1.0,
        0,
        (40, 5),
    ),
    "empty_directory_in_two_layers": Case(
        [[d("e")], [d("e")]],
        1.0,
        0,
        (0, 0),
        (("e", 2, 0),),
    ),
    # A directory with children in one layer is not a leaf there; empty later, it is.
    "directory_leaf_only_where_empty": Case(
        [[d("e"), f("e/x", 5)], [d("e")]],
        1.0,
        0,
        (5, 0),
    ),
    "implicit_parent_directories": Case(
        [[f("p/q/r", 7)], [f("p/q/r", 9)]],
        7 / 16,
        16,
        (7, 9),
        (("p/q/r", 2, 16),),
    ),
    "root_entry_ignored": Case(
        [[d(""), d("a"), f("a/b", 3)], [f("a/b", 1)]],
        0.25,
        4,
        (3, 1),
        (("a/b", 2, 4),),
    ),
    "identical_layers": Case([[f("s", 10)], [f("s", 10)]], 0.5, 20, (10, 10), (("s", 2, 20),)),
    "one_empty_layer": Case([[]], 1.0, 0, (0,)),
    "no_layers": Case([], 1.0, 0, ()),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_matches_dive(name: str) -> None:
    case = CASES[name]
    metrics = dive_metrics(case.layers)
    assert metrics.efficiency_score == case.score
    assert metrics.wasted_bytes == case.wasted
    assert metrics.layer_size_bytes == case.layer_sizes
    assert metrics.size_bytes == sum(case.layer_sizes)
    assert metrics.user_size_bytes == sum(case.layer_sizes[1:])
    assert metrics.inefficient_paths == tuple(InefficientPath(*i) for i in case.inefficient)


def _ties(n: int, sizes: list[int], seed: int) -> DiveMetrics:
    rng = random.Random(seed)
    names = [f"f{i:04d}" for i in range(n)]
    first = [f(name, rng.choice(sizes)) for name in names]
    second = [f(name, rng.choice(sizes)) for name in names]
    return dive_metrics([first, second])


def test_ties_follow_go_sort_order() -> None:
    # Equal sizes keep the order Go's pdqsort leaves them in (dive 0.13.1 output).
    metrics = _ties(20, [1, 2], 1)
    assert [p.path for p in metrics.inefficient_paths[:6]] == [
        "f0004",
        "f0006",
        "f0012",
        "f0016",
        "f0015",
        "f0010",
    ]


def test_ties_exercising_break_patterns() -> None:
    # 777 paths with six sizes make pdqsort break patterns (its xorshift must be Go's).
    metrics = _ties(777, [1, 2, 3, 4, 5, 6], 5)
    assert [p.path for p in metrics.inefficient_paths[:6]] == [
        "f0200",
        "f0711",
        "f0524",
        "f0221",
        "f0729",
        "f0249",
    ]
    assert metrics.wasted_bytes == 5329
    assert metrics.efficiency_score == 0.36010508538187275


def test_all_equal_sizes_come_out_reversed() -> None:
    metrics = _ties(1000, [4], 4)
    assert [p.path for p in metrics.inefficient_paths[:3]] == ["f0999", "f0998", "f0997"]


def test_large_image_is_linear() -> None:
    # 150k files over 6 layers with directory deletes: must stay well under a few seconds.
    layers: list[list[FileEntry]] = []
    for layer in range(6):
        entries = [d(f"l{layer}")]
        for i in range(25_000):
            entries.append(f(f"l{layer}/d{i % 500}/f{i}", i))
        if layer:
            entries.append(wh(f"l{layer - 1}"))
        layers.append(entries)
    start = time.perf_counter()
    metrics = dive_metrics(layers)
    assert time.perf_counter() - start < 20
    assert len(metrics.layer_size_bytes) == 6
