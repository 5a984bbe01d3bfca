"""``diff``: inspect two images and say what changed, in inspect's own terms.

Both images are read exactly as ``jettison inspect`` reads them
(:func:`jettison.inspect.core.inspect_files`: the report and the per-file facts it was
summed from), so every figure here is one ``inspect`` prints for either image. The
comparison itself (:func:`compare`) is pure.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace

from jettison.diff.model import (
    NOT_CUDA,
    NOT_REMOVABLE,
    CauseChange,
    Change,
    CudaChange,
    DiffReport,
    FileChange,
    FileRest,
    GrowthGate,
    ImageSide,
    LayerChange,
    OwnerChange,
)
from jettison.diff.versions import compare_versions
from jettison.errors import ConfigError
from jettison.image.model import Platform
from jettison.inspect.budgets import parse_ratio, parse_size
from jettison.inspect.core import Inspection, inspect_files
from jettison.inspect.files import FileFacts
from jettison.inspect.report import InspectReport, LayerSummary, OwnerBytes
from jettison.inspect.tree import DEFAULT_MAX_NODES, byte_tree
from jettison.progress import Progress

TOP_FILES = 50
"""Changed files listed one by one; the others are summed in ``files_rest``."""


def diff(
    before: str,
    after: str,
    *,
    platform: Platform | None = None,
    fail_if_grown: str | None = None,
    trees: bool = False,
    progress: Progress | None = None,
    verify: str = "auto",
) -> DiffReport:
    """What changed from image ``before`` to image ``after`` (any references inspect reads).

    ``fail_if_grown`` (``50MB``, ``5%``) sets the gate: the after image's size may exceed the
    before image's by at most that much. ``trees`` adds each image's byte tree (for the
    HTML treemap).
    """
    gate = parse_growth(fail_if_grown) if fail_if_grown is not None else None
    first = inspect_files(before, platform=platform, progress=progress, verify=verify)
    second = inspect_files(after, platform=platform, progress=progress, verify=verify)
    report = compare(first, second, trees=trees)
    if gate is not None:
        report = replace(report, gate=check_growth(report, *gate))
    return report


def parse_growth(text: str) -> tuple[str, int | None, float | None]:
    """``50MB`` -> (text, 50_000_000, None); ``5%`` -> (text, None, 0.05)."""
    try:
        if text.strip().endswith("%"):
            return text, None, parse_ratio(text)
        return text, parse_size(text), None
    except ConfigError as exc:
        raise ConfigError(
            f"--fail-if-grown: {exc}", hint="a size such as 50MB, or a share such as 5%"
        ) from exc


def check_growth(
    report: DiffReport, limit: str, max_bytes: int | None, max_fraction: float | None
) -> GrowthGate:
    """Whether the image size grew by at most ``max_bytes`` (or ``max_fraction`` of the
    before image's size)."""
    allowed = (
        max_bytes
        if max_bytes is not None
        else int((max_fraction or 0.0) * report.before.size_bytes)
    )
    grown = report.size_delta_bytes
    return GrowthGate(limit, allowed, grown, grown <= allowed)


def compare(
    before: Inspection,
    after: Inspection,
    *,
    top_files: int = TOP_FILES,
    trees: bool = False,
    tree_nodes: int = DEFAULT_MAX_NODES,
) -> DiffReport:
    """The change from ``before`` to ``after``; every view sums to the total change."""
    a, b = before.report, after.report
    owners = _owners(a.attribution.owners, b.attribution.owners)
    files, rest = _files(before.files.by_path, after.files.by_path, top_files)
    return DiffReport(
        before=_side(before),
        after=_side(after),
        owners=tuple(o for o in owners if o.change != "unchanged"),
        unchanged_owner_count=sum(1 for o in owners if o.change == "unchanged"),
        causes=_causes(a, b),
        cuda=_cuda(a, b),
        layers=_layers(a.layers, b.layers),
        files=files,
        files_rest=rest,
        before_tree=byte_tree(before.files, a.layers, tree_nodes) if trees else None,
        after_tree=byte_tree(after.files, b.layers, tree_nodes) if trees else None,
    )


def _side(inspection: Inspection) -> ImageSide:
    report = inspection.report
    return ImageSide(
        reference=report.reference,
        size_bytes=report.size_bytes,
        final_bytes=report.final_bytes,
        shadowed_bytes=report.shadowed.size_bytes,
        removable_bytes=report.removable_bytes,
        pull_bytes=report.pull_bytes,
        layer_count=sum(1 for layer in report.layers if layer.index is not None),
        file_count=len(inspection.files),
    )


def _owners(before: Iterable[OwnerBytes], after: Iterable[OwnerBytes]) -> list[OwnerChange]:
    old = {(o.kind, o.name): o for o in before}
    new = {(o.kind, o.name): o for o in after}
    changes = []
    for key in old.keys() | new.keys():
        a, b = old.get(key), new.get(key)
        changes.append(
            OwnerChange(
                kind=key[0],
                name=key[1],
                change=_owner_change(key[0], a, b),
                before_version=a.version if a else None,
                after_version=b.version if b else None,
                before_bytes=a.size_bytes if a else 0,
                after_bytes=b.size_bytes if b else 0,
                before_files=a.file_count if a else 0,
                after_files=b.file_count if b else 0,
            )
        )
    changes.sort(key=lambda o: (-abs(o.delta_bytes), o.kind, o.name))
    return changes


def _owner_change(kind: str, a: OwnerBytes | None, b: OwnerBytes | None) -> Change:
    if a is None:
        return "added"
    if b is None:
        return "removed"
    if a.version and b.version and a.version != b.version:
        order = compare_versions(kind, a.version, b.version)
        if order is None or order == 0:
            return "changed"
        return "upgraded" if order < 0 else "downgraded"
    return _by_size(a.size_bytes, b.size_bytes)


def _by_size(before: int, after: int) -> Change:
    if after > before:
        return "grown"
    if after < before:
        return "shrunk"
    return "unchanged"


def _causes(a: InspectReport, b: InspectReport) -> tuple[CauseChange, ...]:
    old = {c.cause: c for c in a.removable}
    new = {c.cause: c for c in b.removable}
    codes = [c.cause for c in b.removable] + [c for c in old if c not in new]
    rows = []
    for code in codes:
        x, y = old.get(code), new.get(code)
        rows.append(
            CauseChange(
                cause=code,
                title=y.title if y else x.title if x else code,
                before_bytes=x.size_bytes if x else 0,
                after_bytes=y.size_bytes if y else 0,
                before_files=x.file_count if x else 0,
                after_files=y.file_count if y else 0,
            )
        )
    rows.append(
        CauseChange(
            cause=NOT_REMOVABLE,
            title="Not removable: what the image needs, as far as inspect can tell",
            before_bytes=a.final_bytes - a.removable_bytes,
            after_bytes=b.final_bytes - b.removable_bytes,
            before_files=_file_count(a) - sum(c.file_count for c in a.removable),
            after_files=_file_count(b) - sum(c.file_count for c in b.removable),
        )
    )
    return tuple(rows)


def _file_count(report: InspectReport) -> int:
    return sum(o.file_count for o in report.attribution.owners)


def _cuda(a: InspectReport, b: InspectReport) -> tuple[CudaChange, ...]:
    old = {f.family: f.size_bytes for f in a.attribution.cuda}
    new = {f.family: f.size_bytes for f in b.attribution.cuda}
    if not old and not new:
        return ()
    rows = [CudaChange(f, old.get(f, 0), new.get(f, 0)) for f in old.keys() | new.keys()]
    rows.sort(key=lambda r: (-abs(r.delta_bytes), -r.before_bytes, r.family))
    rest = CudaChange(
        NOT_CUDA,
        a.final_bytes - a.attribution.cuda_bytes,
        b.final_bytes - b.attribution.cuda_bytes,
    )
    return (*rows, rest)


def _layer_key(layer: LayerSummary) -> str | None:
    return layer.diff_id or layer.digest


def _layers(
    before: tuple[LayerSummary, ...], after: tuple[LayerSummary, ...]
) -> tuple[LayerChange, ...]:
    """Match layers by content; each layer of ``before`` is matched at most once."""
    unmatched: dict[str, list[LayerSummary]] = {}
    for layer in before:
        key = _layer_key(layer)
        if layer.index is not None and key is not None:
            unmatched.setdefault(key, []).append(layer)
    rows: list[LayerChange] = []
    matched: set[int] = set()
    for layer in after:
        if layer.index is None:
            continue
        key = _layer_key(layer)
        twins = unmatched.get(key) if key is not None else None
        twin = twins.pop(0) if twins else None
        if twin is not None and twin.index is not None:
            matched.add(twin.index)
        rows.append(
            LayerChange(
                status="shared" if twin is not None else "added",
                before_index=twin.index if twin is not None else None,
                after_index=layer.index,
                diff_id=key,
                created_by=layer.created_by,
                size_bytes=layer.size_bytes,
                file_count=layer.file_count,
            )
        )
    for layer in before:
        if layer.index is None or layer.index in matched:
            continue
        rows.append(
            LayerChange(
                status="removed",
                before_index=layer.index,
                after_index=None,
                diff_id=_layer_key(layer),
                created_by=layer.created_by,
                size_bytes=layer.size_bytes,
                file_count=layer.file_count,
            )
        )
    return tuple(rows)


def _files(
    before: Mapping[str, FileFacts], after: Mapping[str, FileFacts], top: int
) -> tuple[tuple[FileChange, ...], FileRest]:
    changed: list[FileChange] = []
    for path, b in after.items():
        a = before.get(path)
        if a is None:
            changed.append(FileChange(path, "added", 0, b.size_bytes, b.owner, b.cause))
        elif a.size_bytes != b.size_bytes:
            change = _by_size(a.size_bytes, b.size_bytes)
            changed.append(FileChange(path, change, a.size_bytes, b.size_bytes, b.owner, b.cause))
    for path, a in before.items():
        if path not in after:
            changed.append(FileChange(path, "removed", a.size_bytes, 0, a.owner, a.cause))
    changed.sort(key=lambda f: (-abs(f.delta_bytes), f.path))
    shown, others = changed[:top], changed[top:]
    rest = FileRest(
        file_count=len(others),
        before_bytes=sum(f.before_bytes for f in others),
        after_bytes=sum(f.after_bytes for f in others),
    )
    return tuple(shown), rest


__all__ = ["TOP_FILES", "check_growth", "compare", "diff", "parse_growth"]
