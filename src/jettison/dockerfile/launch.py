"""What the image runs: its last ENTRYPOINT and CMD (in the final stage or the stages it is
built on), as the simple commands ``docker run`` starts.

lint's runtime rules read :func:`launches`; lint's import scan and the plan read
:func:`final_commands` for the servers a command names.
"""

from __future__ import annotations

import posixpath
from collections.abc import Sequence
from dataclasses import dataclass

from jettison.dockerfile.model import Dockerfile, Instruction, Stage
from jettison.dockerfile.shell import (
    CONDA_RUNNERS,
    Command,
    commands_of,
    runner_prefix,
    split_commands,
)


@dataclass(frozen=True, slots=True)
class Launch:
    """One command the image starts, and the instruction that sets it."""

    instruction: Instruction
    command: Command

    @property
    def program(self) -> str:
        """``uvicorn`` for ``uvicorn ...`` and for ``python -m uvicorn ...``."""
        module = python_module(self.command)
        return module if module is not None else self.command.name

    @property
    def args(self) -> tuple[str, ...]:
        """The program's arguments (after ``-m module`` for ``python -m``)."""
        argv = self.command.args
        if python_module(self.command) is not None:
            return argv[argv.index("-m") + 2 :]
        return argv


def python_module(command: Command) -> str | None:
    """``uvicorn`` for ``python3 -m uvicorn ...``; None when not ``python -m``."""
    if not command.name.startswith("python") or "-m" not in command.args:
        return None
    at = command.args.index("-m")
    return command.args[at + 1] if at + 1 < len(command.args) else None


def last_of(dockerfile: Dockerfile, keyword: str) -> Instruction | None:
    """The last ``keyword`` instruction of the final stage or the stages it is built on."""
    for stage in dockerfile.runtime_stages():  # final stage first
        found = stage.of(keyword)
        if found:
            return found[-1]
    return None


def launches(dockerfile: Dockerfile) -> list[Launch]:
    """What the image runs: ENTRYPOINT's commands, CMD's, and (both in exec form) the
    ENTRYPOINT with CMD as its arguments, as ``docker run`` joins them. CMD is looked at on
    its own too: entrypoint scripts and init wrappers (``tini --``) usually ``exec "$@"``."""
    entrypoint = last_of(dockerfile, "ENTRYPOINT")
    cmd = last_of(dockerfile, "CMD")
    out: list[Launch] = []
    if entrypoint is not None:
        out.extend(Launch(entrypoint, c) for c in commands_of(entrypoint))
        if cmd is not None and entrypoint.json and cmd.json and entrypoint.args:
            joined = Command((*entrypoint.args, *cmd.args))
            if posixpath.basename(joined.argv[0]) not in ("sh", "bash"):
                out.append(Launch(cmd, joined))
    if cmd is not None:
        out.extend(Launch(cmd, c) for c in commands_of(cmd))
    return [launch for launch in out if launch.command.argv]


def final_commands(dockerfile: Dockerfile) -> list[list[str]]:
    """The argv lists of the image's ENTRYPOINT and CMD (the last of each in the final stage
    or the stages it is built on); shell forms are split into their simple commands."""
    out: list[list[str]] = []
    for keyword in ("ENTRYPOINT", "CMD"):
        last = last_of(dockerfile, keyword)
        if last is None:
            continue
        if last.json:
            out.append(list(last.args))
        else:
            commands = split_commands(last.shell_text, CONDA_RUNNERS)
            out.extend(list(c.argv) for c in commands)
    return [argv for argv in out if argv]


def start_argv(dockerfile: Dockerfile) -> tuple[Instruction, tuple[str, ...]] | None:
    """The argv ``docker run`` starts, as Docker joins the last ENTRYPOINT and CMD: an
    exec-form ENTRYPOINT gets CMD's words (a shell-form CMD as ``/bin/sh -c TEXT``); a
    shell-form ENTRYPOINT ignores CMD; without ENTRYPOINT, CMD alone. Returned with the
    instruction that names the program; None when the Dockerfile sets neither."""
    entrypoint = last_of(dockerfile, "ENTRYPOINT")
    cmd = last_of(dockerfile, "CMD")

    def argv(instruction: Instruction) -> tuple[str, ...]:
        if instruction.json:
            return tuple(instruction.args)
        text = instruction.shell_text.strip()
        return ("/bin/sh", "-c", text) if text else ()

    if entrypoint is not None and argv(entrypoint):
        if not entrypoint.json:
            return entrypoint, argv(entrypoint)
        return entrypoint, (*argv(entrypoint), *(argv(cmd) if cmd is not None else ()))
    if cmd is not None and argv(cmd):
        return cmd, argv(cmd)
    return None


def programs_of(instruction: Instruction) -> set[str]:
    """The programs a CMD, ENTRYPOINT or HEALTHCHECK runs, by base name (``poetry run x``:
    poetry and x; a health check's ``CMD`` word skipped, ``HEALTHCHECK NONE`` runs none)."""
    out: set[str] = set()
    for command in commands_of(instruction):
        argv = command.argv
        if instruction.keyword == "HEALTHCHECK" and argv[:1] in (("CMD",), ("NONE",)):
            argv = argv[1:]
        if argv:
            out.add(posixpath.basename(argv[0]))
            at = runner_prefix(argv)
            if at:
                out.add(posixpath.basename(argv[at]))
    return out


def launched_programs(stages: Sequence[Stage]) -> set[str]:
    """The programs every CMD, ENTRYPOINT and HEALTHCHECK of ``stages`` runs (not only the
    last ones: :func:`programs_of` each)."""
    return {
        program
        for stage in stages
        for instruction in stage.of("CMD", "ENTRYPOINT", "HEALTHCHECK")
        for program in programs_of(instruction)
    }


PRIVILEGE_DROPPERS = frozenset(
    {"gosu", "su-exec", "setpriv", "runuser", "s6-setuidgid", "setuidgid", "chpst", "su",
     "sudo", "chroot"}
)  # fmt: skip
_DROP_USER_OPTIONS = {
    "setpriv": ("--reuid",),
    "runuser": ("-u", "--user"),
    "chpst": ("-u",),
    "sudo": ("-u", "--user"),
    "chroot": ("--userspec",),
}
ROOT_USERS = frozenset({"root", "0"})


def dropped_to(command: Command) -> str | None:
    """The user a command runs the rest of its arguments as when it drops root privileges
    (``gosu app uvicorn ...``, ``su-exec 1000 ...``, ``setpriv --reuid=app ...``,
    ``runuser -u app -- ...``, ``su app -c ...``); None when it does not, or switches to
    root."""
    name = command.name
    if name not in PRIVILEGE_DROPPERS:
        return None
    options = _DROP_USER_OPTIONS.get(name)
    user: str | None = None
    if options is not None:
        for index, arg in enumerate(command.args):
            for option in options:
                if arg == option and index + 1 < len(command.args):
                    user = command.args[index + 1]
                elif arg.startswith(option + "="):
                    user = arg.split("=", 1)[1]
    elif name in {"gosu", "su-exec", "s6-setuidgid", "setuidgid", "su"}:
        words = [a for a in command.args if not a.startswith("-")]
        user = words[0] if words else None
    if user is None:
        return None
    return None if user.split(":", 1)[0].strip("'\"").lower() in ROOT_USERS else user


INTERACTIVE = frozenset(
    {"bash", "sh", "zsh", "ash", "dash", "python", "python3", "ipython", "tini"}
)
"""Programs whose start without a script or command means "an interactive environment"."""
NOTEBOOK_SERVERS = frozenset({"jupyter", "jupyter-lab", "jupyter-notebook", "jupyterhub", "voila"})


def interactive(command: Command) -> bool:
    """A shell or an interpreter started without a script or command (``bash``,
    ``python3 -i``)."""
    return posixpath.basename(command.name) in INTERACTIVE and all(
        a.startswith("-") and a != "-c" for a in command.args
    )


def starts_no_service(dockerfile: Dockerfile) -> bool:
    """The image sets no command, or only an interactive one: an environment whose code is
    mounted or typed in at run time (CI runners, dev containers, notebook stacks)."""
    return all(interactive(launch.command) for launch in launches(dockerfile))


def runs_notebook(dockerfile: Dockerfile) -> bool:
    """The image starts a notebook server (``jupyter lab``, ``jupyter notebook``, voila)."""
    return any(
        posixpath.basename(launch.program) in NOTEBOOK_SERVERS for launch in launches(dockerfile)
    )


def exposed_tcp_port(instructions: Sequence[Instruction]) -> int | None:
    """The first TCP port ``instructions`` EXPOSE as written (``8080``, ``8080/tcp``), if
    any: where the health check a rewrite adds knocks."""
    for instruction in instructions:
        if instruction.keyword != "EXPOSE":
            continue
        for word in instruction.args:
            number, _, protocol = word.partition("/")
            if number.isdigit() and protocol in ("", "tcp"):
                return int(number)
    return None
