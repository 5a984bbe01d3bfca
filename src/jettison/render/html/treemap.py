"""A byte tree as a nested treemap in plain SVG: area by bytes, colour by removable cause.

Layout: the squarified algorithm (Bruls, Huizing and van Wijk, 2000): children, largest
first, are laid in rows along the shorter side of the free rectangle, a row growing while
that keeps its rectangles closer to squares. Every group (layer, owner, directory) gets a
frame and, where there is room, a header with its name; leaves are filled with the colour
of their cause. Each rectangle carries a ``<title>`` (the browser's tooltip: where it is,
its bytes and cause), so the picture needs no script. Rectangles too small to see are not
drawn (their bytes are in their parent's area), which bounds the file's size.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from jettison.inspect.tree import ByteTree, TreeNode
from jettison.render.text import ellipsize, shorten_instruction
from jettison.units import human_bytes, percent

WIDTH = 1200.0
HEIGHT = 640.0
HEADER = 15.0
"""Height of a group's name strip."""
PAD = 1.5
MIN_SIDE = 1.0
"""Rectangles narrower than this are not drawn."""
_SEPARATOR = " \u203a "
CHAR_WIDTH = 6.2
"""Approximate width of one character of the 11px labels, to decide what fits."""

CAUSE_COLOURS: dict[str | None, str] = {
    None: "#8fa8c8",
    "package-cache": "#e377c2",
    "model-weights": "#9467bd",
    "dev-tools": "#d62728",
    "toolchain": "#ff7f0e",
    "tests": "#c9c23a",
    "docs": "#17becf",
    "bytecode": "#a0785a",
    "duplicates": "#f4a6a6",
}
"""Fill of a leaf by its removable cause (None: not removable)."""
HEADER_FILLS = ("#1f2937", "#374151", "#4b5563", "#6b7280")
"""Header strips by depth: layer, owner, then directories."""


@dataclass(frozen=True, slots=True)
class Rect:
    x: float
    y: float
    w: float
    h: float


def squarify(values: Sequence[float], area: Rect) -> list[Rect]:
    """Rectangles for ``values`` (positive, largest first) filling ``area`` exactly."""
    total = sum(values)
    if total <= 0 or area.w <= 0 or area.h <= 0:
        return [Rect(area.x, area.y, 0.0, 0.0) for _ in values]
    scale = area.w * area.h / total
    scaled = [v * scale for v in values]
    out: list[Rect] = []
    x, y, w, h = area.x, area.y, area.w, area.h
    i, n = 0, len(scaled)
    while i < n:
        side = min(w, h)
        j, row_sum, worst = i, 0.0, float("inf")
        while j < n:
            candidate = row_sum + scaled[j]
            ratio = _worst(candidate, scaled[j], scaled[i], side)
            if j > i and ratio > worst:
                break
            row_sum, worst, j = candidate, ratio, j + 1
        thickness = row_sum / side if side > 0 else 0.0
        if w >= h:  # a column at the left
            cursor = y
            for value in scaled[i:j]:
                length = value / thickness if thickness else 0.0
                out.append(Rect(x, cursor, thickness, length))
                cursor += length
            x, w = x + thickness, max(w - thickness, 0.0)
        else:  # a row at the top
            cursor = x
            for value in scaled[i:j]:
                length = value / thickness if thickness else 0.0
                out.append(Rect(cursor, y, length, thickness))
                cursor += length
            y, h = y + thickness, max(h - thickness, 0.0)
        i = j
    return out


def _worst(row_sum: float, smallest: float, largest: float, side: float) -> float:
    """The worst aspect ratio in a row of that sum, smallest and largest value."""
    if smallest <= 0 or row_sum <= 0:
        return float("inf")
    s2, side2 = row_sum * row_sum, side * side
    return max(side2 * largest / s2, s2 / (side2 * smallest))


def node_label(node: TreeNode) -> str:
    """What a node is called in the picture."""
    if node.kind == "layer":
        instruction = shorten_instruction(node.detail or "")
        return f"{node.name} {instruction}".strip()
    if node.kind == "owner":
        kind, _, name = node.name.partition(":")
        return f"{name} (unattributed)" if kind == "unowned" else f"{name} ({kind})"
    return node.name


class _Drawing:
    def __init__(self, total: int) -> None:
        self.total = total
        self.parts: list[str] = []
        self.drawn = 0

    def node(self, node: TreeNode, box: Rect, depth: int, trail: tuple[str, ...]) -> None:
        if box.w < MIN_SIDE or box.h < MIN_SIDE or node.size_bytes <= 0:
            return
        label = node_label(node)
        here = (*trail, label)
        share = percent(node.size_bytes, self.total)
        tip = _SEPARATOR.join(here) + f"\n{human_bytes(node.size_bytes)} ({share})"
        if node.kind in ("file", "rest") or not node.children:
            tip += f", {node.file_count:,} files" if node.kind == "rest" else ""
            tip += f"\ncause: {node.cause or 'not removable'}"
            self._leaf(node, box, label, tip)
            return
        self._group(box, depth, label, tip)
        room = box.h > HEADER + 4 and box.w > 8
        inner = Rect(
            box.x + PAD,
            box.y + (HEADER if room else PAD),
            max(box.w - 2 * PAD, 0.0),
            max(box.h - (HEADER if room else PAD) - PAD, 0.0),
        )
        children = [c for c in node.children if c.size_bytes > 0]
        for child, rect in zip(
            children, squarify([c.size_bytes for c in children], inner), strict=True
        ):
            self.node(child, rect, depth + 1, here)

    def _leaf(self, node: TreeNode, box: Rect, label: str, tip: str) -> None:
        self.drawn += 1
        fill = CAUSE_COLOURS.get(node.cause, CAUSE_COLOURS[None])
        cause = escape(node.cause or "kept")
        self.parts.append(
            f'<g class="leaf" data-cause="{cause}" data-bytes="{node.size_bytes}">'
            f"<title>{escape(tip)}</title>"
            f'<rect x="{box.x:.1f}" y="{box.y:.1f}" width="{box.w:.1f}" height="{box.h:.1f}" '
            f'fill="{fill}"/>{self._text(box, label, 11.0, "#111")}</g>'
        )

    def _group(self, box: Rect, depth: int, label: str, tip: str) -> None:
        self.drawn += 1
        fill = HEADER_FILLS[min(depth - 1, len(HEADER_FILLS) - 1)] if depth else "#111827"
        header = min(HEADER, box.h)
        self.parts.append(
            f'<g class="group"><title>{escape(tip)}</title>'
            f'<rect x="{box.x:.1f}" y="{box.y:.1f}" width="{box.w:.1f}" height="{box.h:.1f}" '
            f'fill="{fill}"/>'
            f"{self._text(Rect(box.x, box.y, box.w, header), label, 11.0, '#f9fafb')}</g>"
        )

    @staticmethod
    def _text(box: Rect, label: str, size: float, colour: str) -> str:
        if box.h < size + 2 or box.w < 5 * CHAR_WIDTH:
            return ""
        fits = int((box.w - 6) / CHAR_WIDTH)
        return (
            f'<text x="{box.x + 3:.1f}" y="{box.y + size:.1f}" fill="{colour}">'
            f"{escape(ellipsize(label, fits))}</text>"
        )


def treemap_svg(tree: ByteTree, *, width: float = WIDTH, height: float = HEIGHT) -> str:
    """``tree`` as one ``<svg>`` element (no XML declaration: it is inlined in HTML)."""
    drawing = _Drawing(tree.root.size_bytes)
    root = tree.root
    area = Rect(0.0, 0.0, width, height)
    layers = [c for c in root.children if c.size_bytes > 0]
    for child, rect in zip(layers, squarify([c.size_bytes for c in layers], area), strict=True):
        drawing.node(child, rect, 1, ())
    return (
        f'<svg class="treemap" viewBox="0 0 {width:.0f} {height:.0f}" role="img" '
        f'data-bytes="{root.size_bytes}" data-files="{root.file_count}" '
        f'data-drawn="{drawing.drawn}">' + "".join(drawing.parts) + "</svg>"
    )


def legend() -> list[tuple[str, str]]:
    """(cause label, colour) pairs for the legend."""
    return [(cause or "not removable", colour) for cause, colour in CAUSE_COLOURS.items()]
