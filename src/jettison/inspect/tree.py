"""Where the bytes of an image are, as one tree small enough to draw: layer -> owner ->
directory -> file, the small ones rolled up.

An image may hold hundreds of thousands of files; a picture of it cannot, and need not:
a file of a ten-thousandth of the image is a speck. :func:`byte_tree` keeps every node (layer,
owner, directory, file) that holds at least ``total / max_nodes`` bytes and rolls the
smaller ones up into one ``rest`` leaf per removable cause in their parent ("412 smaller
files", coloured by cause), so every byte is still counted where it lives and the tree stays
at a few thousand nodes whatever the image. A directory holding just one directory is
merged with it (``usr/lib/python3.11``).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:  # report.py holds a ByteTree: import its types for annotations only
    from jettison.inspect.files import ImageFiles
    from jettison.inspect.report import LayerSummary

NodeKind = Literal["image", "layer", "owner", "dir", "file", "rest"]
DEFAULT_MAX_NODES = 3000


@dataclass(frozen=True, slots=True)
class TreeNode:
    name: str
    """``#3`` (a layer), ``python:numpy`` (an owner key), ``usr/lib`` (directories),
    ``x.so`` (a file) or ``412 smaller files``."""
    kind: NodeKind
    size_bytes: int
    file_count: int
    cause: str | None = None
    """For a file or rest leaf: the removable cause of its bytes (None: not removable)."""
    detail: str | None = None
    """For a layer: the instruction that made it."""
    children: tuple[TreeNode, ...] = ()
    """Largest first."""


@dataclass(frozen=True)
class ByteTree:
    root: TreeNode
    min_node_bytes: int
    """Nodes smaller than this were rolled up into rest leaves."""
    node_count: int


class _Dir:
    __slots__ = ("count", "dirs", "files", "size")

    def __init__(self) -> None:
        self.size = 0
        self.count = 0
        self.dirs: dict[str, _Dir] = {}
        self.files: list[tuple[str, int, str | None]] = []

    def add(self, parts: list[str], size: int, cause: str | None) -> None:
        node = self
        for part in parts[:-1]:
            node.size += size
            node.count += 1
            child = node.dirs.get(part)
            if child is None:
                child = node.dirs[part] = _Dir()
            node = child
        node.size += size
        node.count += 1
        node.files.append((parts[-1], size, cause))

    def by_cause(self, out: dict[str | None, list[int]]) -> None:
        stack = [self]
        while stack:
            node = stack.pop()
            for _name, size, cause in node.files:
                tally = out[cause]
                tally[0] += size
                tally[1] += 1
            stack.extend(node.dirs.values())


def byte_tree(
    files: ImageFiles,
    layers: tuple[LayerSummary, ...] = (),
    max_nodes: int = DEFAULT_MAX_NODES,
) -> ByteTree:
    """The tree of ``files`` (an inspection's); ``layers`` name each layer's instruction."""
    owners: dict[int, dict[str, _Dir]] = defaultdict(dict)
    total = count = 0
    for path, facts in files:
        by_owner = owners[facts.layer_index]
        tree = by_owner.get(facts.owner)
        if tree is None:
            tree = by_owner[facts.owner] = _Dir()
        tree.add(path.split("/"), facts.size_bytes, facts.cause)
        total += facts.size_bytes
        count += 1
    threshold = max(1, total // max(1, max_nodes))
    made = [0]
    instructions = {layer.index: layer.created_by for layer in layers if layer.index is not None}
    layer_nodes = []
    for index in sorted(owners):
        owner_nodes = [
            _group(key, "owner", tree, threshold, made) for key, tree in owners[index].items()
        ]
        layer_nodes.append(
            _node(f"#{index}", "layer", owner_nodes, made, detail=instructions.get(index))
        )
    root = _node("/", "image", layer_nodes, made)
    assert root.size_bytes == total and root.file_count == count
    return ByteTree(root, threshold, made[0])


def _node(
    name: str, kind: NodeKind, children: list[TreeNode], made: list[int], detail: str | None = None
) -> TreeNode:
    made[0] += 1
    children.sort(key=lambda n: (-n.size_bytes, n.name, n.cause or ""))
    return TreeNode(
        name,
        kind,
        sum(c.size_bytes for c in children),
        sum(c.file_count for c in children),
        detail=detail,
        children=tuple(children),
    )


def _group(name: str, kind: NodeKind, tree: _Dir, threshold: int, made: list[int]) -> TreeNode:
    """An owner or directory node: big children kept, small ones rolled up per cause."""
    while kind == "dir" and not tree.files and len(tree.dirs) == 1:
        ((child_name, child),) = tree.dirs.items()  # a directory of one directory: merge
        name, tree = f"{name}/{child_name}", child
    children: list[TreeNode] = []
    rest: dict[str | None, list[int]] = defaultdict(lambda: [0, 0])
    for child_name, child in tree.dirs.items():
        if child.size >= threshold:
            children.append(_group(child_name, "dir", child, threshold, made))
        else:
            child.by_cause(rest)
    for file_name, size, cause in tree.files:
        if size >= threshold:
            made[0] += 1
            children.append(TreeNode(file_name, "file", size, 1, cause))
        else:
            tally = rest[cause]
            tally[0] += size
            tally[1] += 1
    for cause, (size, n) in rest.items():
        made[0] += 1
        label = f"{n:,} smaller files" if n != 1 else "1 smaller file"
        children.append(TreeNode(label, "rest", size, n, cause))
    return _node(name, kind, children, made)
