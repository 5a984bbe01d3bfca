"""JT107: ``pip install`` without ``--no-cache-dir``.

Why it matters: pip keeps every wheel it downloads or builds in ``~/.cache/pip``. For an
ML service that is the second copy of torch, CUDA libraries and friends (gigabytes) left in
the layer next to the installed packages. A cache mount, ``PIP_NO_CACHE_DIR`` set by
``ENV``/``ARG`` in the stage, or a ``pip cache purge`` in the same RUN all avoid it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from jettison.dockerfile.shell import Command
from jettison.lint.model import Finding, LintContext, Rule, Severity
from jettison.lint.rules.size._caches import CacheSpec, Env, cache_findings, home_dirs
from jettison.lint.rules.size._scripts import positionals

_PIP = re.compile(r"^pip(?:\d+(?:\.\d+)*)?$")
PIP_VALUED = frozenset(
    {"--cache-dir", "--log", "--proxy", "--retries", "--timeout", "--exists-action",
     "--trusted-host", "--cert", "--client-cert", "--python", "--keyring-provider"}
)  # fmt: skip
BOOLEANS = frozenset({"y", "yes", "t", "true", "on", "1", "n", "no", "f", "false", "off", "0"})
"""Values pip accepts for ``PIP_NO_CACHE_DIR``; every one of them turns the cache *off*
(pip keeps that behaviour of ``0``/``false`` for backwards compatibility)."""
_INLINE = re.compile(
    r"(?<![\w])PIP_NO_CACHE_DIR=[\"']?(?:" + "|".join(sorted(BOOLEANS)) + r")\b", re.IGNORECASE
)


def pip_argv(command: Command) -> tuple[str, ...] | None:
    """``pip ...`` as pip sees it: for ``python -m pip ...`` the part from ``pip`` on."""
    if _PIP.match(command.name):
        return command.argv
    if command.name.startswith("python") and "-m" in command.args:
        at = command.args.index("-m")
        module = command.args[at + 1 : at + 2]
        if module and _PIP.match(module[0]):
            return command.args[at + 1 :]
    return None


def is_pip(command: Command, *verbs: str) -> bool:
    argv = pip_argv(command)
    if argv is None:
        return False
    words = positionals(Command(argv), PIP_VALUED)
    return bool(words) and words[0] in verbs


def _disables(command: Command) -> bool:
    argv = pip_argv(command)
    return argv is not None and Command(argv).has("--no-cache-dir")


def _cleans(command: Command) -> bool:
    argv = pip_argv(command)
    return argv is not None and positionals(Command(argv), PIP_VALUED)[:2] == ["cache", "purge"]


def _env_disables(env: Env) -> bool:
    return env.get("PIP_NO_CACHE_DIR", "").strip().lower() in BOOLEANS


def _dirs(env: Env) -> tuple[str, ...]:
    dirs = list(home_dirs(env, ".cache/pip"))
    if env.get("PIP_CACHE_DIR", "").startswith("/"):
        dirs.append(env["PIP_CACHE_DIR"])
    if env.get("XDG_CACHE_HOME", "").startswith("/"):
        dirs.append(env["XDG_CACHE_HOME"].rstrip("/") + "/pip")
    return tuple(dirs)


SPEC = CacheSpec(
    cache="pip's wheel cache (~/.cache/pip)",
    fix="Use `pip install --no-cache-dir ...` (or `ENV PIP_NO_CACHE_DIR=1`, or "
    "`RUN --mount=type=cache,target=/root/.cache/pip`).",
    installs=lambda command: is_pip(command, "install"),
    disables=_disables,
    cleans=_cleans,
    env_disables=_env_disables,
    script_disables=_INLINE,
    cache_dirs=_dirs,
    image_rows=lambda path: path.endswith(".cache/pip"),
    mount_suffixes=("/.cache/pip", "/.cache"),
)


def check(ctx: LintContext) -> Iterator[Finding]:
    return cache_findings(RULE, SPEC, ctx)


RULE = Rule(
    code="JT107",
    name="pip-cache",
    severity=Severity.WARNING,
    summary="`pip install` without `--no-cache-dir` keeps downloaded wheels in the image.",
    check=check,
    example="RUN pip install -r requirements.txt",
    fix_example="RUN pip install --no-cache-dir -r requirements.txt",
    peer="DL3042",
)
