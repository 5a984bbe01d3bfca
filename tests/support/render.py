"""The registry's renderers with the keyword form the tests read best."""

from __future__ import annotations

from collections.abc import Callable

from jettison.render import Look, render


def renderer_for(command: str) -> Callable[..., str]:
    """``render(report, fmt, width=..., color=..., docs_url=...)`` for ``command``'s reports."""

    def draw(report: object, fmt: str, **look: object) -> str:
        return render(command, report, fmt, Look(**look))  # type: ignore[arg-type]

    return draw
