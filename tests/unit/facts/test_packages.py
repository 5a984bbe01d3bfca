"""Package facts: one dev-tool table for lint, fix, plan and inspect."""

from __future__ import annotations

import pytest
from packaging.utils import canonicalize_name

from jettison.facts.packages import INSTALLER_TOOLS, dev_tool_kind, used_without_import
from jettison.inspect.removable.dev_tools import is_dev_tool


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("pytest", "test tool"),
        ("pytest-cov", "test tool"),
        ("nbformat", "notebook tool"),
        ("mccabe", "formatter/linter"),
        ("types-requests", "type stubs"),
        ("pandas-stubs", "type stubs"),
        ("sphinxcontrib-napoleon", "development tool"),
        ("twine", "development tool"),
        ("torch", None),
    ],
)
def test_dev_tool_kind(name: str, kind: str | None) -> None:
    assert dev_tool_kind(name) == kind
    # inspect's dev-tools cause reads the same table (it canonicalises names itself)
    assert is_dev_tool(name.upper()) is (kind is not None)


def test_used_without_import() -> None:
    assert used_without_import("uvicorn")
    assert used_without_import("nvidia-cublas-cu12")
    assert not used_without_import("matplotlib")


def test_installer_tools_are_canonical_names() -> None:
    """Its readers compare canonical distribution names (``poetry_core`` is ``poetry-core``)."""
    assert {canonicalize_name(name) for name in INSTALLER_TOOLS} == INSTALLER_TOOLS
