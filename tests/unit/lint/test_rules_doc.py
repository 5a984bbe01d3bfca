"""docs/rules.md is generated from the registry; fail when it is stale or a rule is undocumented."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from jettison.lint.docs import main, render_rules_doc
from jettison.lint.model import FAMILIES, Severity
from jettison.lint.rules import RULES

from ._helpers import make_rule

ROOT = Path(__file__).resolve().parents[3]
DOC = ROOT / "docs" / "rules.md"


def test_rules_doc_is_current() -> None:
    assert DOC.read_text(encoding="utf-8") == render_rules_doc(RULES), (
        "docs/rules.md is stale; run .venv/bin/python -m jettison.lint.docs"
    )


def test_codes_and_names_are_unique_and_well_formed() -> None:
    codes = [rule.code for rule in RULES]
    names = [rule.name for rule in RULES]
    assert len(set(codes)) == len(codes)
    assert len(set(names)) == len(names)
    for rule in RULES:
        assert re.fullmatch(r"JT\d{3}", rule.code), rule.code
        assert rule.code[:3] in FAMILIES, rule.code
        assert re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", rule.name), rule.name


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.code)
def test_every_rule_is_documented(rule: object) -> None:
    from jettison.lint.model import Rule

    assert isinstance(rule, Rule)
    assert rule.summary.strip(), f"{rule.code}: no summary"
    assert rule.example.strip(), f"{rule.code}: no example for the docs"
    assert rule.fix_example.strip(), f"{rule.code}: no fixed example for the docs"


def test_layout_of_a_section() -> None:
    rule = make_rule("JT101", lambda ctx: (), Severity.WARNING, name="apt-lists", peer="DL3009")
    text = render_rules_doc([rule])
    assert "| [JT101](#jt101) | apt-lists | warning | DL3009 |" in text
    assert "## JT1xx: Generic size (hadolint parity)" in text
    assert '<a id="jt101"></a>\n\n### JT101 apt-lists' in text
    assert "```dockerfile\nFROM python:3.11\n```" in text
    assert "## JT0xx" not in text  # families without rules are left out


def test_generator_check_mode(tmp_path: Path) -> None:
    target = tmp_path / "rules.md"
    assert main([str(target), "--check"]) == 1
    assert main([str(target)]) == 0
    assert target.read_text(encoding="utf-8") == render_rules_doc(RULES)
    assert main([str(target), "--check"]) == 0
