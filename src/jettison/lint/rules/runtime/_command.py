"""The command the image runs (its last ENTRYPOINT and CMD) and the servers named in it."""

from __future__ import annotations

import posixpath
from dataclasses import dataclass

from jettison.dockerfile.model import Dockerfile, Instruction
from jettison.dockerfile.shell import Command, commands_of

SERVERS = frozenset(
    {"uvicorn", "gunicorn", "hypercorn", "daphne", "waitress-serve", "granian", "flask",
     "fastapi", "streamlit", "panel", "bokeh", "voila", "jupyter", "jupyter-lab",
     "jupyter-notebook", "jupyter-server", "torchserve", "tritonserver", "mlflow", "bentoml",
     "tensorflow_model_server", "text-generation-launcher", "vllm", "nginx", "httpd",
     "apache2", "caddy", "openresty", "gradio", "litserve", "serve"}
)  # fmt: skip
"""Programs that serve HTTP when they are the image's command."""
SERVER_MODULES = frozenset(
    {"uvicorn", "gunicorn", "hypercorn", "daphne", "flask", "streamlit", "http.server",
     "jupyterlab", "notebook", "mlflow", "bentoml", "vllm.entrypoints.openai.api_server",
     "vllm.entrypoints.api_server", "django", "granian", "fastapi", "waitress", "litserve"}
)  # fmt: skip
"""Python modules that serve HTTP when run with ``python -m``."""


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


def is_server(launch: Launch) -> bool:
    module = python_module(launch.command)
    if module is not None:
        return module in SERVER_MODULES
    if launch.command.name.startswith("python"):
        return "runserver" in launch.command.args  # python manage.py runserver
    return launch.command.name in SERVERS
