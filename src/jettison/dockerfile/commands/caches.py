"""Package managers' caches: where each one lives, what turns it off, what cleans it.

One :class:`Cache` row per package manager (apk, yum, dnf, zypper, pip, uv, poetry, pdm,
yarn, conda).
:func:`left_by` answers "does this RUN leave the cache in its layer?": it does when, after
the last install that does not disable the cache itself, no later command in the same RUN
cleans it or removes its directory, no ``cache``/``tmpfs`` mount holds the directory, and
the environment does not turn it off. lint's cache rules (JT103-JT107, JT109, JT112, JT407)
are thin users of these rows.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from jettison.dockerfile.commands.cleanup import removed_paths, removes, volatile_targets
from jettison.dockerfile.commands.options import has_option, option_values, positionals
from jettison.dockerfile.commands.python import (
    CONDA,
    CONDA_INSTALLS,
    CONDA_VALUED,
    PDM_VALUED,
    POETRY_VALUED,
    UV_VALUED,
    VALUE_OPTIONS,
    disables_cache,
    env_install,
    is_pip_install,
    pip_argv,
    pip_subcommand,
)
from jettison.dockerfile.commands.system import (
    DNF,
    RPM_VALUED,
    YUM,
    is_apk,
    is_rpm_tool,
    is_zypper,
)
from jettison.dockerfile.model import Instruction
from jettison.dockerfile.paths import absolute, covers
from jettison.dockerfile.shell import Command, split_commands
from jettison.dockerfile.shellwords import parts, simple_words

Env = Mapping[str, str]


def _never(_: Command) -> bool:
    return False


def _no_env(_: Env) -> bool:
    return False


def _no_text(_: str) -> bool:
    return False


@dataclass(frozen=True)
class Cache:
    """One package manager's cache and what keeps it out of a layer."""

    what: str
    """What is left behind, for messages: ``pip's wheel cache (~/.cache/pip)``."""
    installs: Callable[[Command], bool]
    """A command that fills the cache."""
    dirs: Callable[[Env], tuple[str, ...]]
    """Absolute directories of the cache (removing or mounting over one of them keeps it out)."""
    image_rows: Callable[[str], bool]
    """Selects the cache's rows in inspect's ``package-cache`` cause (``var/cache/apk``)."""
    disables: Callable[[Command], bool] = _never
    """The install's own option turns the cache off (``--no-cache-dir``)."""
    cleans: Callable[[Command], bool] = _never
    """A command that empties the cache (``yum clean all``)."""
    env_disables: Callable[[Env], bool] = _no_env
    """The environment turns the cache off (``PIP_NO_CACHE_DIR``)."""
    inline_disables: re.Pattern[str] | None = None
    """Matches the RUN's text when it sets the cache off inline (``PIP_NO_CACHE_DIR=1 pip``)."""
    removed_inline: Callable[[str], bool] = _no_text
    """A script of the RUN (its text, a heredoc's body) removes the cache in a way its
    commands read word by word do not show (``rm -rf $(poetry config cache-dir)``)."""
    mount_suffixes: tuple[str, ...] = ()
    """Mount targets ending like this hold the cache whatever the user's home is."""


def left_by(
    cache: Cache, instruction: Instruction, commands: Sequence[Command], cwd: str, env: Env
) -> int | None:
    """The index (in ``commands``) of the install whose cache this RUN leaves in its layer,
    None when it leaves none."""
    last = None
    for index, command in enumerate(commands):
        if cache.installs(command) and not cache.disables(command):
            last = index
    if last is None or _kept_out(cache, instruction, commands[last + 1 :], cwd, env):
        return None
    return last


def _kept_out(
    cache: Cache, instruction: Instruction, after: Sequence[Command], cwd: str, env: Env
) -> bool:
    if cache.env_disables(env):
        return True
    if cache.inline_disables is not None and cache.inline_disables.search(instruction.shell_text):
        return True
    scripts = (" ".join(instruction.args), *(doc.content for doc in instruction.heredocs))
    if any(cache.removed_inline(script) for script in scripts):
        return True
    dirs = [absolute(d, cwd) for d in cache.dirs(env)]
    for target in volatile_targets(instruction, cwd, env):
        if any(covers(target, d) for d in dirs):
            return True
        if any(target.endswith(suffix) for suffix in cache.mount_suffixes):
            return True
    if any(cache.cleans(c) for c in after):
        return True
    return any(removes(after, d, cwd, env) for d in dirs)


def home_dirs(env: Env, *relative: str) -> tuple[str, ...]:
    """``relative`` under root's home and under ``$HOME`` when the Dockerfile sets it."""
    homes = ["/root"]
    if env.get("HOME", "").startswith("/"):
        homes.append(env["HOME"])
    return tuple(f"{home}/{rel}" for home in homes for rel in relative)


def _absolute_env(env: Env, name: str, suffix: str = "") -> list[str]:
    value = env.get(name, "")
    return [value.rstrip("/") + suffix if suffix else value] if value.startswith("/") else []


# -- system package managers -----------------------------------------------------------------

APK = Cache(
    what="apk's index cache (/var/cache/apk)",
    installs=lambda c: is_apk(c, "add"),
    disables=lambda c: c.has("--no-cache"),
    dirs=lambda _: ("/var/cache/apk", "/etc/apk/cache"),
    image_rows=lambda path: path == "var/cache/apk",
)


def _cleans_all(command: Command, tools: frozenset[str]) -> bool:
    return is_rpm_tool(command, tools, "clean") and "all" in positionals(command, RPM_VALUED)[1:]


YUM_CACHE = Cache(
    what="yum's metadata and package cache (/var/cache/yum)",
    installs=lambda c: is_rpm_tool(c, YUM, "install", "groupinstall", "localinstall", "reinstall"),
    cleans=lambda c: _cleans_all(c, YUM),
    dirs=lambda _: ("/var/cache/yum",),
    image_rows=lambda path: path == "var/cache/yum",
)
DNF_CACHE = Cache(
    what="dnf's metadata and package cache (/var/cache/dnf)",
    installs=lambda c: is_rpm_tool(c, DNF, "install", "reinstall", "upgrade", "update"),
    cleans=lambda c: _cleans_all(c, DNF),
    dirs=lambda _: ("/var/cache/dnf", "/var/cache/yum", "/var/cache/libdnf5"),
    image_rows=lambda path: path in ("var/cache/dnf", "var/cache/yum"),
    mount_suffixes=(".cache/libdnf5",),
)
"""dnf, dnf5 and microdnf (microdnf keeps its cache in /var/cache/yum, dnf5 in libdnf5)."""
ZYPPER = Cache(
    what="zypper's cache (/var/cache/zypp)",
    installs=lambda c: is_zypper(c, "install", "in"),
    cleans=lambda c: is_zypper(c, "clean", "cc"),
    dirs=lambda _: ("/var/cache/zypp",),
    image_rows=lambda path: path == "var/cache/zypp",
)


# -- Python ------------------------------------------------------------------------------------

BOOLEANS = frozenset({"y", "yes", "t", "true", "on", "1", "n", "no", "f", "false", "off", "0"})
"""Values pip accepts for ``PIP_NO_CACHE_DIR``; every one of them turns the cache *off*
(pip keeps that behaviour of ``0``/``false`` for backwards compatibility)."""
_PIP_INLINE = re.compile(
    r"(?<![\w])PIP_NO_CACHE_DIR=[\"']?(?:" + "|".join(sorted(BOOLEANS)) + r")\b", re.IGNORECASE
)
_TRUE = frozenset({"1", "true", "yes", "on"})
_UV_INLINE = re.compile(
    r"(?<![\w])UV_NO_CACHE=[\"']?(?:" + "|".join(sorted(_TRUE)) + r")\b", re.IGNORECASE
)


def _tool_is(command: Command, tool: str) -> bool:
    found = pip_argv(command)
    return found is not None and found[0] == tool


def _pip_install(command: Command, tool: str) -> bool:
    return is_pip_install(command) and _tool_is(command, tool)


def _pip_dirs(env: Env) -> tuple[str, ...]:
    return (
        *home_dirs(env, ".cache/pip"),
        *_absolute_env(env, "PIP_CACHE_DIR"),
        *_absolute_env(env, "XDG_CACHE_HOME", "/pip"),
    )


def _pip_cache_purge(command: Command) -> bool:
    found = pip_argv(command)
    if found is None or found[0] != "pip":
        return False
    verb, rest = pip_subcommand(found[1])
    return verb == "cache" and rest[:1] == ("purge",)


PIP = Cache(
    what="pip's wheel cache (~/.cache/pip)",
    installs=lambda c: _pip_install(c, "pip"),
    disables=disables_cache,
    cleans=_pip_cache_purge,
    env_disables=lambda env: env.get("PIP_NO_CACHE_DIR", "").strip().lower() in BOOLEANS,
    inline_disables=_PIP_INLINE,
    dirs=_pip_dirs,
    image_rows=lambda path: path.endswith(".cache/pip"),
    mount_suffixes=("/.cache/pip", "/.cache"),
)
"""pip, however it is run (``pip3.11``, ``python -m pip``, a virtualenv's pip)."""


def _uv_dirs(env: Env) -> tuple[str, ...]:
    return (
        *home_dirs(env, ".cache/uv"),
        *_absolute_env(env, "UV_CACHE_DIR"),
        *_absolute_env(env, "XDG_CACHE_HOME", "/uv"),
    )


def _uv_cleans(command: Command) -> bool:
    words = command.words()
    return command.name == "uv" and (words[:2] in (["cache", "clean"], ["cache", "prune"]))


_UV_VERBS = (["sync"], ["pip", "install"], ["pip", "sync"])


def _uv_installs(command: Command) -> bool:
    """``uv sync``, ``uv pip install``, ``uv pip sync``."""
    if command.name != "uv":
        return False
    words = positionals(command, UV_VALUED | VALUE_OPTIONS)
    return any(words[: len(verb)] == verb for verb in _UV_VERBS)


def _uv_disables(command: Command) -> bool:
    return command.has("--no-cache") or "-n" in command.args


UV = Cache(
    what="uv's cache (~/.cache/uv)",
    installs=_uv_installs,
    disables=_uv_disables,
    cleans=_uv_cleans,
    env_disables=lambda env: (
        env.get("UV_NO_CACHE", "").strip().lower() in {"1", "true", "yes", "on"}
    ),
    inline_disables=_UV_INLINE,
    dirs=_uv_dirs,
    image_rows=lambda path: path.endswith(".cache/uv"),
    mount_suffixes=("/.cache/uv", "/.cache"),
)
"""uv's project and pip interfaces (``uv sync``, ``uv pip install``). uv hard-links what
it installs from its cache by default, so the cache's extra bytes are small unless
:func:`uv_copies` says it copies."""


def uv_copies(command: Command, env: Env) -> bool:
    """uv copies (rather than hard-links) installed files out of its cache, so the cache is a
    second copy of the environment: ``UV_LINK_MODE``/``--link-mode`` ``copy`` or ``clone``
    (overlay filesystems cannot clone, and uv falls back to copying)."""
    modes = [env.get("UV_LINK_MODE", ""), *option_values(command.args, "--link-mode")]
    return any(m.strip().lower() in ("copy", "clone") for m in modes)


_POETRY_VERBS = frozenset({"install", "lock", "add", "update", "sync"})


def poetry_verb(command: Command) -> str | None:
    """The subcommand of a ``poetry`` command line (``install``), None for other programs."""
    if command.name != "poetry":
        return None
    words = positionals(command, POETRY_VALUED)
    return words[0] if words else None


def _poetry_dirs(env: Env) -> tuple[str, ...]:
    roots = [
        *home_dirs(env, ".cache/pypoetry"),
        *_absolute_env(env, "POETRY_CACHE_DIR"),
        *_absolute_env(env, "XDG_CACHE_HOME", "/pypoetry"),
    ]
    return tuple(f"{root}/{sub}" for root in roots for sub in ("cache", "artifacts"))


def _removes_poetry_cache(script: str) -> bool:
    """One of ``script``'s commands removes what Poetry says its cache is, or a folder in it
    (``rm -rf "$(poetry config cache-dir)"``, ``rm -rf $(poetry config cache-dir)/cache``)."""
    for part in parts(script) or ():
        words = simple_words(part.text)
        if words and any(_in_poetry_cache(p) for p in removed_paths(Command(tuple(words)), "/")):
            return True
    return False


def _in_poetry_cache(path: str) -> bool:
    """``path`` (as :func:`removed_paths` gives it against ``/``) is ``$(poetry config
    cache-dir)`` or under it."""
    head, closed, _ = path.removeprefix("/").partition(")")
    if not (closed and head.startswith("$(")):
        return False
    found = split_commands(head[2:])
    asks = len(found) == 1 and poetry_verb(found[0]) == "config"
    return asks and positionals(found[0], POETRY_VALUED)[1:] == ["cache-dir"]


def _poetry_cleans(command: Command) -> bool:
    words = positionals(command, POETRY_VALUED)
    return poetry_verb(command) == "cache" and words[1:2] == ["clear"] and command.has("--all")


POETRY = Cache(
    what="Poetry's cache (~/.cache/pypoetry: downloaded artifacts and metadata)",
    installs=lambda c: poetry_verb(c) in _POETRY_VERBS,
    disables=lambda c: c.has("--no-cache"),
    cleans=_poetry_cleans,
    removed_inline=_removes_poetry_cache,
    dirs=_poetry_dirs,
    image_rows=lambda path: path.endswith(".cache/pypoetry"),
    mount_suffixes=("/.cache/pypoetry", "/.cache"),
)
"""Poetry keeps every wheel and sdist it downloads in ``{cache-dir}/artifacts`` (its
virtualenvs, in ``{cache-dir}/virtualenvs``, are the environment, not waste). ``--no-cache``
turns it off; ``rm -rf $(poetry config cache-dir)`` or ``poetry cache clear --all`` in the
same RUN removes it."""


def _pdm_installs(command: Command) -> bool:
    words = positionals(command, PDM_VALUED)
    return command.name == "pdm" and words[:1] in (["install"], ["sync"], ["add"], ["update"])


PDM = Cache(
    what="PDM's cache (~/.cache/pdm)",
    installs=_pdm_installs,
    cleans=lambda c: c.name == "pdm" and positionals(c, PDM_VALUED)[:2] == ["cache", "clear"],
    dirs=lambda env: (
        *home_dirs(env, ".cache/pdm"),
        *_absolute_env(env, "PDM_CACHE_DIR"),
        *_absolute_env(env, "XDG_CACHE_HOME", "/pdm"),
    ),
    image_rows=lambda path: path.endswith(".cache/pdm"),
    mount_suffixes=("/.cache/pdm", "/.cache"),
)
"""PDM's wheel, metadata and HTTP caches."""


def _conda_installs(command: Command) -> bool:
    found = env_install(command)
    return found is not None and found.tool in CONDA and found.verb in CONDA_INSTALLS


def _conda_cleans(command: Command) -> bool:
    if command.name not in CONDA or positionals(command, CONDA_VALUED)[:1] != ["clean"]:
        return False
    if has_option(command, "--all", "a"):
        return True
    return has_option(command, "--tarballs", "t") and has_option(command, "--packages", "p")


def _conda_dirs(env: Env) -> tuple[str, ...]:
    dirs = ["/opt/conda/pkgs", "/root/.conda/pkgs", "/root/micromamba/pkgs"]
    for name in ("CONDA_DIR", "CONDA_PREFIX", "MAMBA_ROOT_PREFIX"):
        dirs.extend(_absolute_env(env, name, "/pkgs"))
    dirs.extend(d for d in env.get("CONDA_PKGS_DIRS", "").split(",") if d.startswith("/"))
    return tuple(dirs)


CONDA_CACHE = Cache(
    what="conda's package cache (<prefix>/pkgs)",
    installs=_conda_installs,
    cleans=_conda_cleans,
    dirs=_conda_dirs,
    image_rows=lambda path: path == "pkgs" or path.endswith("/pkgs"),
    mount_suffixes=("/pkgs",),
)
"""conda, mamba and micromamba (tarballs and extracted packages in ``<prefix>/pkgs``)."""


# -- JavaScript ---------------------------------------------------------------------------------

YARN_VALUED = frozenset({"--cwd", "--cache-folder", "--modules-folder", "--network-timeout"})


def _yarn_installs(command: Command) -> bool:
    if command.name != "yarn":
        return False
    words = positionals(command, YARN_VALUED)
    return not words or words[0] == "install"  # a bare `yarn` installs too


def _yarn_dirs(env: Env) -> tuple[str, ...]:
    return (
        "/usr/local/share/.cache/yarn",
        *home_dirs(env, ".cache/yarn"),
        *_absolute_env(env, "YARN_CACHE_FOLDER"),
    )


YARN = Cache(
    what="yarn's package cache",
    installs=_yarn_installs,
    cleans=lambda c: c.name == "yarn" and positionals(c, YARN_VALUED)[:2] == ["cache", "clean"],
    dirs=_yarn_dirs,
    image_rows=lambda path: path.endswith(".cache/yarn"),
    mount_suffixes=("/.cache/yarn",),
)
"""yarn v1 (its global cache is ``/usr/local/share/.cache/yarn`` as root)."""

CACHES: Mapping[str, Cache] = {
    "apk": APK,
    "yum": YUM_CACHE,
    "dnf": DNF_CACHE,
    "zypper": ZYPPER,
    "pip": PIP,
    "uv": UV,
    "poetry": POETRY,
    "pdm": PDM,
    "conda": CONDA_CACHE,
    "yarn": YARN,
}
"""Every cache, by package manager."""
