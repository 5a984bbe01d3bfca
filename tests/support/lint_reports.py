"""Lint reports that fill every field, for the renderer and JSON schema tests."""

from __future__ import annotations

from pathlib import Path

from jettison.lint.model import Finding, Saving, Severity
from jettison.lint.report import LintReport, RuleInfo
from jettison.notices import Notice


def _rule_info(
    code: str, name: str, severity: Severity, summary: str, peer: str | None = None
) -> RuleInfo:
    return RuleInfo(code, name, severity, summary, peer)


def make_report() -> LintReport:
    """A lint report of the naive BERT service: every field filled, every severity, savings
    from both sources, a note, a finding without fix, a multi-line instruction, a path with
    characters that need escaping in workflow commands."""
    dockerfile = Path("naive_image/Dockerfile")
    requirements = Path("naive_image/requirements.txt")
    torch_saving = Saving(5_740_461_705, "installed size of torch wheels (package index)")
    findings = (
        Finding(
            "JT201",
            Severity.WARNING,
            "final stage on the full python:3.10 image; python:3.10-slim has the same Python",
            dockerfile,
            5,
            1,
            5,
            fix="FROM python:3.10-slim (install the few build tools you need in a builder stage)",
            saving=Saving(812_000_000, "measured in image build/bert.tar"),
        ),
        Finding(
            "JT101",
            Severity.WARNING,
            "apt lists kept in the image: rm -rf /var/lib/apt/lists/* in the same RUN",
            dockerfile,
            6,
            1,
            7,
            fix="append && rm -rf /var/lib/apt/lists/* to this RUN",
        ),
        Finding(
            "JT001",
            Severity.ERROR,
            "unknown instruction COPPY: docker build fails here",
            dockerfile,
            9,
            3,
            9,
            fix="Did you mean COPY?",
        ),
        Finding(
            "JT601",
            Severity.INFO,
            "no USER: the service runs as root",
            dockerfile,
            14,
            1,
            None,
        ),
        Finding(
            "JT302",
            Severity.WARNING,
            "torch from the default index pulls CUDA wheels, but nothing uses a GPU: 100% CPU",
            requirements,
            3,
            1,
            None,
            fix="install from https://download.pytorch.org/whl/cpu",
            saving=torch_saving,
        ),
        Finding(
            "JT301",
            Severity.WARNING,
            "pytest is a test tool, installed in production",
            requirements,
            17,
            1,
            None,
            fix="move it to requirements-dev.txt",
            saving=Saving(1_448_730, "installed size of pytest wheels (package index)"),
        ),
        Finding(
            "JT301",
            Severity.WARNING,
            "pytest is a test tool, installed in production",
            Path("svc, a:b/requirements.txt"),
            2,
            1,
            None,
        ),
    )
    rules = (
        _rule_info("JT001", "unknown-instruction", Severity.ERROR, "Unknown instruction."),
        _rule_info("JT101", "apt-lists-not-removed", Severity.WARNING, "Apt lists.", "DL3009"),
        _rule_info("JT201", "full-python-base", Severity.WARNING, "Full python base."),
        _rule_info("JT301", "dev-tools-in-production", Severity.WARNING, "Dev tools in prod."),
        _rule_info("JT302", "cuda-torch-on-cpu", Severity.WARNING, "CUDA torch on CPU."),
        _rule_info("JT601", "no-user", Severity.INFO, "No USER."),
    )
    return LintReport(
        findings=findings,
        ignored_count=2,
        files=(dockerfile, requirements, Path("svc, a:b/requirements.txt")),
        rules_run=rules,
        saving_bytes=sum(f.saving.size_bytes for f in findings if f.saving is not None),
        notices=(
            Notice(
                Severity.ERROR,
                "internal error: rule JT999 (x) failed with KeyError: 'y'",
                kind="rule-failed",
                subject="JT999",
            ),
        ),
    )


def make_empty_report() -> LintReport:
    return LintReport(
        findings=(),
        ignored_count=0,
        files=(Path("Dockerfile"),),
        rules_run=(_rule_info("JT001", "unknown-instruction", Severity.ERROR, "Unknown."),),
        saving_bytes=0,
    )
