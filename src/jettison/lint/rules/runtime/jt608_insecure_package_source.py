"""JT608: package verification or transport security turned off.

Why it matters: ``apt-get install --allow-unauthenticated``, an apt source marked
``[trusted=yes]``, ``apk add --allow-untrusted``, ``dnf --nogpgcheck``, ``pip install
--trusted-host``, ``curl -k``, ``wget --no-check-certificate`` and ``git -c
http.sslVerify=false`` accept whatever answers on the network: a mirror, a proxy or anyone
on the path can hand the build a different package, and it ends up in the image with
nobody noticing. Environment settings that do the same for every later command
(``PIP_TRUSTED_HOST``, ``GIT_SSL_NO_VERIFY``, ``PYTHONHTTPSVERIFY=0``,
``NODE_TLS_REJECT_UNAUTHORIZED=0``) count too. A plain ``http://`` Debian or Ubuntu mirror
is fine: apt checks the signed Release files whatever the transport.

Reported as errors in the stages whose files reach the final image (its own and those it
copies from), including the scripts of the build context their RUN lines run; ``info`` in
stages nothing is taken from.
"""

from __future__ import annotations

from collections.abc import Iterator

from jettison.dockerfile.commands.downloads import insecure_env, insecure_transfer
from jettison.dockerfile.commands.python import conda_insecure, trusted_hosts
from jettison.dockerfile.commands.system import insecure_package_options
from jettison.dockerfile.images import feeding_stages
from jettison.dockerfile.model import Dockerfile, Instruction
from jettison.dockerfile.shell import Command
from jettison.dockerfile.steps import all_steps, assignment_items
from jettison.lint.helpers import commands_traced, shown
from jettison.lint.model import Finding, LintContext, Rule, Severity


def check(ctx: LintContext) -> Iterator[Finding]:
    dockerfile = ctx.dockerfile
    if dockerfile is None:
        return
    feeding = feeding_stages(dockerfile)
    for instruction in dockerfile.global_args:
        problems = _settings(instruction)
        if problems:  # a global ARG reaches every stage that declares it
            yield _finding(dockerfile, instruction, problems, Severity.ERROR)
    for step in all_steps(dockerfile):
        instruction = step.instruction
        if instruction.keyword == "RUN":
            executed = commands_traced(ctx, step)
            problems = [p for e in executed for p in _command(e.command, e.via)]
        else:
            problems = _settings(instruction)
        if problems:
            severity = Severity.ERROR if step.stage.index in feeding else Severity.INFO
            yield _finding(dockerfile, instruction, problems, severity)


def _finding(
    dockerfile: Dockerfile, instruction: Instruction, problems: list[str], severity: Severity
) -> Finding:
    where = "" if severity is Severity.ERROR else " (in a stage the final image takes nothing from)"
    return RULE.finding(
        dockerfile.path,
        instruction,
        "; ".join(dict.fromkeys(problems))
        + f"{where}: whatever answers on the network ends up in the image unverified",
        fix=(
            "Remove the option and fix the cause: import the repository's signing key "
            "(signed-by=), install the CA certificate the proxy uses (ca-certificates, "
            "PIP_CERT/REQUESTS_CA_BUNDLE), and use https indexes."
        ),
        severity=severity,
    )


def _command(command: Command, via: str | None) -> list[str]:
    where = f" (in {via})" if via else ""
    said = f"`{shown(command)}`{where}"
    out = [f"{said}: {what}" for what in insecure_package_options(command)]
    out.extend(
        f"{said}: pip trusts {host} without TLS verification" for host in trusted_hosts(command)
    )
    out.extend(
        f"{said}: {what}"
        for what in (conda_insecure(command), insecure_transfer(command))
        if what is not None
    )
    return out


def _settings(instruction: Instruction) -> list[str]:
    """What an ``ENV``/``ARG`` turns off for every later command."""
    if instruction.keyword not in {"ENV", "ARG"}:
        return []
    return [
        f"{instruction.keyword} {name}: {what}"
        for name, value in assignment_items(instruction)
        if value is not None and (what := insecure_env(name, value)) is not None
    ]


RULE = Rule(
    code="JT608",
    name="insecure-package-source",
    severity=Severity.ERROR,
    summary="Package signatures or TLS verification are turned off (--allow-unauthenticated, "
    "--trusted-host, curl -k, [trusted=yes]).",
    check=check,
    example=(
        "FROM ubuntu:24.04\n"
        "RUN apt-get update && apt-get install -y --allow-unauthenticated --no-install-recommends"
        " wget \\\n    && rm -rf /var/lib/apt/lists/*"
    ),
    fix_example=(
        "FROM ubuntu:24.04\n"
        "RUN apt-get update && apt-get install -y --no-install-recommends wget \\\n"
        "    && rm -rf /var/lib/apt/lists/*"
    ),
)
