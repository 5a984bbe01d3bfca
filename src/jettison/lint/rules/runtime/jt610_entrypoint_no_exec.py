"""JT610: an entrypoint script that starts the service without ``exec``.

Why it matters: the script's shell stays PID 1 and the service runs as its child. A shell
running a script does not pass ``SIGTERM`` on, so ``docker stop`` and Kubernetes wait out
the grace period and then kill the service: requests in flight are cut, nothing is flushed,
and every deploy or scale-down takes the full timeout. ``exec server ...`` as the last
command replaces the shell, and the service receives the signals itself. A script that
``eval``'s the command it built, or starts the service in the background and ``wait``'s
for it, keeps the shell in between just the same.

Only scripts in the build context are read (the one ``ENTRYPOINT``/``CMD`` starts, and the
scripts it ``exec``'s in turn). A script that traps ``TERM``/``INT`` handles the signals
itself and is left alone, and so is a batch job: the last command must be a known server,
or the image must be a service (it exposes a port, or its start serves HTTP).
"""

from __future__ import annotations

from collections.abc import Iterator

from jettison.dockerfile.scripts import Link
from jettison.dockerfile.shellscript import (
    ScriptCommand,
    final_command,
    script_commands,
    traps_signals,
)
from jettison.dockerfile.steps import runtime_steps
from jettison.lint.model import Finding, LintContext, Rule, Severity
from jettison.lint.rules.runtime._command import links, server_program, service


def _pid1_scripts(found: list[Link]) -> Iterator[Link]:
    """Links that run a shell script as the container's main process: the start command's
    own script, and scripts a PID 1 script ``exec``'s."""
    main = {0}
    for link in found:
        if link.depth not in main:
            continue
        if link.script is not None and link.script.language == "shell":
            yield link
            main.add(link.depth + 1)
        elif link.place is not None and link.place.execs:
            main.add(link.depth + 1)


def _problem(last: ScriptCommand, serves: bool) -> str | None:
    if last.execs:
        return None
    if server_program(last.command) is None and not serves:
        return None  # a batch job, as far as the image tells
    shown = " ".join(last.command.argv[:3])
    if last.evaluated:
        return f"runs `{shown} ...` through eval, without exec"
    if last.background:
        return f"starts `{shown} ...` in the background and waits for it"
    return f"starts `{shown} ...` as its last command without exec"


def check(ctx: LintContext) -> Iterator[Finding]:
    dockerfile = ctx.dockerfile
    if dockerfile is None:
        return
    found = links(ctx)
    exposes = any(s.instruction.keyword == "EXPOSE" for s in runtime_steps(dockerfile))
    serves = exposes or service(ctx) is not None
    for link in _pid1_scripts(found):
        script, started = link.script, link.started
        if script is None or started is None or traps_signals(script.text):
            continue
        last = final_command(script_commands(script.text, started.args))
        if last is None:
            continue
        problem = _problem(last, serves)
        if problem is None:
            continue
        yield RULE.finding(
            dockerfile.path,
            link.instruction,
            f"{script.path} {problem} (line {last.line}): the shell stays PID 1 and SIGTERM "
            "never reaches the service",
            fix=(
                f"End {script.path} with `exec {' '.join(last.command.argv[:2])} ...` (for a "
                "built command line, `exec` it instead of `eval`), so the service replaces "
                "the shell and receives the stop signal."
            ),
        )


RULE = Rule(
    code="JT610",
    name="entrypoint-no-exec",
    severity=Severity.WARNING,
    summary="An entrypoint script starts the service without `exec`: the shell stays PID 1.",
    check=check,
    example=(
        'COPY start.sh /start.sh\nENTRYPOINT ["/start.sh"]\n'
        "# start.sh:\n#   #!/bin/sh\n#   python -m app.migrate\n"
        "#   gunicorn app:app -b 0.0.0.0:8000"
    ),
    fix_example=(
        'COPY start.sh /start.sh\nENTRYPOINT ["/start.sh"]\n'
        "# start.sh:\n#   #!/bin/sh\n#   python -m app.migrate\n"
        "#   exec gunicorn app:app -b 0.0.0.0:8000"
    ),
)
