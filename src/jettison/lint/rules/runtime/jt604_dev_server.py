"""JT604: a development server, or auto-reload, as the production command.

Why it matters: ``uvicorn --reload`` and ``gunicorn --reload`` watch the file tree and run
a reloader process; ``flask run``, ``manage.py runserver``, ``fastapi dev`` and
``python -m http.server`` are single-process development servers their authors say not
to deploy; ``FLASK_DEBUG=1`` exposes Werkzeug's interactive debugger (remote code
execution); a Jupyter server is a shell on the container. Only the final image's last
ENTRYPOINT and CMD, and the ENV of its stages, are checked, with what they start when it is
in the build context: the commands of an entrypoint script (given CMD as its ``"$@"``),
and the Python a script, ``python -m`` module or console script runs (``uvicorn.run(...,
reload=True)``, a ``reload`` that a click/argparse flag left on, Flask's ``app.run()``).
A server call that does not run at start (the ``__main__`` block of a module that
``uvicorn mod:app`` imports) is not reported.
"""

from __future__ import annotations

from collections.abc import Iterator

from jettison.dockerfile.launch import Launch, launches
from jettison.dockerfile.model import Instruction
from jettison.dockerfile.steps import assignment_items, runtime_steps
from jettison.imports.entry import servers
from jettison.lint.model import Finding, LintContext, Rule, Severity
from jettison.lint.rules.runtime._command import links, where

RELOADERS = frozenset({"uvicorn", "gunicorn", "hypercorn", "granian"})
TRUTHY = frozenset({"1", "true", "yes", "on"})
DEBUG_ENV = {
    "FLASK_DEBUG": "turns on Flask's debugger and reloader",
    "UVICORN_RELOAD": "turns on uvicorn's reloader",
}


def dev_server(launch: Launch) -> str | None:
    """Why ``launch`` is a development server, or None."""
    program, args = launch.program, launch.args
    words = [a for a in args if not a.startswith("-")]
    if program in RELOADERS and any(a == "--reload" or a.startswith("--reload=") for a in args):
        return f"`{program} --reload` runs a file-watching reloader"
    if program == "flask" and "run" in words:
        debug = " with the debugger on" if "--debug" in args or "--reload" in args else ""
        return f"`flask run` is Flask's development server{debug}"
    if program == "fastapi" and words[:1] == ["dev"]:
        return "`fastapi dev` runs a development server with auto-reload"
    manage = any(a.endswith("manage.py") for a in launch.command.argv[1:2])
    if "runserver" in words and (program in ("django", "django-admin") or manage):
        return "`runserver` is Django's development server"
    if program == "http.server":
        return "`python -m http.server` is a development server"
    if program == "gradio" and any(w.endswith(".py") for w in words):
        return "`gradio app.py` runs Gradio's auto-reloading development mode"
    if program == "chainlit" and words[:1] == ["run"] and ("-w" in args or "--watch" in args):
        return "`chainlit run --watch` reloads on every file change"
    if program in ("jupyter", "jupyter-lab", "jupyter-notebook", "jupyterlab", "notebook"):
        what = words[0] if program == "jupyter" and words else program
        if program != "jupyter" or what in ("notebook", "lab", "server"):
            return f"a Jupyter server (`{launch.command.name} {what}`) is a shell on the container"
    return None


_FIX = (
    "Run a production server without reload (`uvicorn app:app --host 0.0.0.0 --workers N`, "
    "`gunicorn -k uvicorn.workers.UvicornWorker app:app`); keep dev servers in a compose "
    "override."
)


def _commands(ctx: LintContext) -> Iterator[tuple[Instruction, str]]:
    """(instruction, why) for each development server the image's start runs."""
    assert ctx.dockerfile is not None
    for launch in launches(ctx.dockerfile):
        reason = dev_server(launch)
        if reason is not None:
            yield launch.instruction, reason
    for link in links(ctx):
        if link.via is not None:
            reason = dev_server(Launch(link.instruction, link.command))
            if reason is not None:
                yield link.instruction, f"{reason}{where(link)}"
        script = link.script
        if script is None or script.language != "python" or link.started is None:
            continue
        for call in servers(script, link.started.args):
            if call.runs and call.dev is not None:
                yield link.instruction, f"{call.dev} ({call.path} line {call.line})"


def check(ctx: LintContext) -> Iterator[Finding]:
    if ctx.dockerfile is None:
        return
    reported: set[int] = set()
    for instruction, reason in _commands(ctx):
        if instruction.position.line in reported:
            continue  # one finding per instruction: the first reason found
        reported.add(instruction.position.line)
        yield RULE.finding(
            ctx.dockerfile.path,
            instruction,
            f"the image's command is a development server: {reason}",
            fix=_FIX,
        )
    last: dict[str, tuple[Instruction, str]] = {}
    for step in runtime_steps(ctx.dockerfile):
        if step.instruction.keyword == "ENV":
            for name, value in assignment_items(step.instruction):
                last[name] = (step.instruction, value or "")
    for name, (instruction, value) in last.items():
        text = value.strip().lower()
        if name in DEBUG_ENV and text in TRUTHY:
            what = DEBUG_ENV[name]
        elif name == "FLASK_ENV" and text == "development":
            what = "turns on Flask's debugger and reloader"
        else:
            continue
        yield RULE.finding(
            ctx.dockerfile.path,
            instruction,
            f"ENV {name}={value} in the final image {what}",
            fix=f"Remove {name} from the image; set it in a development override only.",
        )


RULE = Rule(
    code="JT604",
    name="dev-server-command",
    severity=Severity.WARNING,
    summary="A development server or `--reload` is the production command.",
    check=check,
    example='CMD ["uvicorn", "app.main:app", "--host", "0.0.0.0", "--reload"]',
    fix_example='CMD ["uvicorn", "app.main:app", "--host", "0.0.0.0", "--workers", "2"]',
)
