"""Per-file facts agree with the report's sums; the byte tree keeps every byte and stays
small whatever the number of files."""

from __future__ import annotations

from collections import Counter

from jettison.inspect.files import FileFacts, ImageFiles
from jettison.inspect.tree import TreeNode, byte_tree
from support.diffimages import inspection, naive_layers


def _walk(node: TreeNode) -> list[TreeNode]:
    out = [node]
    for child in node.children:
        out.extend(_walk(child))
    return out


def test_files_agree_with_the_reports_owners_and_causes() -> None:
    result = inspection(naive_layers())
    report, files = result.report, result.files
    assert files.total_bytes == report.final_bytes == report.attribution.total_bytes
    by_owner: Counter[str] = Counter()
    by_cause: Counter[str] = Counter()
    for _path, facts in files:
        by_owner[facts.owner] += facts.size_bytes
        if facts.cause:
            by_cause[facts.cause] += facts.size_bytes
    assert by_owner == Counter(
        {f"{o.kind}:{o.name}": o.size_bytes for o in report.attribution.owners}
    )
    assert +by_cause == +Counter({c.cause: c.size_bytes for c in report.removable})


def test_tree_levels_and_sums() -> None:
    result = inspection(naive_layers())
    tree = byte_tree(result.files, result.report.layers, max_nodes=10_000)
    root = tree.root
    assert root.size_bytes == result.report.final_bytes
    assert [n.kind for n in root.children] == ["layer"] * 4
    assert {n.kind for layer in root.children for n in layer.children} == {"owner"}
    for node in _walk(root):
        if node.children:
            assert node.size_bytes == sum(c.size_bytes for c in node.children)
            assert node.file_count == sum(c.file_count for c in node.children)
            sizes = [c.size_bytes for c in node.children]
            assert sizes == sorted(sizes, reverse=True)
    assert tree.node_count == len(_walk(root))
    gcc = [n for n in _walk(root) if n.name == "x86_64-linux-gnu-gcc-12"]
    assert gcc and gcc[0].cause == "toolchain"
    # a directory holding one directory is merged with it
    assert any(n.name == "usr/bin" for n in _walk(root))


def test_many_small_files_roll_up_per_cause() -> None:
    facts = {
        f"app/d{i % 50}/f{i}.py": FileFacts(
            100 + i % 7, 0, "unowned:/app", "tests" if i % 3 else None
        )
        for i in range(20_000)
    }
    facts["app/big.bin"] = FileFacts(5_000_000, 1, "unowned:/app", None)
    files = ImageFiles(facts)
    tree = byte_tree(files, max_nodes=200)
    nodes = _walk(tree.root)
    assert len(nodes) < 400
    assert tree.root.size_bytes == files.total_bytes
    assert tree.root.file_count == len(facts)
    rests = [n for n in nodes if n.kind == "rest"]
    assert {n.cause for n in rests} == {"tests", None}
    assert any(n.name == "big.bin" for n in nodes)
