"""JT606: packages installed when the container starts.

Why it matters: an entrypoint that runs ``pip install`` or ``apt-get install``, or code that
installs what it imports on first use, makes every start depend on the network and on
package indexes being up, takes minutes instead of seconds, installs whatever version is
current that day (two replicas may run different code), and fails outright on a read-only
root filesystem or as a non-root user. Whatever the service needs belongs in the image.

Read from what the image starts, when it is in the build context: the commands of its
``CMD``/``ENTRYPOINT`` and of the shell scripts they run, and the Python they start
(``subprocess``/``os.system`` running ``pip install``, ``pip.main``). An install behind a
condition (``if [ -n "$PUBLIC_KEY" ]; then apt-get install ...``) is opt-in: ``info``. A
module-level call of an imported helper named ``import_X()``/``install_X()`` followed by
``import X`` is the lazy-installer pattern (gptcache's ``import_fastapi()``); judged by the
name only, it is ``info``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from jettison.dockerfile.commands.python import CONDA, env_install, is_pip_install
from jettison.dockerfile.commands.system import INSTALL, packages_if
from jettison.dockerfile.model import Instruction
from jettison.dockerfile.scripts import Link, local_imports, start_state
from jettison.dockerfile.shell import Command
from jettison.imports.entry import installs
from jettison.lint.model import Finding, LintContext, Rule, Severity
from jettison.lint.rules.runtime._command import links, where


@dataclass(frozen=True, slots=True)
class _Install:
    what: str
    solid: bool
    """Runs on every start (not behind a condition, not judged by a name)."""


def _installer(command: Command) -> str | None:
    if is_pip_install(command):
        return "pip install"
    if packages_if(command, INSTALL) is not None:
        return f"{command.name} {command.words()[0] if command.words() else 'install'}"
    found = env_install(command)
    if found is not None and (found.tool in CONDA or found.tool in ("poetry", "uv")):
        return f"{found.tool} {found.verb}"
    words = command.words()
    if command.name in _NODE_INSTALLERS and (
        words[:1] in (["install"], ["ci"], ["add"]) or (command.name == "yarn" and not words)
    ):
        return f"{command.name} {words[0] if words else 'install'}"
    return None


_NODE_INSTALLERS = frozenset({"npm", "yarn", "pnpm"})


def _shell(link: Link) -> _Install | None:
    if link.place is not None and link.place.in_function:
        return None
    what = _installer(link.command)
    if what is None:
        return None
    conditional = link.place is not None and link.place.conditional
    shown = f"`{' '.join(link.command.argv[:4])}`{where(link)}"
    return _Install(shown + (" (behind a condition)" if conditional else ""), not conditional)


def _python(ctx: LintContext, link: Link) -> list[_Install]:
    script, started = link.script, link.started
    if script is None or script.language != "python" or started is None:
        return []
    out = [
        _Install(
            f"`{i.how}` ({i.path} line {i.line})"
            + (", a helper that installs on first use by its name" if i.inferred else "")
            + ("" if i.runs else ", in code that may run later"),
            i.runs and not i.inferred,
        )
        for i in installs(script, started.args)
    ]
    assert ctx.dockerfile is not None
    _, _, stage = start_state(ctx.dockerfile)
    for module in local_imports(script, stage, ctx.scripts):
        out.extend(
            _Install(f"`{i.how}` ({i.path} line {i.line}), in a module it imports", False)
            for i in installs(module)
            if not i.inferred
        )
    return out


def check(ctx: LintContext) -> Iterator[Finding]:
    dockerfile = ctx.dockerfile
    if dockerfile is None:
        return
    found: dict[int, tuple[Instruction, list[_Install]]] = {}
    for link in links(ctx):
        items = [*filter(None, [_shell(link)]), *_python(ctx, link)]
        if items:
            found.setdefault(link.instruction.position.line, (link.instruction, []))[1].extend(
                items
            )
    for instruction, items in found.values():
        unique = list(dict.fromkeys(items))
        solid = any(i.solid for i in unique)
        yield RULE.finding(
            dockerfile.path,
            instruction,
            "the container installs packages when it starts: "
            + "; ".join(i.what for i in unique[:3])
            + (f" and {len(unique) - 3} more" if len(unique) > 3 else ""),
            fix=(
                "Install everything the service needs in the Dockerfile (a RUN before the "
                "start), pinned; leave the entrypoint to configure and `exec` the service."
            ),
            severity=None if solid else Severity.INFO,
        )


RULE = Rule(
    code="JT606",
    name="runtime-dependency-install",
    severity=Severity.WARNING,
    summary="Packages installed when the container starts (pip/apt in the entrypoint, "
    "installs in the started code).",
    check=check,
    example=(
        'COPY start.sh /start.sh\nCMD ["/start.sh"]\n'
        "# start.sh:\n#   pip install -r requirements.txt\n#   exec uvicorn app:app"
    ),
    fix_example=(
        "COPY requirements.txt .\nRUN pip install --no-cache-dir -r requirements.txt\n"
        'COPY start.sh /start.sh\nCMD ["/start.sh"]\n# start.sh:\n#   exec uvicorn app:app'
    ),
)
