"""JT607: the build fetches code that moves: a branch, ``latest``, a nightly, a fresh lock.

Why it matters: ``git clone`` of a default branch, ``pip install git+https://...`` without
a commit, ``curl https://.../install.sh | sh`` of whatever the installer is today, a
``Miniconda3-latest`` download, ``--pre`` installs from a nightly index, and a ``poetry
lock``/``uv lock`` run inside the build (or an install with no lock file to read) all take
what the remote holds on the day of the build. Two builds of one Dockerfile differ, a
broken upstream commit breaks the image, and Docker's layer cache never notices that the
remote changed, so a cached layer keeps the old code while a fresh build gets the new.

Checked in the stages whose files reach the final image (its own, and those it copies
from), in the RUN lines and in the shell scripts and Makefile targets of the build context
they run. Pinned enough: a commit or a version tag (``git clone -b v2.3.3``, ``git
checkout <sha>``, ``@v1.2`` in a VCS URL), a version in an installer's URL or arguments (or
a ``<TOOL>_VERSION`` variable the installer reads), and a lock file copied in. Model
downloads are JT502's. ``info``: reproducibility, not a defect of the image.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable, Iterator
from pathlib import Path

from jettison.dockerfile.commands.downloads import (
    WEIGHT_URL,
    clone_branch,
    fetches,
    floating_url,
    git_checkout,
    git_clone,
    git_pulls,
    latest_packages,
    model_download,
    pinned_ref,
    versioned_url,
)
from jettison.dockerfile.commands.python import (
    CONDA,
    LOCKS,
    env_install,
    installs_from_lock,
    parse_install,
    prereleases,
    resolves_lock,
    vcs_ref,
    vcs_words,
)
from jettison.dockerfile.context_files import context_file
from jettison.dockerfile.copies import copy_parts
from jettison.dockerfile.images import feeding_stages
from jettison.dockerfile.model import Dockerfile, Instruction
from jettison.dockerfile.paths import absolute
from jettison.dockerfile.run_commands import RunCommand
from jettison.dockerfile.shell import Command, pipelines
from jettison.dockerfile.steps import Step, expand, steps
from jettison.lint.helpers import commands_traced, context_excludes
from jettison.lint.model import Finding, LintContext, Rule, Severity

_INTERPRETERS = re.compile(r"^(?:sh|bash|dash|zsh|python\d*(?:\.\d+)*)$")


def check(ctx: LintContext) -> Iterator[Finding]:
    dockerfile = ctx.dockerfile
    if dockerfile is None:
        return
    feeding = feeding_stages(dockerfile)
    excluded = context_excludes(ctx)
    for stage in dockerfile.stages:
        if stage.index not in feeding:
            continue
        locked: set[str] = set()  # lock files this stage chain resolved itself
        for step in steps(dockerfile, stage, inherited=True):
            keyword = step.instruction.keyword
            if step.stage.index != stage.index:  # an earlier stage's: reported there
                if keyword == "RUN" and any(resolves_lock(c) for c in step.commands):
                    locked.update(LOCKS.values())
                continue
            if keyword == "RUN":
                reasons = _run(ctx, dockerfile, step, excluded, locked)
            elif keyword == "ADD":
                reasons = _add(step.instruction)
            else:
                continue
            if reasons:
                yield _finding(dockerfile, step.instruction, reasons)


def _finding(dockerfile: Dockerfile, instruction: Instruction, reasons: list[str]) -> Finding:
    return RULE.finding(
        dockerfile.path,
        instruction,
        "; ".join(dict.fromkeys(reasons))
        + ": the build takes whatever the remote holds that day (unreproducible, and the "
        "layer cache never sees it change)",
        fix=(
            "Pin what is fetched: a tag or commit (`git clone --branch v1.2.3`, "
            "`pkg @ git+https://...@<sha>`), a versioned installer URL or version argument, "
            "and COPY the lock file in rather than resolving it during the build."
        ),
    )


def _run(
    ctx: LintContext,
    dockerfile: Dockerfile,
    step: Step,
    excluded: Callable[[str], bool],
    locked: set[str],
) -> list[str]:
    executed = commands_traced(ctx, step)
    reasons = _clones(executed, step)
    for item in executed:
        command = item.command
        via = f" (in {item.via})" if item.via else ""
        if git_pulls(command):
            reasons.append(f"`git pull`{via} fetches the branch head")
        reasons.extend(f"{r}{via}" for r in _pip(ctx, dockerfile, step, command, excluded))
        resolved = resolves_lock(command)
        if resolved is not None:
            locked.update(LOCKS.values())
            reasons.append(f"`{resolved}`{via} resolves the dependencies during the build")
        lock = installs_from_lock(command)
        unknown = any("$" in a for a in command.args)  # options the shell sets at run time
        if lock is not None and lock not in locked and not unknown:
            missing = _missing_lock(ctx, dockerfile, step, lock, excluded)
            if missing is not None:
                reasons.append(f"`{command.name} {command.words()[0]}`{via} {missing}")
        for fetch in fetches(command):
            if floating_url(fetch.url) and not WEIGHT_URL.search(fetch.url):
                reasons.append(f"{command.name} downloads {fetch.url}{via}")
        reasons.extend(f"`{command.name}` installs {p}{via}" for p in latest_packages(command))
        conda = env_install(command, step.env)
        if conda is not None and conda.tool in CONDA:
            nightly = [c for c in conda.channels if "nightly" in c.lower()]
            if nightly:
                reasons.append(f"{conda.tool} installs from the {nightly[0]} channel{via}")
    reasons.extend(_piped_installers(step))
    return reasons


def _clones(executed: list[RunCommand], step: Step) -> list[str]:
    """Clones of a branch that no later ``git checkout <tag or commit>`` in the RUN pins."""
    out: list[str] = []
    pinned_later = any(
        (ref := git_checkout(e.command)) is not None and pinned_ref(expand(ref, step.env))
        for e in executed
    )
    for item in executed:
        clone = git_clone(item.command)
        if clone is None or pinned_later or model_download(item.command) is not None:
            continue  # a model repository is JT502's
        branch = clone_branch(item.command)
        branch = expand(branch, step.env) if branch is not None else None
        if branch is not None and ("$" in branch or pinned_ref(branch)):
            continue  # a tag, or a build argument the Dockerfile does not set
        via = f" (in {item.via})" if item.via else ""
        which = f"branch {branch}" if branch else "the default branch"
        out.append(f"`git clone` of {which} of {expand(clone.url, step.env)}{via}")
    return out


def _pip(
    ctx: LintContext,
    dockerfile: Dockerfile,
    step: Step,
    command: Command,
    excluded: Callable[[str], bool],
) -> list[str]:
    install = parse_install(step.instruction, command)
    if install is None:
        return []
    out: list[str] = []
    for word in vcs_words(command):
        ref = vcs_ref(expand(word, step.env)) or ""
        if not (ref and pinned_ref(ref)):
            out.append(f"`{install.tool} install {word}` takes {ref or 'the default branch'}")
    nightly = [u for u in install.index_urls if "nightly" in u.lower()]
    if nightly:
        out.append(f"{install.tool} installs from the nightly index {nightly[0]}")
    elif prereleases(command) and any(not p.specifier.startswith("==") for p in install.packages):
        out.append(f"`{install.tool} install --pre` takes the newest pre-release")
    for name in install.requirement_files:
        found = context_file(dockerfile, step, expand(name, step.env), ctx.context_dir, excluded)
        if found is not None:
            out.extend(_vcs_requirements(ctx, found))
    return out


def _vcs_requirements(ctx: LintContext, path: Path) -> list[str]:
    out: list[str] = []
    for requirement in ctx.requirements.requirements:
        if _same(requirement.file, path):
            ref = vcs_ref(requirement.url or requirement.raw)
            if ref is not None and not (ref and pinned_ref(ref)):
                out.append(
                    f"{requirement.file.name}:{requirement.line} installs {requirement.name} "
                    f"from git {f'branch {ref}' if ref else 'without a commit or tag'}"
                )
    return out


def _same(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve()
    except OSError:
        return a == b


def _missing_lock(
    ctx: LintContext,
    dockerfile: Dockerfile,
    step: Step,
    lock: str,
    excluded: Callable[[str], bool],
) -> str | None:
    """Why the install has no lock file to read, None when it has one."""
    target = absolute(lock, step.cwd)
    if context_file(dockerfile, step, target, ctx.context_dir, excluded) is not None:
        return None
    if _mounted(step, lock):
        return None
    if _copied_from_a_stage(dockerfile, step, lock):
        return None
    if context_file(dockerfile, step, target, ctx.context_dir) is not None:
        return f"installs without {lock}: .dockerignore leaves it out, so it resolves afresh"
    return f"finds no {lock} in the image, so it resolves the dependencies afresh"


def _mounted(step: Step, lock: str) -> bool:
    """``RUN --mount=type=bind,source=uv.lock,target=uv.lock``: the lock is there for the
    install without being copied."""
    for mount in step.instruction.flag_values("mount"):
        values = dict(part.partition("=")[::2] for part in mount.split(","))
        paths = (values.get(k, "") for k in ("source", "src", "target", "dst", "destination"))
        if any(posixpath.basename(p.rstrip("/")) == lock for p in paths):
            return True
    return False


def _copied_from_a_stage(dockerfile: Dockerfile, step: Step, lock: str) -> bool:
    """An earlier ``COPY --from=<stage>`` names the lock file (a builder that locked)."""
    for earlier in steps(dockerfile, step.stage, inherited=True):
        if earlier.instruction is step.instruction:
            return False
        parts = copy_parts(earlier.instruction)
        if earlier.instruction.flag("from") is None or parts is None:
            continue
        names = [posixpath.basename(p.rstrip("/")) for p in (*parts[0], parts[1])]
        if lock in names:
            return True
    return False


def _piped_installers(step: Step) -> list[str]:
    """``curl URL | sh`` with no version in the URL, the shell's arguments, or a
    ``<TOOL>_VERSION`` variable the installer reads."""
    out: list[str] = []
    for pipeline in pipelines(step.instruction.shell_text):
        if len(pipeline) < 2 or not _INTERPRETERS.match(pipeline[-1].name):
            continue
        urls = [f.url for f in fetches(pipeline[0])]
        if not urls or any(versioned_url(u) for u in urls):
            continue
        url = expand(urls[0], step.env)
        if versioned_url(url) or _version_argument(pipeline[-1], step, url):
            continue
        out.append(f"`{pipeline[0].name} {url} | {pipeline[-1].name}` runs today's installer")
    return out


def _version_argument(shell: Command, step: Step, url: str) -> bool:
    if any(re.search(r"\d+\.\d+", expand(a, step.env)) for a in shell.args):
        return True
    lowered = url.lower()
    return any(
        name.endswith("_VERSION") and name[: -len("_VERSION")].lower() in lowered and value
        for name, value in step.env.items()
    )


def _add(instruction: Instruction) -> list[str]:
    parts = copy_parts(instruction)
    if parts is None:
        return []
    out: list[str] = []
    for source in parts[0]:
        if re.match(r"^(?:https?|git)://|^git@", source) is None:
            continue
        if source.split("#", 1)[0].endswith(".git") or source.startswith("git@"):
            ref = source.split("#", 1)[1].split(":", 1)[0] if "#" in source else ""
            if not (ref and pinned_ref(ref)):
                out.append(
                    f"ADD of {source} takes {f'branch {ref}' if ref else 'the default branch'}"
                )
        elif floating_url(source) and not WEIGHT_URL.search(source):
            out.append(f"ADD downloads {source}")
    return out


RULE = Rule(
    code="JT607",
    name="unpinned-remote-source",
    severity=Severity.INFO,
    summary="The build fetches moving code: a branch, a latest or nightly download, an "
    "installer of no fixed version, a lock resolved during the build.",
    check=check,
    example=(
        "FROM python:3.12-slim\n"
        "RUN git clone https://github.com/org/tool.git /opt/tool \\\n"
        "    && pip install --no-cache-dir /opt/tool"
    ),
    fix_example=(
        "FROM python:3.12-slim\n"
        "RUN git clone --depth 1 --branch v1.4.2 https://github.com/org/tool.git /opt/tool \\\n"
        "    && pip install --no-cache-dir /opt/tool"
    ),
)
