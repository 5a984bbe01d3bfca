"""JT603: ``ADD`` of a remote URL.

Why it matters: the download lands in a layer of its own, where it stays forever (a remote
archive is not even extracted), and without ``--checksum`` nothing checks that the bytes
are the ones expected: a moved or compromised URL changes the image silently. A RUN that
downloads, verifies, uses and deletes the file in one layer ships only the result. This
is hadolint's DL3020 idea (prefer COPY) taken to URLs, which DL3020 leaves alone, so
there is no peer.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from jettison.dockerfile.steps import all_steps
from jettison.lint.helpers import stage_label
from jettison.lint.model import Finding, LintContext, Rule, Severity

_URL = re.compile(r"^(?:https?|ftp)://", re.IGNORECASE)
_GIT = re.compile(r"(?:\.git(?:[#?].*)?$|^git@)", re.IGNORECASE)


def check(ctx: LintContext) -> Iterator[Finding]:
    if ctx.dockerfile is None:
        return
    for step in all_steps(ctx.dockerfile):
        instruction = step.instruction
        if instruction.keyword != "ADD" or len(instruction.args) < 2:
            continue
        urls = [a for a in instruction.args[:-1] if _URL.match(a) and not _GIT.search(a)]
        if not urls:
            continue
        verified = instruction.flag("checksum") is not None
        if verified and not step.runtime:
            continue  # a verified download in a builder stage costs the image nothing
        problem = "stays in its own layer" + ("" if verified else " and is not verified")
        yield RULE.finding(
            ctx.dockerfile.path,
            instruction,
            f"ADD downloads {', '.join(urls)} in {stage_label(step.stage)}: the file {problem}",
            fix=(
                "Download in a RUN that checks, uses and removes it (`curl -fsSLO URL && "
                "echo 'SHA256  FILE' | sha256sum -c && ... && rm FILE`), or at least use "
                "`ADD --checksum=sha256:...`."
            ),
            severity=Severity.INFO if verified else None,
        )


RULE = Rule(
    code="JT603",
    name="add-remote-url",
    severity=Severity.WARNING,
    summary="`ADD https://...` keeps an unverified download in its own layer.",
    check=check,
    example="ADD https://example.com/model.tar.gz /opt/",
    fix_example=(
        "RUN curl -fsSLO https://example.com/model.tar.gz \\\n"
        "    && echo '<sha256>  model.tar.gz' | sha256sum -c - \\\n"
        "    && tar -xzf model.tar.gz -C /opt && rm model.tar.gz"
    ),
)
