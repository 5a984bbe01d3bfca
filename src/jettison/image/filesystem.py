"""The merged filesystem of an image: layers applied bottom-up, as a container runtime sees it.

Rules (OCI image spec, "Applying changesets"), in the order applied within each layer:

1. whiteouts and opaque markers of a layer act on the layers *below* it, never on entries of
   the same layer, so they are applied before the layer's own entries;
2. ``.wh.NAME`` deletes NAME and, when it is a directory, everything below it;
3. ``.wh..wh..opq`` empties a directory of everything the lower layers put in it;
4. an entry replaces the entry at the same path; a directory over a directory merges (only
   metadata changes), anything else over a directory replaces the whole subtree.

Everything taken away on the way is recorded as :class:`Hidden`: bytes that are shipped in a
lower layer (and pulled) but can never be seen in the container.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property

from jettison.image.model import EntryKind, FileEntry
from jettison.image.skipped import Skipped

MAX_SYMLINK_HOPS = 40
"""Linux's limit on symlinks followed while resolving one path (ELOOP)."""


@dataclass(frozen=True, slots=True)
class Hidden:
    """An entry shipped in a layer but hidden in the final filesystem."""

    entry: FileEntry
    by_layer: int
    cause: str
    """``overwritten``, ``deleted`` (a whiteout) or ``opaque`` (an opaque directory)."""


class MergedFilesystem:
    """The final tree of an image, built from per-layer listings in one linear pass."""

    def __init__(self, layers: Sequence[Sequence[FileEntry]]) -> None:
        self._state: dict[str, FileEntry] = {}
        self._children: dict[str, set[str]] = {}
        self._link_targets: dict[str, FileEntry] = {}
        """Hard link path -> the regular file it shares data with, as it was when linked."""
        self.hidden: list[Hidden] = []
        self.skipped: list[Skipped] = []
        for index, entries in enumerate(layers):
            self._apply(index, entries)
        self._check_hardlinks()

    # -- building -------------------------------------------------------------------------

    def _apply(self, index: int, entries: Sequence[FileEntry]) -> None:
        for entry in entries:
            if entry.kind is EntryKind.OPAQUE:
                for child in list(self._children.get(entry.path, ())):
                    self._remove(child, index, "opaque")
            elif entry.kind is EntryKind.WHITEOUT:
                self._remove(entry.path, index, "deleted")
        for entry in entries:
            if entry.kind in (EntryKind.OPAQUE, EntryKind.WHITEOUT):
                continue
            old = self._state.get(entry.path)
            if old is not None:
                if old.kind is EntryKind.DIR and entry.kind is EntryKind.DIR:
                    self._state[entry.path] = entry
                    continue
                self._remove(entry.path, index, "overwritten")
            elif entry.kind is not EntryKind.DIR and self._children.get(entry.path):
                # A directory implied only by its children (no entry of its own) is replaced
                # just the same: its subtree goes.
                self._remove(entry.path, index, "overwritten")
            self._add(entry)

    def _add(self, entry: FileEntry) -> None:
        path = entry.path
        self._state[path] = entry
        self._link_targets.pop(path, None)  # a link re-added at this path starts afresh
        if entry.kind is EntryKind.HARDLINK:
            target = self._state.get(entry.link_target or "")
            if target is None or target.kind is not EntryKind.FILE:
                self.skipped.append(
                    Skipped(
                        path,
                        f"hard link to missing target {entry.link_target!r}",
                        entry.layer_index,
                    )
                )
            else:
                self._link_targets[path] = target
        # Register the path with its parents, creating implicit directories as needed.
        while path:
            parent = posixpath.dirname(path)
            siblings = self._children.setdefault(parent, set())
            if path in siblings:
                break
            siblings.add(path)
            ancestor = self._state.get(parent)
            if ancestor is not None and ancestor.kind not in (EntryKind.DIR, EntryKind.SYMLINK):
                # A file stood where a directory is now needed: the runtime replaces it.
                self._forget(parent, entry.layer_index, "overwritten")
            path = parent

    def _forget(self, path: str, by_layer: int, cause: str) -> None:
        old = self._state.pop(path, None)
        if old is not None:
            self.hidden.append(Hidden(old, by_layer, cause))

    def _remove(self, path: str, by_layer: int, cause: str) -> None:
        """Remove ``path`` and its subtree, recording what was hidden."""
        stack = [path]
        while stack:
            current = stack.pop()
            self._forget(current, by_layer, cause)
            stack.extend(self._children.pop(current, ()))
        parent_children = self._children.get(posixpath.dirname(path))
        if parent_children is not None:
            parent_children.discard(path)

    def _check_hardlinks(self) -> None:
        for path in list(self._link_targets):
            entry = self._state.get(path)
            if entry is None or entry.kind is not EntryKind.HARDLINK:
                del self._link_targets[path]

    # -- reading --------------------------------------------------------------------------

    def get(self, path: str) -> FileEntry | None:
        return self._state.get(path)

    def entries(self) -> Iterator[FileEntry]:
        return iter(self._state.values())

    def is_dir(self, path: str) -> bool:
        entry = self._state.get(path)
        return (entry is not None and entry.kind is EntryKind.DIR) or (
            entry is None and path in self._children
        )

    def children(self, path: str) -> Iterable[str]:
        return self._children.get(path, ())

    def owned_bytes(self, entry: FileEntry) -> int:
        """Bytes this entry contributes to the final filesystem.

        A hard link shares its target's data, so it counts 0 while the target is visible; when
        a later layer deleted the target, or replaced it with another file, but left the link,
        the link alone keeps the old data and carries its bytes.
        """
        if entry.kind is EntryKind.FILE:
            return entry.size_bytes
        if entry.kind is EntryKind.HARDLINK and self._carriers.get(entry.path) is not None:
            return self._link_targets[entry.path].size_bytes
        return 0

    @cached_property
    def _carriers(self) -> dict[str, FileEntry]:
        """Surviving hard link path -> the file whose data it alone keeps alive.

        When several links outlive their target, the first by path carries the bytes, so the
        data is counted once.
        """
        carriers: dict[str, FileEntry] = {}
        taken: set[int] = set()
        for path in sorted(self._link_targets):
            linked = self._link_targets[path]
            entry = self._state.get(path)
            if entry is None or entry.kind is not EntryKind.HARDLINK:
                continue
            if self._state.get(entry.link_target or "") is linked or id(linked) in taken:
                continue
            taken.add(id(linked))
            carriers[path] = linked
        return carriers

    def carried(self, hidden: Hidden) -> bool:
        """True when a hidden file's data lives on through a surviving hard link (it is then
        counted in the final filesystem, not as shadowed)."""
        return id(hidden.entry) in self._carried_ids

    @cached_property
    def _carried_ids(self) -> frozenset[int]:
        return frozenset(id(linked) for linked in self._carriers.values())

    def total_bytes(self) -> int:
        return sum(self.owned_bytes(e) for e in self._state.values())

    def hidden_bytes(self) -> int:
        """Bytes shipped but not visible (data kept alive by a hard link is visible)."""
        return sum(h.entry.size_bytes for h in self.hidden if not self.carried(h))

    def resolve(self, path: str) -> str | None:
        """Resolve symlinks in every component of ``path`` (absolute or root-relative).

        Returns the root-relative path of what it names, or None when a component is
        missing or symlinks loop (more than ``MAX_SYMLINK_HOPS``).
        """
        pending = [p for p in path.split("/") if p not in ("", ".")]
        pending.reverse()
        resolved: list[str] = []
        hops = 0
        while pending:
            part = pending.pop()
            if part == "..":
                if resolved:
                    resolved.pop()
                continue
            candidate = "/".join([*resolved, part])
            entry = self._state.get(candidate)
            if entry is not None and entry.kind is EntryKind.SYMLINK:
                hops += 1
                if hops > MAX_SYMLINK_HOPS:
                    return None
                target = entry.link_target or ""
                parts = [p for p in target.split("/") if p not in ("", ".")]
                if target.startswith("/"):
                    resolved = []
                pending.extend(reversed(parts))
                continue
            if entry is None and candidate not in self._children:
                return None
            resolved.append(part)
        return "/".join(resolved)
