"""Distributions a container's command runs: ``uvicorn app:app`` uses uvicorn, imported or not.

Input is argv lists (exec-form ``CMD``/``ENTRYPOINT`` arguments, or a shell form already
split). Each list may still hold shell operators (``&&``, ``;``) and wrappers (``sh -c``,
``exec``, ``env``, ``tini --``, ``ddtrace-run``...): they are split and unwrapped with the
Dockerfile shell splitter. For each simple command:

* a known program (:data:`PROGRAMS`) gives its distributions (``torchrun`` -> ``torch``,
  ``waitress-serve`` -> ``waitress``); Gunicorn's ``-k``/``--worker-class`` and Uvicorn's
  ``--loop``/``--http``/``--ws`` name more (``uvicorn.workers.UvicornWorker``, ``uvloop``);
* ``python -m X`` gives the candidates of module ``X``; ``python -c CODE`` those of the
  modules CODE imports; ``python manage.py`` gives ``django``;
* any other program gives its own canonical name (console scripts are usually named like
  their distribution). Callers intersect with what is declared, so a name that matches
  nothing costs nothing. Interpreters, shells and wrappers give nothing.

An ``ENTRYPOINT`` with a ``CMD`` passes arguments to it: give ``entrypoint + cmd`` as one
list as well as each alone to catch ``ENTRYPOINT ["python", "-m"]`` + ``CMD ["uvicorn"]``.
"""

from __future__ import annotations

import posixpath
import re
import shlex
import sys
from collections.abc import Iterable, Mapping, Sequence

from packaging.utils import canonicalize_name

from jettison.dockerfile.shell import split_commands
from jettison.imports.mapping import candidate_distributions
from jettison.imports.scan import imports_in_source

PROGRAMS: Mapping[str, tuple[str, ...]] = {
    "uvicorn": ("uvicorn",),
    "gunicorn": ("gunicorn",),
    "hypercorn": ("hypercorn",),
    "daphne": ("daphne",),
    "waitress-serve": ("waitress",),
    "granian": ("granian",),
    "uwsgi": ("uwsgi", "pyuwsgi"),
    "sanic": ("sanic",),
    "streamlit": ("streamlit",),
    "gradio": ("gradio",),
    "chainlit": ("chainlit",),
    "panel": ("panel",),
    "bokeh": ("bokeh",),
    "voila": ("voila",),
    "flask": ("flask",),
    "fastapi": ("fastapi", "fastapi-cli"),
    "django-admin": ("django",),
    "celery": ("celery",),
    "rq": ("rq",),
    "dramatiq": ("dramatiq",),
    "torchrun": ("torch",),
    "torchserve": ("torchserve",),
    "accelerate": ("accelerate",),
    "deepspeed": ("deepspeed",),
    "ray": ("ray",),
    "vllm": ("vllm",),
    "mlflow": ("mlflow",),
    "bentoml": ("bentoml",),
    "tensorboard": ("tensorboard",),
    "huggingface-cli": ("huggingface-hub",),
    "jupyter": ("jupyter", "jupyter-core", "notebook", "jupyterlab"),
    "jupyter-lab": ("jupyterlab",),
    "jupyter-notebook": ("notebook",),
    "airflow": ("apache-airflow",),
    "supervisord": ("supervisor",),
    "ddtrace-run": ("ddtrace",),
    "opentelemetry-instrument": ("opentelemetry-instrumentation",),
    "newrelic-admin": ("newrelic",),
}
"""Program name -> canonical distributions it belongs to (when not its own name)."""

# Programs whose arguments are another command -> words to drop after their options.
_WRAPPERS: Mapping[str, int] = {
    "tini": 0,
    "dumb-init": 0,
    "ddtrace-run": 0,
    "opentelemetry-instrument": 0,
    "gosu": 1,
    "su-exec": 1,
}
_SILENT = frozenset(
    {"sh", "bash", "dash", "ash", "zsh", "exec", "env", "sudo", "nohup", "tini", "dumb-init"}
    | {"gosu", "su-exec", "echo", "cd", "set", "true", "false", "sleep", "cat", "test", "["}
)
_OPERATORS = frozenset({"&&", "||", ";", "|", "&", "|&"})
_ASSIGNMENT_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")
_PYTHON_RE = re.compile(r"^(?:python|pypy)(?:\d+(?:\.\d+)?)?[mtwd]?$")
_PYTHON_VALUE_OPTIONS = frozenset({"-W", "-X", "--check-hash-based-pycs"})
_GUNICORN_BUILTIN_WORKERS = frozenset({"sync", "gthread"})  # gevent, eventlet: packages
_UVICORN_BUILTIN = frozenset({"auto", "asyncio", "h11", "none"})


def servers_in_commands(argv_lists: Iterable[Sequence[str]]) -> frozenset[str]:
    """Canonical distribution names the commands run (see the module docstring)."""
    used: set[str] = set()
    for argv in argv_lists:
        for segment in _segments(argv):
            for command in split_commands(shlex.join(segment)):
                used.update(_distributions(list(command.argv)))
    return frozenset(used)


def _segments(argv: Sequence[str]) -> list[list[str]]:
    """Split at shell operators left in a shell-form command split on whitespace."""
    out: list[list[str]] = [[]]
    for word in argv:
        if word in _OPERATORS:
            out.append([])
        else:
            out[-1].append(word)
    return [segment for segment in out if segment]


def _distributions(argv: list[str]) -> set[str]:
    used: set[str] = set()
    while argv:
        if _ASSIGNMENT_RE.match(argv[0]):  # env FOO=bar cmd
            argv = argv[1:]
            continue
        program = posixpath.basename(argv[0])
        used.update(PROGRAMS.get(program, ()))
        if program == "newrelic-admin" and argv[1:2] in (["run-program"], ["run-python"]):
            argv = argv[2:] if argv[1] == "run-program" else ["python", *argv[2:]]
            continue
        if program in _WRAPPERS:
            rest = [word for word in argv[1:] if word != "--"]
            while rest and rest[0].startswith("-"):  # tini -g, dumb-init --single-child
                rest = rest[1:]
            argv = rest[_WRAPPERS[program] :]
            continue
        if _PYTHON_RE.match(program):
            used.update(_python(argv[1:]))
        elif program == "gunicorn":
            used.update(
                _option_modules(argv[1:], ("-k", "--worker-class"), _GUNICORN_BUILTIN_WORKERS)
            )
        elif program == "uvicorn":
            used.update(_option_modules(argv[1:], ("--loop", "--http", "--ws"), _UVICORN_BUILTIN))
        elif program not in PROGRAMS and program not in _SILENT and not program.startswith("-"):
            used.add(canonicalize_name(program))
        break
    return used


def _python(args: list[str]) -> set[str]:
    index = 0
    while index < len(args):
        arg = args[index]
        if arg == "-m" or (arg.startswith("-m") and len(arg) > 2):
            module = arg[2:] or (args[index + 1] if index + 1 < len(args) else "")
            rest = args[index + 2 :] if arg == "-m" else args[index + 1 :]
            return _module(module, rest)
        if arg == "-c" or (arg.startswith("-c") and len(arg) > 2):
            code = arg[2:] or (args[index + 1] if index + 1 < len(args) else "")
            return _code(code)
        if arg in _PYTHON_VALUE_OPTIONS:
            index += 2
            continue
        if arg.startswith("-"):
            index += 1
            continue
        return {"django"} if posixpath.basename(arg) == "manage.py" else set()
    return set()


def _module(module: str, rest: list[str]) -> set[str]:
    top = module.split(".", 1)[0]
    if not top or top in sys.stdlib_module_names:
        return set()
    used = set(candidate_distributions(module, variants=False))
    used.update(PROGRAMS.get(top, ()))
    if top == "gunicorn":
        used.update(_option_modules(rest, ("-k", "--worker-class"), _GUNICORN_BUILTIN_WORKERS))
    elif top == "uvicorn":
        used.update(_option_modules(rest, ("--loop", "--http", "--ws"), _UVICORN_BUILTIN))
    return used


def _code(code: str) -> set[str]:
    try:
        modules = imports_in_source(code)
    except (SyntaxError, ValueError, RecursionError):
        return set()
    used: set[str] = set()
    for module, _line in modules:
        if module.split(".", 1)[0] not in sys.stdlib_module_names:
            used.update(candidate_distributions(module, variants=False))
    return used


def _option_modules(args: list[str], options: tuple[str, ...], builtin: frozenset[str]) -> set[str]:
    """Distributions of the modules named by ``options`` (``-k uvicorn.workers.X``)."""
    values: list[str] = []
    for index, arg in enumerate(args):
        for option in options:
            if arg == option and index + 1 < len(args):
                values.append(args[index + 1])
            elif arg.startswith(option + "="):
                values.append(arg[len(option) + 1 :])
            elif len(option) == 2 and arg.startswith(option) and len(arg) > 2:
                values.append(arg[2:])
    used: set[str] = set()
    for value in values:
        module = value.split(".", 1)[0].split(":", 1)[0]
        if module and module not in builtin:
            used.update(candidate_distributions(module, variants=False))
    return used
