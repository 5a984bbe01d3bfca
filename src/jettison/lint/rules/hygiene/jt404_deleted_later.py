"""JT404: files deleted by a later RUN than the instruction that added them.

Why it matters: layers only add. ``COPY big.tar.gz`` followed by ``RUN rm big.tar.gz``, or a
``wget`` in one RUN and its ``rm`` in the next, ships the file anyway: the delete only
hides it (a whiteout in the new layer). Delete in the same RUN that creates the file, mount
it for the one RUN that needs it (``RUN --mount=type=bind``), or leave it out of the
context. Only the stages of the final image are checked; a path counts when the
Dockerfile (or the build context, for ``COPY .``) shows that an earlier instruction added it.
Deletes measured in the build context at under 1 MB in all are reported as ``info``: they
are layer hygiene more than size.
"""

from __future__ import annotations

from collections.abc import Iterator

from jettison.dockerfile.commands.cleanup import removed_paths
from jettison.dockerfile.shell import Command
from jettison.dockerfile.steps import Step
from jettison.lint.helpers import human
from jettison.lint.model import Finding, LintContext, Rule, Severity
from jettison.lint.rules.hygiene._created import reached_later
from jettison.lint.savings import hidden_saving

SHOWN = 4
SMALL_BYTES = 1_000_000
"""Below this (known from the build context), a later delete is reported as ``info``."""


def _deleted(command: Command, step: Step) -> list[str]:
    return [t for t in removed_paths(command, step.cwd, step.env) if t != "/"]


def check(ctx: LintContext) -> Iterator[Finding]:
    if ctx.dockerfile is None:
        return
    for step, reached in reached_later(ctx, _deleted):
        hits = [(target, origin) for _, target, origin in reached]
        sizes = [origin.context_bytes(target) for target, origin in hits]
        described = [
            f"{target} ({origin.how} on line {origin.instruction.position.line}"
            + (f", {human(size)}" if size is not None else "")
            + ")"
            for (target, origin), size in list(zip(hits, sizes, strict=True))[:SHOWN]
        ]
        if len(hits) > SHOWN:
            described.append(f"{len(hits) - SHOWN} more")
        yield RULE.finding(
            ctx.dockerfile.path,
            step.instruction,
            f"this RUN deletes {', '.join(described)}, added by an earlier layer: the bytes "
            "still ship in that layer",
            fix=(
                "Delete files in the RUN that creates them, use `RUN --mount=type=bind` for "
                "files only one RUN needs, or keep them out of the build (.dockerignore, a "
                "narrower COPY, a builder stage)."
            ),
            saving=hidden_saving(ctx, [target for target, _ in hits]),
            severity=Severity.INFO if _small(sizes) else None,
        )


def _small(sizes: list[int | None]) -> bool:
    """Every deleted path was measured in the build context, and all together are small:
    a layer-hygiene nit rather than a size problem."""
    return all(s is not None for s in sizes) and sum(s or 0 for s in sizes) < SMALL_BYTES


RULE = Rule(
    code="JT404",
    name="deleted-in-later-layer",
    severity=Severity.WARNING,
    summary="A file is deleted in a later RUN than the one that added it: it still ships.",
    check=check,
    example=(
        "COPY model.tar.gz /tmp/\n"
        "RUN tar -xzf /tmp/model.tar.gz -C /opt/model\n"
        "RUN rm /tmp/model.tar.gz"
    ),
    fix_example=(
        "RUN --mount=type=bind,source=model.tar.gz,target=/tmp/model.tar.gz \\\n"
        "    mkdir -p /opt/model && tar -xzf /tmp/model.tar.gz -C /opt/model"
    ),
)
