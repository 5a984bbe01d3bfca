"""JT405: ``chown -R``/``chmod -R`` in a RUN of its own, over files an earlier layer added.

Why it matters: changing the owner or mode of a file rewrites the whole file into the new
layer, so every byte under the path ships twice: once as copied, once as chowned. For a
copied virtualenv or model directory that doubles hundreds of MB. ``COPY --chown``/
``--chmod`` sets both at copy time; a RUN that creates files can fix ownership itself.
"""

from __future__ import annotations

from collections.abc import Iterator

from jettison.dockerfile.commands.options import has_option, positionals
from jettison.dockerfile.paths import absolute
from jettison.dockerfile.shell import Command
from jettison.dockerfile.steps import Step, expand
from jettison.lint.model import Finding, LintContext, Rule, Severity
from jettison.lint.rules.hygiene._created import reached_later
from jettison.lint.savings import hidden_saving

TOOLS = frozenset({"chown", "chmod", "chgrp"})


def recursive_targets(command: Command, step: Step) -> list[str]:
    """The paths of a recursive chown/chmod/chgrp (after the owner or mode)."""
    if command.name not in TOOLS or not has_option(command, "--recursive", "R"):
        return []
    words = positionals(command)
    if not command.has("--reference"):
        words = words[1:]
    return [absolute(expand(w, step.env), step.cwd) for w in words]


def check(ctx: LintContext) -> Iterator[Finding]:
    if ctx.dockerfile is None:
        return
    for step, hits in reached_later(ctx, recursive_targets):
        command, target, origin = hits[0]
        option = "chmod" if command.name == "chmod" else "chown"
        copy_hint = (
            f"`{origin.instruction.keyword} --{option}=...`"
            if origin.instruction.keyword in ("COPY", "ADD")
            else "the RUN that creates the files"
        )
        yield RULE.finding(
            ctx.dockerfile.path,
            step.instruction,
            f"`{command.name} -R` of {target} rewrites what {origin.how} on line "
            f"{origin.instruction.position.line} added: every file under it ships twice",
            fix=f"Set owner and mode at creation instead, with {copy_hint}.",
            saving=hidden_saving(ctx, [t for _, t, _ in hits]),
        )


RULE = Rule(
    code="JT405",
    name="recursive-chown-layer",
    severity=Severity.INFO,
    summary="`chown -R`/`chmod -R` in a separate RUN duplicates the files it touches.",
    check=check,
    example="COPY --from=builder /opt/venv /opt/venv\nRUN chown -R app:app /opt/venv",
    fix_example="COPY --from=builder --chown=app:app /opt/venv /opt/venv",
)
