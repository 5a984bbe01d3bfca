"""JT311: packages installed when the container starts, not when the image is built.

Why it matters: a container that runs ``pip install`` or ``apt-get install`` on start needs
the network and the package indexes every time it starts, starts slowly, may get different
versions on every restart, and fails on read-only file systems and as a non-root user. What
it needs belongs in the image.

Found in three places:

* the start-up scripts the image runs (ENTRYPOINT/CMD shell scripts the build context
  holds, and shell-form commands): an install that always runs is a ``warning``; one under
  a condition (``if [ -n "$PUBLIC_KEY" ]``) is opt-in, ``info``;
* libraries that install what they miss (:data:`~jettison.facts.packages.AUTO_INSTALLERS`:
  gptcache's ``import_fastapi()`` pip-installs fastapi when it is absent): a ``warning``
  when the shipped code calls such a helper for a package the image does not install; when
  the code is not in the build context, ``info`` for a server known to do so
  (:data:`~jettison.facts.packages.AUTO_INSTALLING_PROGRAMS`: ``gptcache_server``);
* the shipped code itself running ``pip install`` (``subprocess``, ``os.system``,
  ``pip.main``): ``info``, since it may be a rarely taken path.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from jettison.dockerfile.commands.python import CONDA, is_pip_install
from jettison.dockerfile.commands.system import INSTALL, packages_if
from jettison.dockerfile.launch import launches
from jettison.dockerfile.model import Instruction
from jettison.dockerfile.shell import Command, guarded_commands
from jettison.facts.packages import AUTO_INSTALLERS, AUTO_INSTALLING_PROGRAMS
from jettison.lint.model import Finding, LintContext, Rule, Severity
from jettison.lint.packages import (
    finding_at,
    launch_scripts,
    production_instructions,
    production_packages,
    source_texts,
)

_CODE_PIP = re.compile(
    r"""(?:subprocess\.\w+|os\.system|os\.popen|check_call|check_output)\s*\([^\n]*"""
    r"""\bpip3?\b[^\n]*\binstall\b|\bpip\.main\(\s*\[\s*["']install|"""
    r"""["']-m["']\s*,\s*["']pip["']\s*,\s*["']install["']""",
)
FIX = "Install what the service needs in the image (a RUN at build time), and start it only."


def check(ctx: LintContext) -> Iterator[Finding]:
    yield from _start_scripts(ctx)
    yield from _shell_commands(ctx)
    found = list(_auto_installers(ctx))
    yield from found
    if not found:
        yield from _known_programs(ctx)
    yield from _code_installs(ctx)


def _what(command: Command) -> str | None:
    """``pip install`` or ``apt-get install`` when ``command`` installs packages."""
    if is_pip_install(command):
        return "pip install"
    if packages_if(command, INSTALL) is not None:
        return f"{command.name} {command.args[0] if command.args else 'install'}"
    if command.name in CONDA and "install" in command.args[:1]:
        return f"{command.name} install"
    return None


def _installs(text: str) -> list[tuple[str, bool]]:
    """(what, guarded) of each install a start-up script runs."""
    return [
        (what, guarded)
        for command, guarded in guarded_commands(text)
        if (what := _what(command)) is not None
    ]


def _start_scripts(ctx: LintContext) -> Iterator[Finding]:
    if ctx.dockerfile is None:
        return
    for instruction, script, text in launch_scripts(ctx):
        found = _installs(text)
        if not found:
            continue
        always = [what for what, guarded in found if not guarded]
        listed = ", ".join(dict.fromkeys(what for what, _ in found))
        if always:
            message = (
                f"{script.name}, which the image starts, runs {listed} every time the "
                "container starts: it needs the network and gets whatever the indexes serve "
                "that day"
            )
            severity = None
        else:
            message = (
                f"{script.name}, which the image starts, runs {listed} when a setting asks "
                "for it (opt-in): that start needs the network and root"
            )
            severity = Severity.INFO
        yield RULE.finding(ctx.dockerfile.path, instruction, message, fix=FIX, severity=severity)


def _shell_commands(ctx: LintContext) -> Iterator[Finding]:
    if ctx.dockerfile is None:
        return
    for instruction in production_instructions(ctx, "CMD", "ENTRYPOINT"):
        if instruction.json and not any(a in ("-c",) for a in instruction.args):
            continue
        found = _installs(_script_of(instruction))
        if found:
            listed = ", ".join(dict.fromkeys(what for what, _ in found))
            yield RULE.finding(
                ctx.dockerfile.path,
                instruction,
                f"the container's command runs {listed} every time it starts",
                fix=FIX,
                severity=None if any(not g for _, g in found) else Severity.INFO,
            )


def _script_of(instruction: Instruction) -> str:
    if instruction.json:
        args = list(instruction.args)
        return args[args.index("-c") + 1] if "-c" in args[:-1] else ""
    return instruction.shell_text


def _auto_installers(ctx: LintContext) -> Iterator[Finding]:
    packages = production_packages(ctx)
    for library, prefix in AUTO_INSTALLERS.items():
        owner = next((d for d in packages if d.name == library), None)
        if owner is None:
            continue
        calls = _helper_calls(ctx, prefix)
        missing = sorted({name for name, _ in calls} - {d.name for d in packages})
        if not missing:
            continue
        where = next(w for n, w in calls if n in missing)
        yield finding_at(
            RULE,
            ctx,
            owner,
            f"{library} installs {', '.join(missing)} with pip when the service starts "
            f"({where} calls its {prefix}*() helpers), because the image does not install "
            f"{'it' if len(missing) == 1 else 'them'}",
            fix=f"Install {' '.join(missing)} in the image, next to {library}.",
        )


def _helper_calls(ctx: LintContext, prefix: str) -> list[tuple[str, str]]:
    """(package, ``server.py:18``) for each ``<prefix><package>()`` call of the code."""
    pattern = re.compile(rf"^\s*{re.escape(prefix)}(\w+)\(\s*\)", re.MULTILINE)
    out: list[tuple[str, str]] = []
    for path, text in source_texts(ctx):
        for match in pattern.finditer(text):
            line = text.count("\n", 0, match.start()) + 1
            out.append((match.group(1).lower().replace("_", "-"), f"{path.name}:{line}"))
    return out


def _known_programs(ctx: LintContext) -> Iterator[Finding]:
    """Servers known to pip-install what they miss, started by the image without it."""
    if ctx.dockerfile is None:
        return
    installed = {d.name for d in production_packages(ctx)}
    for launch in launches(ctx.dockerfile):
        known = AUTO_INSTALLING_PROGRAMS.get(launch.program)
        if known is None:
            continue
        library, wants = known
        missing = [name for name in wants if name not in installed]
        if library not in installed or not missing:
            continue
        yield RULE.finding(
            ctx.dockerfile.path,
            launch.instruction,
            f"{launch.program} (from {library}) pip-installs {', '.join(missing)} when it "
            f"starts if they are absent, and the image does not install "
            f"{'it' if len(missing) == 1 else 'them'} ({library} does not require "
            f"{'it' if len(missing) == 1 else 'them'})",
            fix=f"Install {' '.join(missing)} in the image, next to {library}.",
            severity=Severity.INFO,
        )
        return


def _code_installs(ctx: LintContext) -> Iterator[Finding]:
    for path, text in source_texts(ctx):
        match = _CODE_PIP.search(text)
        if match is None:
            continue
        line = text.count("\n", 0, match.start()) + 1
        yield RULE.finding(
            path,
            line,
            "the code runs pip install: on the path that reaches it, the container installs "
            "packages while it runs",
            fix=FIX,
            severity=Severity.INFO,
        )


RULE = Rule(
    code="JT311",
    name="install-at-start",
    severity=Severity.WARNING,
    summary="Packages installed when the container starts (start-up scripts, libraries that "
    "pip-install what they miss) instead of in the image.",
    check=check,
    example=(
        'COPY start.sh /start.sh\nENTRYPOINT ["/start.sh"]\n'
        "# start.sh\npip install -r requirements.txt\nexec uvicorn app:app"
    ),
    fix_example=(
        "COPY requirements.txt .\nRUN pip install --no-cache-dir -r requirements.txt\n"
        'CMD ["uvicorn", "app:app", "--host", "0.0.0.0"]'
    ),
)
