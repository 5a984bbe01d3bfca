"""JT609: the user the image runs as may ``sudo`` without a password.

Why it matters: ``echo "app ALL=(ALL) NOPASSWD: ALL" >> /etc/sudoers`` followed by
``USER app`` looks unprivileged and is not: any code that runs as ``app`` (a compromised
dependency, a pickle, a template) becomes root with ``sudo``, so the ``USER`` switch
protects nothing. Give the service the few capabilities or files it needs instead, at build
time, as root.

Read from the final image's RUN lines (and the scripts of the build context they run) and
from sudoers files it copies in. A warning when the grant covers the image's final
``USER`` (by name, through a group it was added to, or ``ALL``); ``info`` when it covers
another user the image does not run as.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator
from dataclasses import dataclass

from jettison.dockerfile.commands.system import group_memberships, nopasswd_grantees
from jettison.dockerfile.copies import copy_parts, local_sources
from jettison.dockerfile.model import Instruction
from jettison.dockerfile.paths import absolute, covers
from jettison.dockerfile.steps import Step, expand, runtime_steps
from jettison.hostpaths import is_dir
from jettison.lint.helpers import commands_traced
from jettison.lint.model import Finding, LintContext, Rule, Severity

SUDOERS = ("/etc/sudoers", "/etc/sudoers.d")
ADMIN_GROUPS = frozenset({"sudo", "wheel", "admin"})
"""Groups a stock sudoers file already lets run anything (with a password)."""


@dataclass(frozen=True, slots=True)
class Grant:
    instruction: Instruction
    grantee: str


def check(ctx: LintContext) -> Iterator[Finding]:
    dockerfile = ctx.dockerfile
    if dockerfile is None:
        return
    grants: list[Grant] = []
    groups: set[tuple[str, str]] = set()
    user: str | None = None
    for step in runtime_steps(dockerfile):
        instruction = step.instruction
        if instruction.keyword == "USER" and instruction.args:
            user = expand(instruction.args[0], step.env).split(":", 1)[0]
        elif instruction.keyword == "RUN":
            for executed in commands_traced(ctx, step):
                command = executed.command
                groups.update((expand(u, step.env), g) for u, g in group_memberships(command))
                for arg in command.args:
                    grants.extend(
                        Grant(instruction, expand(g, step.env)) for g in nopasswd_grantees(arg)
                    )
        elif instruction.keyword in {"COPY", "ADD"}:
            grants.extend(_copied(ctx, step))
    for instruction, found in _by_instruction(grants).items():
        yield _finding(ctx, instruction, found, user, groups)


def _by_instruction(grants: list[Grant]) -> dict[Instruction, list[str]]:
    out: dict[Instruction, list[str]] = {}
    for grant in grants:
        out.setdefault(grant.instruction, [])
        if grant.grantee not in out[grant.instruction]:
            out[grant.instruction].append(grant.grantee)
    return out


def _copied(ctx: LintContext, step: Step) -> list[Grant]:
    """NOPASSWD lines of sudoers files a COPY puts under /etc/sudoers*."""
    parts = copy_parts(step.instruction)
    if parts is None:
        return []
    dest = absolute(expand(parts[1], step.env), step.cwd)
    if not any(covers(place, dest) or covers(dest, place) for place in SUDOERS):
        return []
    out: list[Grant] = []
    for source in local_sources(step.instruction):
        path = ctx.context_dir / posixpath.normpath(source.lstrip("/"))
        files = sorted(path.rglob("*")) if is_dir(path) else [path]
        for file in files:
            try:
                text = file.read_text(encoding="utf-8", errors="replace")
            except OSError:
                continue
            out.extend(Grant(step.instruction, g) for g in nopasswd_grantees(text))
    return out


def _covers_user(grantee: str, user: str, groups: set[tuple[str, str]]) -> bool:
    if grantee.upper() == "ALL":
        return True
    if grantee.startswith("%"):
        return (user, grantee[1:]) in groups
    return grantee == user


def _finding(
    ctx: LintContext,
    instruction: Instruction,
    grantees: list[str],
    user: str | None,
    groups: set[tuple[str, str]],
) -> Finding:
    assert ctx.dockerfile is not None
    named = ", ".join(grantees)
    runs_as = user is not None and user.lower() not in {"root", "0"}
    if runs_as and any(_covers_user(g, user or "", groups) for g in grantees):
        message = (
            f"password-less sudo for {named}, and the image runs as {user}: any process can "
            f"become root with `sudo`, so `USER {user}` protects nothing"
        )
        severity = Severity.WARNING
    else:
        message = (
            f"password-less sudo for {named}, a user the image does not run as: whoever "
            "gets a shell as that user is root"
        )
        severity = Severity.INFO
    return RULE.finding(
        ctx.dockerfile.path,
        instruction,
        message,
        fix=(
            "Drop the NOPASSWD grant (and the sudo package); do what needs root in the build, "
            "as root, before `USER`, or give the one capability the service needs."
        ),
        severity=severity,
    )


RULE = Rule(
    code="JT609",
    name="sudo-nopasswd",
    severity=Severity.WARNING,
    summary="The image's USER can sudo without a password, so it is root in effect.",
    check=check,
    example=(
        "FROM python:3.12-slim\n"
        "RUN useradd -m app && apt-get update && apt-get install -y --no-install-recommends "
        "sudo \\\n    && echo 'app ALL=(ALL) NOPASSWD: ALL' > /etc/sudoers.d/app\n"
        "USER app"
    ),
    fix_example="FROM python:3.12-slim\nRUN useradd -m app\nUSER app",
)
