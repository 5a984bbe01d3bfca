"""dive-compatible image metrics: efficiency score, wasted bytes, image and layer sizes.

Users compare jettison with ``dive --ci`` (wagoodman/dive), so these numbers must equal
dive 0.13.1's ``--json`` output to the byte: ``image.sizeBytes``, ``image.inefficientBytes``,
``image.efficiencyScore``, ``layer[].sizeBytes`` and ``image.fileReference`` (in its order).
Every rule below was read in dive's source and confirmed by running dive 0.13.1 on images
written by ``tests/support/imagewriter.py`` (see ``tests/integration/test_dive_parity.py``).

What dive does
--------------

*Layer trees.* Each layer tar becomes its own tree (``filetree.AddPath``), entries in tar
order, names cleaned with Go's ``path.Clean``; the entry ``.`` is dropped.

- A layer's size is the sum of the tar header ``Size`` field of *every* entry (directories,
  links, whiteouts included: all 0 in practice), counted even when the same path appears
  twice in one layer. ``sizeBytes`` of the image is the sum over layers.
- Parent directories that have no header of their own become nodes with an empty payload:
  size 0 and *not* a directory.
- A second entry for the same path replaces the node's payload and keeps its children.
- Whiteouts are ordinary nodes named ``.wh.NAME``; their ``Path()`` strips the prefix, so
  they share the efficiency record of ``NAME``.
- Names starting with ``.wh..wh..`` (the opaque marker ``.wh..wh..opq``) are never added,
  but the parent directories on the way are created. Opaque directories therefore have no
  effect at all (beyond creating that directory, if implicit).

*Efficiency* (``filetree.Efficiency``). The trees are visited bottom layer first; within a
layer, depth-first with children sorted bytewise (Go ``sort.Strings``), and only **leaves**
(nodes without children in *that layer's* tree) are visited. So a directory counts only
where it is empty in a layer, and a file deep in a tree counts once per layer it appears in.
For each visited leaf at path P (whiteout prefix stripped) dive adds one reference to P:

- a normal leaf contributes its header size;
- a whiteout looks P up in the tree of all *lower* layers stacked (see below). If P is a
  directory there, the whiteout contributes the sizes of everything below it (and the
  directory's own size); if P is anything else, it contributes **0** - deleting a file
  costs nothing extra, the earlier copy already counted once;
- if P is missing from the lower stack (a whiteout of something that never existed; in the
  bottom layer, of anything that layer itself lacks), the visit of the *rest of this
  layer* is aborted (the Go visitor returns an error) and P keeps an empty record whose
  minimum is ``-1``.

Per path dive keeps the cumulative size and the smallest single contribution. The score is
``sum(minimum) / sum(cumulative)`` over all paths (1.0 when the denominator is 0), a float64
division; the ``-1`` minimums of aborted whiteouts are included, as dive does.
A path is *inefficient* once it has two references; ``inefficientBytes`` is the sum of the
cumulative sizes of inefficient paths. The list is ordered by Go's unstable ``sort.Sort``
(pdqsort, Go 1.24) on cumulative size ascending, in order of the second reference, and the
JSON lists it reversed. Ties are common (same-size files), so that sort is reproduced here
exactly (:func:`_go_sort_by_size`).

*The stacked lower tree* is ``StackTreeRange(trees, 0, i-1)``: a copy of layer 0's tree
(whiteout nodes kept literally) onto which layers 0..i-1 are stacked. Stacking visits the
upper tree child-first; a whiteout removes P with everything below it, any other node is
added with its payload, overwriting the lower payload - so a directory that a later layer
mentions only implicitly stops being a directory (its whiteout then costs 0). The order is
bytewise, so a layer that deletes and re-adds ``k`` keeps it (``.wh.k`` < ``k``) but one
that does so for ``+k`` loses it (``+k`` < ``.wh.+k``): opaque semantics are not modelled.

*Outside this function* (the archive reader, for the record): the legacy layout's layers
are read only as plain ``*.tar`` (or ``*.tar.gz``/``tgz`` by name); Docker >= 25's
``blobs/sha256/*`` are sniffed as gzip, zstd or tar. A PAX global header in a layer makes
dive fail on the whole image. The score is printed as Go's shortest float64 repr, which
Python parses back to the same float, so it can be compared with ``==``.

How it is computed here
-----------------------

dive re-stacks the lower layers for every whiteout; here one merged tree is kept and each
layer is stacked onto it once, after its leaves were visited, which gives the same lower
tree in linear time (a deleted subtree is summed and removed once). Layer trees are built
one at a time from the listings, as flat maps (path -> payload, parent -> child names)
that are cheap to build, copy and garbage-collect. Whiteouts
(``EntryKind.WHITEOUT`` at P) are put back as ``.wh.`` nodes and opaque markers as the
implicit creation of their directory, so the trees are dive's.

What FileEntry cannot tell
--------------------------

dive sums the raw header size of every entry, so this module reads
``FileEntry.header_size_bytes`` (a hard link or directory whose header claims a size counts),
never ``size_bytes`` (0 for anything but a regular file). Entries that the layer reader
keeps out (paths escaping the root, ``.wh..wh.*`` metadata other than the opaque marker) are
also missing here; dive counts ``..`` as a literal directory name. Paths that are not UTF-8
reach jettison escaped, which may change their sort position.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from jettison.image import table as kinds
from jettison.image.model import FileEntry
from jettison.image.table import EntryTable

WHITEOUT_PREFIX = ".wh."
DOUBLE_WHITEOUT_PREFIX = ".wh..wh.."
_SURROGATE = re.compile("[\ud800-\udfff]")
_DIR, _OPAQUE, _WHITEOUT = kinds.DIR, kinds.OPAQUE, kinds.WHITEOUT


@dataclass(frozen=True, slots=True)
class InefficientPath:
    """A path referenced in two or more layers (or deleted after being added).

    ``path`` is a jettison path (no leading ``/``; dive prints ``/`` + path).
    """

    path: str
    count: int
    size_bytes: int
    """All copies together (dive's ``sizeBytes`` of a ``fileReference``)."""

    def __reduce__(self) -> tuple[type[InefficientPath], tuple[str, int, int]]:
        # Pickled by its fields: loads in half the time of the slots dataclass's own
        # __setstate__ (79,000 paths from the forked dive child: 0.21 -> 0.10 s).
        return InefficientPath, (self.path, self.count, self.size_bytes)


@dataclass(frozen=True, slots=True)
class DiveMetrics:
    efficiency_score: float
    wasted_bytes: int
    size_bytes: int
    user_size_bytes: int
    """All layers but the bottom one."""
    layer_size_bytes: tuple[int, ...]
    inefficient_paths: tuple[InefficientPath, ...]
    """Largest first, in dive's exact order (ties included)."""


_Payload = int
"""A node's size and whether it is a directory, as ``size << 1 | is_dir`` (an int: a
tuple per node doubled the trees' memory on a 500,000-entry image)."""
_IMPLICIT: _Payload = 0
"""dive's empty ``FileInfo`` of a parent that has no header: size 0, not a directory."""


class _Tree:
    """dive's ``FileTree`` as two flat maps (cheap to build, copy and collect).

    ``payload`` maps every node's path (no leading ``/``, root excluded) to its packed
    (size, is_dir);
    ``children`` maps the path of each node that has children (root: ``""``) to their
    paths: the same string objects as the keys of ``payload`` (and of the layer's table),
    so a tree costs no string of its own. Siblings share their parent's prefix, so sorting
    their paths sorts their names.
    """

    __slots__ = ("children", "payload")

    def __init__(self) -> None:
        self.payload: dict[str, _Payload] = {}
        self.children: dict[str, dict[str, None]] = {}

    def ensure(self, path: str) -> bool:
        """Find or create the node at ``path`` (parents implicit), as ``AddPath`` walks.

        False where a missing component starts with ``.wh..wh..``: dive stops there.
        """
        payload = self.payload
        if path in payload:
            return True
        missing = [path]  # usually just this one; its parents only when they are implicit
        parent = path.rpartition("/")[0]
        while parent and parent not in payload:
            missing.append(parent)
            parent = parent.rpartition("/")[0]
        for sub in reversed(missing):
            parent, _, name = sub.rpartition("/")
            if name.startswith(DOUBLE_WHITEOUT_PREFIX):
                return False
            payload[sub] = _IMPLICIT
            siblings = self.children.get(parent)
            if siblings is None:
                siblings = self.children[parent] = {}
            siblings[sub] = None
        return True

    def add_path(self, path: str, size: int, is_dir: bool) -> None:
        if self.ensure(path):
            self.payload[path] = size << 1 | is_dir

    def remove(self, path: str) -> None:
        """``RemovePath``: drop the node and its subtree; a missing path is ignored."""
        if path not in self.payload:
            return
        parent = path.rpartition("/")[0]
        siblings = self.children[parent]
        del siblings[path]
        if not siblings:
            del self.children[parent]
        pending = [path]
        while pending:
            current = pending.pop()
            del self.payload[current]
            below = self.children.pop(current, None)
            if below:
                pending.extend(below)

    def subtree_size(self, path: str) -> int:
        """Sizes of the node and everything below it (dive's sizer over the subtree)."""
        total = self.payload[path] >> 1
        pending = [path]
        while pending:
            current = pending.pop()
            for child in self.children.get(current, ()):
                total += self.payload[child] >> 1
                pending.append(child)
        return total

    def copy(self) -> _Tree:
        twin = _Tree()
        twin.payload = dict(self.payload)
        twin.children = {path: dict(names) for path, names in self.children.items()}
        return twin

    def walk(self, bytewise: bool) -> list[str]:
        """Every node's path, children before parents, siblings in Go's byte order: the
        order of dive's ``VisitDepthChildFirst``."""
        children = self.children
        out: list[str] = []
        top = _sorted(children.get("", {}), bytewise)
        stack: list[tuple[str, Iterator[str]]] = [("", iter(top))]
        while stack:
            path, names = stack[-1]
            child = next(names, None)
            if child is None:
                stack.pop()
                if stack:
                    out.append(path)
                continue
            below = children.get(child)
            if below:
                stack.append((child, iter(_sorted(below, bytewise))))
            else:
                out.append(child)
        return out


def _go_order(name: str) -> bytes:
    """Go compares strings bytewise; surrogate-escaped names must sort by their bytes."""
    return name.encode("utf-8", "surrogateescape")


def _sorted(names: dict[str, None], bytewise: bool) -> list[str]:
    # For valid UTF-8, code point order is byte order: only escaped names need the key.
    return sorted(names, key=_go_order) if bytewise else sorted(names)


def _strip_whiteout(path: str) -> tuple[str, bool]:
    """dive's ``Path()``: the node's own ``.wh.`` prefix is dropped."""
    if WHITEOUT_PREFIX not in path:
        return path, False
    parent, _, name = path.rpartition("/")
    if not name.startswith(WHITEOUT_PREFIX):
        return path, False
    name = name[len(WHITEOUT_PREFIX) :]
    return (f"{parent}/{name}" if parent else name), True


def _layer_tree(table: EntryTable) -> tuple[_Tree, int, bool]:
    """dive's tree of one layer, its size (sum of entry sizes), and whether a name holds
    escaped (non-UTF-8) bytes."""
    tree = _Tree()
    size = 0
    escaped = False
    payload, children = tree.payload, tree.children
    kinds, sizes, odd_sizes = table.kinds, table.sizes, table.header_sizes
    for row, path in enumerate(table.paths):
        if not path:
            continue  # "." / "/": dive drops the root entry
        head = odd_sizes.get(row, sizes[row]) if odd_sizes else sizes[row]
        size += head
        if not escaped and not path.isascii():
            escaped = _SURROGATE.search(path) is not None
        kind = kinds[row]
        if kind == _OPAQUE:
            tree.ensure(path)
            continue
        if kind == _WHITEOUT:
            parent, _, name = path.rpartition("/")
            marker = f"{WHITEOUT_PREFIX}{name}"
            path = f"{parent}/{marker}" if parent else marker
        elif path not in payload:
            # The common case, inlined: a new node whose parent exists (tar order lists a
            # directory before what it holds).
            parent, _, name = path.rpartition("/")
            if (not parent or parent in payload) and not name.startswith(DOUBLE_WHITEOUT_PREFIX):
                payload[path] = head << 1 | (kind == _DIR)
                siblings = children.get(parent)
                if siblings is None:
                    siblings = children[parent] = {}
                siblings[path] = None
                continue
        tree.add_path(path, head, kind == _DIR)
    return tree, size, escaped


def _stack(lower: _Tree, upper: _Tree, order: list[str]) -> None:
    """``FileTree.Stack`` (upper's nodes in ``walk`` order): whiteouts remove, everything
    else overwrites the payload."""
    payload = upper.payload
    lower_payload, lower_children = lower.payload, lower.children
    for path in order:
        if WHITEOUT_PREFIX in path:
            target, is_whiteout = _strip_whiteout(path)
            if is_whiteout:
                lower.remove(target)
                continue
        packed = payload[path]  # the upper's int itself: no new object per node
        if path in lower_payload:
            lower_payload[path] = packed
            continue
        # The common case of add_path, inlined: a new node whose parent exists.
        parent, _, name = path.rpartition("/")
        if (not parent or parent in lower_payload) and not name.startswith(DOUBLE_WHITEOUT_PREFIX):
            lower_payload[path] = packed
            siblings = lower_children.get(parent)
            if siblings is None:
                siblings = lower_children[parent] = {}
            siblings[path] = None
            continue
        if lower.ensure(path):
            lower_payload[path] = packed


class _Efficiency:
    """dive's ``efficiencyMap`` and its list of paths seen twice.

    Most paths are seen once, when their cumulative and minimum size are the same number:
    those live in ``once`` (path -> size, or -1 for a path registered by an aborted
    whiteout visit); a path seen again moves to ``again`` (path -> [cumulative, minimum,
    count]). Same figures as dive's map, at a third of the memory.
    """

    def __init__(self) -> None:
        self.once: dict[str, int] = {}
        self.again: dict[str, list[int]] = {}
        self.inefficient: list[str] = []

    def visit_leaves(self, layer: _Tree, order: list[str], lower: _Tree) -> None:
        once, again = self.once, self.again
        children, payload = layer.children, layer.payload
        for raw_path in order:
            if raw_path in children:
                continue  # not a leaf in this layer
            # _strip_whiteout only where the prefix is in the name (a call per leaf saved)
            path, is_whiteout = (
                _strip_whiteout(raw_path) if WHITEOUT_PREFIX in raw_path else (raw_path, False)
            )
            if is_whiteout:
                previous = lower.payload.get(path)
                if previous is None:
                    # dive registers the path (minimum -1), then its visitor errors out: the
                    # rest of this layer is not visited.
                    if path not in once and path not in again:
                        once[path] = -1
                    return
                size = lower.subtree_size(path) if previous & 1 else 0
            else:
                size = payload[raw_path] >> 1
            record = again.get(path)
            if record is not None:
                record[0] += size
                if record[1] < 0 or size < record[1]:
                    record[1] = size
                record[2] += 1
                continue
            first = once.pop(path, None)
            if first is None or first < 0:  # new, or registered by an aborted visit only
                once[path] = size
            else:
                again[path] = [first + size, min(first, size), 2]
                self.inefficient.append(path)

    def totals(self) -> tuple[int, int]:
        """(sum of minimum sizes, sum of cumulative sizes) over every path."""
        minimum = sum(self.once.values()) + sum(r[1] for r in self.again.values())
        cumulative = sum(s for s in self.once.values() if s > 0) + sum(
            r[0] for r in self.again.values()
        )
        return minimum, cumulative


def _has_whiteout(table: EntryTable) -> bool:
    """Whether a name of the layer reads as a whiteout in dive's tree: a whiteout entry, or
    any name holding ``.wh.`` (an opaque directory called ``.wh.x``, an odd file name)."""
    return _WHITEOUT in table.kinds or any(WHITEOUT_PREFIX in path for path in table.paths)


def dive_metrics(layers: Sequence[EntryTable | Sequence[FileEntry]]) -> DiveMetrics:
    """dive 0.13.1's metrics from each layer's entries (bottom layer first, tar order)."""
    efficiency = _Efficiency()
    layer_sizes: list[int] = []
    tables = [
        layer if isinstance(layer, EntryTable) else EntryTable.from_entries(index, layer)
        for index, layer in enumerate(layers)
    ]
    # dive stacks every layer onto the ones below, but the stack is read only where a layer
    # holds a whiteout (visit_leaves sizes what it removes). After the last such layer no
    # figure depends on it: the stacking is skipped (BERT: the 58,133-entry pip layer and
    # every layer after the second, whose one whiteout is the image's last).
    whiteouts = [_has_whiteout(table) for table in tables]
    last_whiteout = max((i for i, found in enumerate(whiteouts) if found), default=-1)
    lower: _Tree | None = None
    for index, table in enumerate(tables):
        tree, size, escaped = _layer_tree(table)
        layer_sizes.append(size)
        order = tree.walk(escaped)
        if lower is None:
            # StackTreeRange(trees, 0, -1) is a bare copy of layer 0. Stacking layer 0 onto
            # itself changes nothing unless a name in it reads as a whiteout (a whiteout, or
            # an opaque directory called ``.wh.x``), so the copy is only made then.
            lower = tree.copy() if whiteouts[0] else tree
        efficiency.visit_leaves(tree, order, lower)
        if index < last_whiteout:
            _stack(lower, tree, order)
        else:
            lower = _Tree()  # read by no later layer: freed

    minimum_total, discovered_total = efficiency.totals()
    score = 1.0 if discovered_total == 0 else float(minimum_total) / float(discovered_total)
    again = efficiency.again
    matches = [(again[p][0], again[p][2], p) for p in efficiency.inefficient]
    _go_sort_by_size(matches)
    return DiveMetrics(
        efficiency_score=score,
        wasted_bytes=sum(m[0] for m in matches),
        size_bytes=sum(layer_sizes),
        user_size_bytes=sum(layer_sizes[1:]),
        layer_size_bytes=tuple(layer_sizes),
        inefficient_paths=tuple(
            InefficientPath(path, count, size) for size, count, path in reversed(matches)
        ),
    )


# --------------------------------------------------------------------------- Go's sort.Sort
# dive sorts with sort.Sort, which is not stable: equal sizes end up in an order that only
# Go's pdqsort (sort/zsortinterface.go, Go 1.19+, built into dive 0.13.1 by Go 1.24) gives.
# This is a line-by-line port for Less(i, j) = size[i] < size[j].


_Match = tuple[int, int, str]
"""(cumulative size, reference count, path); dive's Less compares the size only."""


def _go_sort_by_size(data: list[_Match]) -> None:
    n = len(data)
    if n <= 1:
        return
    _GoSort(data).pdqsort(0, n, n.bit_length())


_INCREASING, _DECREASING, _UNKNOWN = 1, 2, 0
_MASK64 = (1 << 64) - 1


class _GoSort:
    def __init__(self, data: list[_Match]) -> None:
        self.data = data

    def less(self, i: int, j: int) -> bool:
        return self.data[i][0] < self.data[j][0]

    def swap(self, i: int, j: int) -> None:
        d = self.data
        d[i], d[j] = d[j], d[i]

    def insertion_sort(self, a: int, b: int) -> None:
        for i in range(a + 1, b):
            j = i
            while j > a and self.less(j, j - 1):
                self.swap(j, j - 1)
                j -= 1

    def sift_down(self, lo: int, hi: int, first: int) -> None:
        root = lo
        while True:
            child = 2 * root + 1
            if child >= hi:
                return
            if child + 1 < hi and self.less(first + child, first + child + 1):
                child += 1
            if not self.less(first + root, first + child):
                return
            self.swap(first + root, first + child)
            root = child

    def heap_sort(self, a: int, b: int) -> None:
        first, lo, hi = a, 0, b - a
        for i in range((hi - 1) // 2, -1, -1):
            self.sift_down(i, hi, first)
        for i in range(hi - 1, -1, -1):
            self.swap(first, first + i)
            self.sift_down(lo, i, first)

    def pdqsort(self, a: int, b: int, limit: int) -> None:
        max_insertion = 12
        was_balanced = True
        was_partitioned = True
        while True:
            length = b - a
            if length <= max_insertion:
                self.insertion_sort(a, b)
                return
            if limit == 0:
                self.heap_sort(a, b)
                return
            if not was_balanced:
                self.break_patterns(a, b)
                limit -= 1
            pivot, hint = self.choose_pivot(a, b)
            if hint == _DECREASING:
                self.reverse_range(a, b)
                pivot = (b - 1) - (pivot - a)
                hint = _INCREASING
            if (
                was_balanced
                and was_partitioned
                and hint == _INCREASING
                and self.partial_insertion_sort(a, b)
            ):
                return
            if a > 0 and not self.less(a - 1, pivot):
                a = self.partition_equal(a, b, pivot)
                continue
            mid, was_partitioned = self.partition(a, b, pivot)
            left_len, right_len = mid - a, b - mid
            balance_threshold = length // 8
            if left_len < right_len:
                was_balanced = left_len >= balance_threshold
                self.pdqsort(a, mid, limit)
                a = mid + 1
            else:
                was_balanced = right_len >= balance_threshold
                self.pdqsort(mid + 1, b, limit)
                b = mid

    def partition(self, a: int, b: int, pivot: int) -> tuple[int, bool]:
        self.swap(a, pivot)
        i, j = a + 1, b - 1
        while i <= j and self.less(i, a):
            i += 1
        while i <= j and not self.less(j, a):
            j -= 1
        if i > j:
            self.swap(j, a)
            return j, True
        self.swap(i, j)
        i += 1
        j -= 1
        while True:
            while i <= j and self.less(i, a):
                i += 1
            while i <= j and not self.less(j, a):
                j -= 1
            if i > j:
                break
            self.swap(i, j)
            i += 1
            j -= 1
        self.swap(j, a)
        return j, False

    def partition_equal(self, a: int, b: int, pivot: int) -> int:
        self.swap(a, pivot)
        i, j = a + 1, b - 1
        while True:
            while i <= j and not self.less(a, i):
                i += 1
            while i <= j and self.less(a, j):
                j -= 1
            if i > j:
                break
            self.swap(i, j)
            i += 1
            j -= 1
        return i

    def partial_insertion_sort(self, a: int, b: int) -> bool:
        max_steps, shortest_shifting = 5, 50
        i = a + 1
        for _ in range(max_steps):
            while i < b and not self.less(i, i - 1):
                i += 1
            if i == b:
                return True
            if b - a < shortest_shifting:
                return False
            self.swap(i, i - 1)
            if i - a >= 2:
                for j in range(i - 1, 0, -1):
                    if not self.less(j, j - 1):
                        break
                    self.swap(j, j - 1)
            if b - i >= 2:
                for j in range(i + 1, b):
                    if not self.less(j, j - 1):
                        break
                    self.swap(j, j - 1)
        return False

    def break_patterns(self, a: int, b: int) -> None:
        length = b - a
        if length >= 8:
            random = length  # xorshift seeded with the length
            modulus = 1 << length.bit_length()
            for idx in range(a + (length // 4) * 2 - 1, a + (length // 4) * 2 + 2):
                random ^= (random << 13) & _MASK64
                random ^= random >> 7
                random ^= (random << 17) & _MASK64
                other = random & (modulus - 1)
                if other >= length:
                    other -= length
                self.swap(idx, a + other)

    def choose_pivot(self, a: int, b: int) -> tuple[int, int]:
        shortest_ninther, max_swaps = 50, 4 * 3
        length = b - a
        swaps = [0]
        i = a + length // 4 * 1
        j = a + length // 4 * 2
        k = a + length // 4 * 3
        if length >= 8:
            if length >= shortest_ninther:
                i = self.median(i - 1, i, i + 1, swaps)
                j = self.median(j - 1, j, j + 1, swaps)
                k = self.median(k - 1, k, k + 1, swaps)
            j = self.median(i, j, k, swaps)
        if swaps[0] == 0:
            return j, _INCREASING
        if swaps[0] == max_swaps:
            return j, _DECREASING
        return j, _UNKNOWN

    def order2(self, a: int, b: int, swaps: list[int]) -> tuple[int, int]:
        if self.less(b, a):
            swaps[0] += 1
            return b, a
        return a, b

    def median(self, a: int, b: int, c: int, swaps: list[int]) -> int:
        a, b = self.order2(a, b, swaps)
        b, c = self.order2(b, c, swaps)
        a, b = self.order2(a, b, swaps)
        return b

    def reverse_range(self, a: int, b: int) -> None:
        i, j = a, b - 1
        while i < j:
            self.swap(i, j)
            i += 1
            j -= 1
