"""``jettison lint`` renderers: pure functions from a :class:`LintReport` to text."""

from __future__ import annotations

from jettison.lint.report import LintReport

LINT_FORMATS = ("tty", "json", "sarif", "github")


def render_lint(
    report: LintReport,
    fmt: str,
    *,
    width: int = 100,
    color: bool = False,
    docs_url: str | None = None,
) -> str:
    """``report`` in format ``fmt`` (one of :data:`LINT_FORMATS`).

    ``width`` and ``color`` apply to ``tty`` only; ``docs_url`` (where the rules page is
    published) fills the SARIF help links. An unknown ``fmt`` is a programming error.
    """
    if fmt == "tty":  # rich is imported for the terminal report only
        from jettison.render.lint_tty import render_lint_tty

        return render_lint_tty(report, width=width, color=color)
    if fmt == "json":
        from jettison.render.lint_json import render_lint_json

        return render_lint_json(report)
    if fmt == "sarif":
        from jettison.render.lint_sarif import render_lint_sarif

        return render_lint_sarif(report, docs_url=docs_url)
    if fmt == "github":
        from jettison.render.lint_github import render_lint_github

        return render_lint_github(report)
    raise ValueError(f"unknown format {fmt!r}; expected one of: {', '.join(LINT_FORMATS)}")
