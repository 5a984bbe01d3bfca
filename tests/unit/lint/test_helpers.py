"""What lint's rules share: stage labels, scoped severities, sizes, the saving claimed once."""

from __future__ import annotations

from pathlib import Path

from jettison.dockerfile.parser import parse_dockerfile
from jettison.lint.helpers import human, scoped_severity, shown, stage_label, with_saving
from jettison.lint.model import Finding, LintContext, Rule, Saving, Severity
from jettison.lint.savings import saving_once
from jettison.requirements.model import RequirementSet
from support.commands import command
from support.files import write


def _rule() -> Rule:
    return Rule("JT999", "x", Severity.WARNING, "x", check=lambda ctx: iter(()))


def test_stage_labels_and_severities(tmp_path: Path) -> None:
    path = write(tmp_path, "Dockerfile", "FROM python:3.11 AS build\nFROM python:3.11-slim\n")
    build, final = parse_dockerfile(path).stages
    assert stage_label(build) == 'stage "build"'
    assert stage_label(final) == "stage 2 (python:3.11-slim)"
    assert scoped_severity(_rule(), runtime=True) is Severity.WARNING
    assert scoped_severity(_rule(), runtime=False) is Severity.INFO


def test_sizes_and_commands_in_messages() -> None:
    assert [human(n) for n in (999, 1_500_000, 12_345_678_901)] == ["999 B", "1.5 MB", "12.3 GB"]
    assert shown(command("pip install flask")) == "pip install flask"
    assert shown(command("pip install " + "x" * 80)).endswith("...")
    assert len(shown(command("pip install " + "x" * 80))) == 60


def test_a_saving_goes_on_the_last_finding_only(tmp_path: Path) -> None:
    findings = [Finding("JT999", Severity.INFO, "m", tmp_path, n) for n in (1, 2)]
    saving = Saving(10, "measured")
    assert [f.saving for f in with_saving(findings, saving)] == [None, saving]
    assert with_saving(findings, None) == findings


def test_saving_once() -> None:
    ctx = LintContext(None, Path(), RequirementSet((), ()), sizes=lambda name, spec: 5)
    claimed: set[str] = set()
    assert saving_once(ctx, claimed, "torchvision") == Saving(
        5, "installed size of torchvision wheels (package index)"
    )
    assert saving_once(ctx, claimed, "torchvision") is None
