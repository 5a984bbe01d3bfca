"""JT303: torchvision or torchaudio installed but never imported.

Why it matters: both are routinely copied along with torch from install instructions.
torchvision brings its image ops and Pillow, torchaudio its own native libraries; each CUDA
build links CUDA kernels of its own. A service that imports neither ships them for nothing.

Needs the import scan: when it found no source (``ctx.imports`` empty), the rule stays
silent rather than call everything unused. When the build context holds only part of the
shipped code (:mod:`jettison.lint.codeview`), the finding is ``info``, says why, and claims
no saving: the missing code may import them.
"""

from __future__ import annotations

from collections.abc import Iterator

from jettison.facts.packages import TORCH_ADDONS
from jettison.lint.model import Finding, LintContext, Rule, Severity
from jettison.lint.packages import finding_at, partial_code, production_packages, used_names
from jettison.lint.savings import saving_once


def check(ctx: LintContext) -> Iterator[Finding]:
    if not ctx.imports:
        return
    claimed: set[str] = set()
    packages = production_packages(ctx)
    used = used_names(ctx, packages)
    partial = partial_code(ctx)
    for declared in packages:
        if declared.name not in TORCH_ADDONS or declared.name in used:
            continue
        module = declared.name  # torchvision and torchaudio import under their own names
        if partial is not None:
            yield finding_at(
                RULE,
                ctx,
                declared,
                f"{declared.name} is installed but the Python files scanned never import "
                f"{module}; {partial}, so it may be imported there",
                fix=f"Check whether the service imports {module}; remove {declared.name} if not.",
                severity=Severity.INFO,
            )
            continue
        yield finding_at(
            RULE,
            ctx,
            declared,
            f"{declared.name} is installed but the shipped code never imports {module}",
            fix=f"Remove {declared.name} from the production dependencies.",
            saving=saving_once(ctx, claimed, declared.name),
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
