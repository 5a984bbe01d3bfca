"""JT309: production packages the shipped code never imports.

Why it matters: a requirements file grows by copy and paste; matplotlib, seaborn or pandas
left over from a notebook ship in every image (with their own dependencies) although no
module of the service imports them.

"Used" means: imported by the shipped code (mapped to distributions by the import scan, so
``cv2`` counts for opencv-python and ``sklearn`` for scikit-learn), named as a program in
CMD/ENTRYPOINT, or on the list of packages that work without being imported (servers and
their workers, database drivers picked by URL, framework plug-ins, lazily loaded model and
I/O backends). Extend the list with ``options = { JT309 = { allow = ["name"] } }``.
Development tools (JT301) and torchvision/torchaudio (JT303) are left to their own rules.

Needs the import scan: when it found no source (``ctx.imports`` empty), the rule stays
silent rather than call everything unused. A package that other kept packages depend on
(numpy under transformers) is reported at info level and without a saving, since removing
its line would not uninstall it.
"""

from __future__ import annotations

from collections.abc import Iterator

from jettison.dockerfile.shell import split_commands
from jettison.facts.packages import (
    COMMON_DEPENDENTS,
    TORCH_ADDONS,
    dev_tool_kind,
    used_without_import,
)
from jettison.lint.model import Finding, LintContext, Rule, Severity
from jettison.lint.packages import (
    Declared,
    finding_at,
    production_instructions,
    production_packages,
)
from jettison.lint.savings import saving_once


def _allowed(ctx: LintContext) -> frozenset[str]:
    value = ctx.option("JT309", "allow")
    if isinstance(value, list | tuple):
        return frozenset(str(v).lower().replace("_", "-") for v in value)
    return frozenset()


def _programs(ctx: LintContext) -> set[str]:
    """Programs and ``-m`` modules the image's CMD/ENTRYPOINT run."""
    out: set[str] = set()
    for instruction in production_instructions(ctx, "CMD", "ENTRYPOINT"):
        commands = (
            [instruction.args]
            if instruction.json
            else [c.argv for c in split_commands(instruction.shell_text)]
        )
        for argv in commands:
            words = list(argv)
            if words:
                out.add(words[0].rsplit("/", 1)[-1].lower())
            if "-m" in words[:-1]:
                out.add(words[words.index("-m") + 1].split(".")[0].lower())
    return {p.replace("_", "-") for p in out}


def _candidates(ctx: LintContext, packages: list[Declared]) -> list[Declared]:
    allowed = _allowed(ctx)
    programs = _programs(ctx)
    return [
        d
        for d in packages
        if d.name not in ctx.used_distributions
        and d.name not in allowed
        and d.name not in programs
        and not used_without_import(d.name)
        and dev_tool_kind(d.name) is None
        and d.name not in TORCH_ADDONS
    ]


def check(ctx: LintContext) -> Iterator[Finding]:
    if not ctx.imports:
        return
    packages = production_packages(ctx)
    unused = _candidates(ctx, packages)
    gone = {d.name for d in unused} | {
        d.name
        for d in packages
        if dev_tool_kind(d.name)
        or (d.name in TORCH_ADDONS and d.name not in ctx.used_distributions)
    }
    kept = ({d.name for d in packages} - gone) | set(ctx.used_distributions)
    claimed: set[str] = set()
    for declared in unused:
        users = sorted(COMMON_DEPENDENTS.get(declared.name, frozenset()) & kept)
        if users:
            yield finding_at(
                RULE,
                ctx,
                declared,
                f"{declared.name} is declared but the shipped code never imports it; "
                f"{', '.join(users)} still {'pulls' if len(users) == 1 else 'pull'} it in, "
                "so the line only hides a dependency",
                fix=f"Remove {declared.name} from the production requirements.",
                severity=Severity.INFO,
            )
            continue
        saving = saving_once(ctx, claimed, declared.name)
        yield finding_at(
            RULE,
            ctx,
            declared,
            f"{declared.name} is declared but the shipped code never imports it",
            fix=(
                f"Remove {declared.name} from the production requirements (if it is used "
                "without an import, say so: "
                f'options = {{ JT309 = {{ allow = ["{declared.name}"] }} }}).'
            ),
            saving=saving,
        )


RULE = Rule(
    code="JT309",
    name="unused-requirement",
    severity=Severity.WARNING,
    summary="Production packages that the shipped code never imports (matplotlib, seaborn...).",
    check=check,
    example="# requirements.txt\nflask==3.0.3\nmatplotlib==3.9.2\nseaborn==0.13.2\n"
    "# app.py imports only flask",
    fix_example="# requirements.txt\nflask==3.0.3",
)
