"""What the image runs when it starts, for the runtime rules: the servers its command (or
the scripts and Python it starts) runs, and whether it is a network service at all.

The command itself is :mod:`jettison.dockerfile.launch`'s, the scripts it starts are
:mod:`jettison.dockerfile.scripts`' (read by the lint context), the Python they run is
:mod:`jettison.imports.entry`'s; which programs, modules and bases serve HTTP is
:mod:`jettison.facts.servers`'.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass

from jettison.dockerfile.launch import Launch, python_module, start_argv
from jettison.dockerfile.model import Dockerfile, Instruction
from jettison.dockerfile.scripts import Link, local_imports, start_links, start_state
from jettison.dockerfile.shell import SHELLS, Command
from jettison.dockerfile.steps import chain, runtime_steps
from jettison.facts.servers import (
    NON_HTTP_PORTS,
    NON_HTTP_SCHEMES,
    SERVER_MODULES,
    SERVER_PROGRAMS,
    SUBCOMMAND_SERVERS,
    serving_base,
)
from jettison.imageref import parse_image
from jettison.imports.entry import Serving, parse, servers, serving_libraries
from jettison.lint.model import LintContext

_INTERPRETERS = frozenset({"python", "python3", "ipython", "node", "irb", "R"})


def server_program(command: Command) -> str | None:
    """The server ``command`` runs (``uvicorn``, ``vllm serve``...), or None."""
    module = python_module(command)
    if module is not None:
        top = module.split(".")[0]
        return module if module in SERVER_MODULES or top in SERVER_MODULES - {"django"} else None
    if command.name.startswith("python"):
        return "manage.py runserver" if "runserver" in command.args else None
    name = command.name
    if name not in SERVER_PROGRAMS:
        return None
    verbs = SUBCOMMAND_SERVERS.get(name)
    words = command.words()
    if verbs is not None and (not words or words[0] not in verbs):
        return None
    return f"{name} {words[0]}" if verbs is not None else name


def is_server(launch: Launch) -> bool:
    return server_program(launch.command) is not None


def is_shell(argv: tuple[str, ...]) -> bool:
    """A bare shell or interpreter (``bash``, ``/bin/sh``, ``python3``): an image meant to
    be entered or given a command, not a service."""
    words = [a for a in argv if a]
    if not words:
        return True
    name = posixpath.basename(words[0])
    bare = all(a.startswith("-") for a in words[1:])
    return bare and (name in SHELLS or name in _INTERPRETERS or name.startswith("python"))


def links(ctx: LintContext) -> list[Link]:
    """The commands the container runs at start, through the scripts it starts."""
    return start_links(ctx.dockerfile, ctx.scripts) if ctx.dockerfile is not None else []


def python_servers(ctx: LintContext, link: Link) -> list[Serving]:
    """Server calls in the Python a link runs: the program's own (marked ``runs`` when they
    run at start), then those in the local modules it imports (never marked ``runs``)."""
    script = link.script
    if script is None or script.language != "python" or link.started is None:
        return []
    out = servers(script, link.started.args)
    if ctx.dockerfile is None:
        return out
    _, _, stage = start_state(ctx.dockerfile)
    for module in local_imports(script, stage, ctx.scripts):
        out.extend(
            Serving(s.server, s.path, s.line, False, None) for s in servers(module) if s.server
        )
    return out


def where(link: Link) -> str:
    """`` (entrypoint.sh line 12)`` for a command found in a script, else ``""``."""
    if link.via is None or link.place is None:
        return ""
    return f" ({link.via.path} line {link.place.line})"


@dataclass(frozen=True, slots=True)
class Service:
    """Why the image is taken as an HTTP (or websocket) service."""

    why: str
    at: Instruction


def _serves_non_http(found: list[Link]) -> bool:
    return any(
        any(scheme in arg for scheme in NON_HTTP_SCHEMES for arg in link.command.args)
        for link in found
    )


def _from_links(ctx: LintContext, found: list[Link]) -> Service | None:
    for link in found:
        program = server_program(link.command)
        if program is not None:
            return Service(f"runs {program}{where(link)}", link.instruction)
    for link in found:
        script = link.script
        if script is None or script.language != "python":
            continue
        calls = python_servers(ctx, link)
        if calls:
            return Service(
                f"runs {script.path}, which serves with {calls[0].server} "
                f"({calls[0].path} line {calls[0].line})",
                link.instruction,
            )
        tree = parse(script)
        libraries = sorted(serving_libraries(tree)) if tree is not None else []
        if libraries:
            return Service(f"runs {script.path}, which imports {libraries[0]}", link.instruction)
    return None


def _from_base(dockerfile: Dockerfile) -> Service | None:
    final = dockerfile.final_stage
    if final is None:
        return None
    root = chain(dockerfile, final)[0]
    ref = parse_image(root.base_expanded)
    served = serving_base(ref) if ref is not None else None
    if served is None:
        return None
    return Service(f"keeps the command of its base {ref.name if ref else root.base}, {served}",
                   root.from_instruction)  # fmt: skip


def _exposed(dockerfile: Dockerfile) -> tuple[Instruction | None, list[str]]:
    exposes = [
        s.instruction for s in runtime_steps(dockerfile) if s.instruction.keyword == "EXPOSE"
    ]
    ports = [p.split("/", 1)[0] for e in exposes for p in e.args]
    http = [p for p in ports if p not in NON_HTTP_PORTS]
    return (exposes[0] if exposes else None), http


def service(ctx: LintContext) -> Service | None:
    """Why the final image is an HTTP service, or None when nothing says it is one: its
    start runs a known server (directly or in a script it starts), Python that serves, or a
    serving base's own command; or it exposes a port that is not another protocol's, with a
    command that is not a bare shell."""
    dockerfile = ctx.dockerfile
    if dockerfile is None or dockerfile.final_stage is None:
        return None
    start = start_argv(dockerfile)
    if start is None:
        return _from_base(dockerfile)
    if is_shell(start[1]):
        return None
    found = links(ctx)
    evidence = _from_links(ctx, found)
    if evidence is not None:
        return evidence
    if _serves_non_http(found):
        return None
    expose, ports = _exposed(dockerfile)
    if expose is not None and ports:
        return Service(f"exposes port {', '.join(ports)}", expose)
    return None


def first_port(dockerfile: Dockerfile) -> str | None:
    _, ports = _exposed(dockerfile)
    return ports[0] if ports else None
