"""JT109: ``yarn install`` without ``yarn cache clean`` in the same RUN.

Why it matters: yarn (v1) keeps a copy of every package tarball in its global cache
(``/usr/local/share/.cache/yarn`` as root); it ships in the layer next to ``node_modules``
unless the same RUN cleans it or a cache mount holds it. Front-ends bundled into ML
service images (Gradio/Streamlit custom components, admin UIs) are where this shows up.
"""

from __future__ import annotations

from collections.abc import Iterator

from jettison.dockerfile.shell import Command
from jettison.lint.model import Finding, LintContext, Rule, Severity
from jettison.lint.rules.size._caches import CacheSpec, Env, cache_findings, home_dirs
from jettison.lint.rules.size._scripts import positionals

YARN_VALUED = frozenset({"--cwd", "--cache-folder", "--modules-folder", "--network-timeout"})


def _installs(command: Command) -> bool:
    if command.name != "yarn":
        return False
    words = positionals(command, YARN_VALUED)
    return not words or words[0] == "install"  # a bare `yarn` installs too


def _cleans(command: Command) -> bool:
    return command.name == "yarn" and positionals(command, YARN_VALUED)[:2] == ["cache", "clean"]


def _dirs(env: Env) -> tuple[str, ...]:
    dirs = ["/usr/local/share/.cache/yarn", *home_dirs(env, ".cache/yarn")]
    if env.get("YARN_CACHE_FOLDER", "").startswith("/"):
        dirs.append(env["YARN_CACHE_FOLDER"])
    return tuple(dirs)


SPEC = CacheSpec(
    cache="yarn's package cache",
    fix="End the same RUN with `&& yarn cache clean` (or use "
    "`--mount=type=cache,target=/usr/local/share/.cache/yarn`).",
    installs=_installs,
    cleans=_cleans,
    cache_dirs=_dirs,
    image_rows=lambda path: path.endswith(".cache/yarn"),
    mount_suffixes=("/.cache/yarn",),
)


def check(ctx: LintContext) -> Iterator[Finding]:
    return cache_findings(RULE, SPEC, ctx)


RULE = Rule(
    code="JT109",
    name="yarn-cache",
    severity=Severity.INFO,
    summary="`yarn install` without `yarn cache clean` in the same RUN keeps yarn's cache.",
    check=check,
    example="RUN yarn install --frozen-lockfile",
    fix_example="RUN yarn install --frozen-lockfile && yarn cache clean",
    peer="DL3060",
)
