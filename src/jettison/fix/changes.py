"""One change ``fix`` makes: the lint code(s) it resolves, what it does, what it saves.

A change's code is the lint code it resolves (``JT302``), several space-separated when one
edit resolves several (``JT101 JT102``), or, for an edit no lint rule asks for, a lowercase
tag: ``removable:<causes>`` (inspect's removable causes the edit leaves out) and ``cuda``
(which CUDA stack the image keeps; see :mod:`jettison.fix.bases`).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Change:
    code: str
    description: str
    saving_bytes: int | None = None
    """What lint estimated the finding(s) this change resolves would save, when it measured
    it (see :mod:`jettison.fix.savings`); None when unknown or when the change saves
    nothing (a non-root user, weights kept on purpose)."""

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(self.code.split())
