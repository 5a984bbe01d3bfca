"""JT303: torchvision or torchaudio installed but never imported.

Why it matters: both are routinely copied along with torch from install instructions.
torchvision brings its image ops and Pillow, torchaudio its own native libraries; each CUDA
build links CUDA kernels of its own. A service that imports neither ships them for nothing.

Needs the import scan: when it found no source (``ctx.imports`` empty), the rule stays
silent rather than call everything unused.
"""

from __future__ import annotations

from collections.abc import Iterator

from jettison.facts.packages import TORCH_ADDONS
from jettison.lint.model import Finding, LintContext, Rule, Severity
from jettison.lint.packages import finding_at, production_packages
from jettison.lint.savings import saving_once


def check(ctx: LintContext) -> Iterator[Finding]:
    if not ctx.imports:
        return
    claimed: set[str] = set()
    for declared in production_packages(ctx):
        if declared.name not in TORCH_ADDONS or declared.name in ctx.used_distributions:
            continue
        module = declared.name  # torchvision and torchaudio import under their own names
        saving = saving_once(ctx, claimed, declared.name)
        yield finding_at(
            RULE,
            ctx,
            declared,
            f"{declared.name} is installed but the shipped code never imports {module}",
            fix=f"Remove {declared.name} from the production dependencies.",
            saving=saving,
        )


RULE = Rule(
    code="JT303",
    name="unused-torch-addon",
    severity=Severity.WARNING,
    summary="torchvision or torchaudio installed but never imported by the shipped code.",
    check=check,
    example="# requirements.txt\ntorch==2.7.0\ntorchvision==0.22.0\ntorchaudio==2.7.0",
    fix_example="# requirements.txt\ntorch==2.7.0",
)
