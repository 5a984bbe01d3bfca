"""The multi-stage restructure for the Dockerfiles people really have (pure): the install
steps stay as the user wrote them, in a builder stage; a runtime stage on a slimmer image
copies the environment they fill and runs everything else again.

Any shape of install is read (``pip install .``/``-e .[extras]``, ``uv sync``/``uv pip``,
``poetry install``, ``pdm install``, conda/mamba/micromamba environments, requirement files
copied alone or with the whole context), on a single-stage Dockerfile or on the final stage
of a multi-stage one (the other stages stay as written). :mod:`jettison.fix.environment`
says where the environment is; :mod:`jettison.fix.families` which image the runtime stage
runs on.

The builder is the Dockerfile itself up to its last install, as written, with three edits:
the stage gets a name, a system-wide install is redirected into ``/opt/venv`` (a virtualenv
created just before it), and an editable install of a project copied whole becomes a
normal one (the runtime then needs no source tree, nor the build artefacts in it). A last
step strips bytecode and test suites (and headers, unless the code compiles at run time).

The runtime stage runs, in order, every instruction of the stages the image was built
from, except what built the environment: apt installs are gathered into one layer without
build tools, the installs are dropped from their RUNs (the other commands of those RUNs
stay, with their separators), and the environment is copied where its first install
stood. References to the base's interpreter and site-packages in the image's command and
environment follow the packages into the virtualenv. An unprivileged user and a health
check are added as the requirements rewrite adds them.

Refused, with the reason: RUNs that mix an install with other steps in a shell construct
fix cannot cut (``if``/``case`` around both), an apt source set up beside the installs, a
stage outside the final image built FROM a stage the split shortens, and whatever
:mod:`~jettison.fix.environment` and :mod:`~jettison.fix.families` refuse. A split that
would leave the runtime stage on the same image with the same packages is refused too:
nothing would be saved.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from jettison.dockerfile import writer
from jettison.dockerfile.commands.downloads import git_clone
from jettison.dockerfile.commands.python import (
    editable_dropped,
    parse_install,
    parse_package,
    run_with_python,
)
from jettison.dockerfile.commands.system import package_name
from jettison.dockerfile.copies import WHOLE_CONTEXT, copy_parts
from jettison.dockerfile.launch import exposed_tcp_port, launched_programs, programs_of
from jettison.dockerfile.model import Dockerfile, Instruction, Stage
from jettison.dockerfile.paths import absolute, covers
from jettison.dockerfile.shell import (
    Command,
    command_words,
    commands_of,
    runner_prefix,
    split_commands,
)
from jettison.dockerfile.steps import Step, chain, expand, steps
from jettison.dockerfile.writer import join
from jettison.facts.packages import INSTALLER_TOOLS
from jettison.facts.system import (
    COMPILER_PROGRAMS,
    DEV_RUNTIME_LIBRARIES,
    FULL_IMAGE_TOOLS,
    PYTHON_TOOLING,
    is_build_tool,
)
from jettison.facts.weights import named_like_weights
from jettison.fix.changes import Change
from jettison.fix.environment import (
    Environment,
    EnvName,
    RunStep,
    find_environment,
    run_steps,
)
from jettison.fix.errors import FixError, refuse
from jettison.fix.families import RuntimePlan
from jettison.fix.roles import (
    PartRoles,
    apt_packages_of,
    apt_removed,
    command_role,
)
from jettison.fix.tooling import KEEP, Tooling, change_lines

BUILDER = "builder"
_BUILD_STEPS = frozenset({"RUN", "COPY", "ADD", "WORKDIR"})
_TENDING = frozenset({"find", "rm", "strip", "chmod", "chown"})
_MOVED = frozenset({"install", "apt-install", "apt-remove", "apt-upgrade", "apt"})
"""Roles whose commands the runtime stage does not run again (the builder did, or the
gathered apt layer does)."""
_SITE_PACKAGES = re.compile(r"/usr/local/lib/python(3\.\d+)/(?:site|dist)-packages")


@dataclass(frozen=True)
class Split:
    text: str
    changes: tuple[Change, ...]


@dataclass
class _Runtime:
    """The runtime stage as it is being written."""

    lines: list[str] = field(default_factory=list)
    groups: list[list[str]] = field(default_factory=list)
    """The lines of each kept instruction (a user line goes after the last build step)."""
    build_steps: list[bool] = field(default_factory=list)
    apt: list[str] = field(default_factory=list)
    removed: set[str] = field(default_factory=set)
    upgrade: bool = False
    programs: set[str] = field(default_factory=set)
    """Programs the kept steps, the command and the health check run."""
    changes: list[Change] = field(default_factory=list)

    def change(self, code: str, description: str) -> str:
        self.changes.append(Change(code, description))
        return writer.change(code, description)


def split_dockerfile(
    dockerfile: Dockerfile,
    plan: RuntimePlan,
    *,
    keep_headers: bool = False,
    writable: Sequence[str] = (),
    healthcheck: bool = True,
    user: bool = True,
    env_name: EnvName | None = None,
    tooling: Tooling = KEEP,
) -> Split:
    """The multi-stage Dockerfile for ``dockerfile`` whose final image is built on ``plan``'s
    base (see the module docstring), or a refusal (FixError). ``healthcheck``: lint reports
    a service without one (JT605); ``user``: lint reports it runs as root (JT601);
    ``tooling``: the installer tools a virtualenv the builder creates leaves out
    (:mod:`jettison.fix.tooling`)."""
    final = dockerfile.final_stage
    if final is None:
        raise refuse(dockerfile.path, "no build stage", "give a Dockerfile with a FROM line")
    stages = chain(dockerfile, final)
    conda = plan.family in ("conda", "micromamba")
    runs = run_steps(dockerfile, final, conda_base=conda, env_name=env_name)
    all_steps = steps(dockerfile, final, inherited=True)
    runtime_programs = launched_programs(stages) | _runners(runs)
    environment = find_environment(
        dockerfile, runs, conda_family=conda, runtime_tools=runtime_programs
    )
    last_install = max((r for r in runs if r.installs), key=lambda r: r.line)
    builder_stage = last_install.step.stage
    _refuse_outside_users(dockerfile, stages, _changed(stages, environment, last_install))
    name = builder_stage.name or _free_name(dockerfile)
    builder_text, builder_changes = _builder(
        dockerfile,
        stages,
        runs,
        environment,
        plan,
        last_install,
        keep_headers,
        runtime_programs,
        tooling,
        name,
    )
    runtime = _Runtime()
    indexes = _kept_indexes(dockerfile, stages, builder_stage)
    _runtime_steps(runtime, dockerfile, all_steps, runs, environment, plan, name, indexes)
    _refuse_moved_past_source(dockerfile, runtime, runs)
    refuse_variable_apt(dockerfile, runtime.apt)
    _refuse_path_reset(dockerfile, all_steps, environment)
    moved = any(c.description.endswith(_TOOLS_MOVED) for c in builder_changes)
    if not _gains(runtime, plan, environment, runs, runtime_programs, tools_moved=moved):
        raise _nothing_saved(dockerfile, plan)
    runtime_text = _runtime_text(
        runtime, plan, environment, all_steps, writable, healthcheck=healthcheck, user=user
    )
    changes = [*builder_changes, *runtime.changes]
    return Split(builder_text + "\n" + runtime_text, tuple(changes))


def _nothing_saved(dockerfile: Dockerfile, plan: RuntimePlan) -> FixError:
    return refuse(
        dockerfile.path,
        f"the runtime stage would run on {plan.runtime}, the base itself, with the same "
        "packages: the Dockerfile installs no build tools for a builder to keep, so a "
        "second stage saves nothing",
        "run `jettison lint` for what else to change",
    )


# -- the builder ----------------------------------------------------------------------------------


def _builder(
    dockerfile: Dockerfile,
    stages: Sequence[Stage],
    runs: Sequence[RunStep],
    environment: Environment,
    plan: RuntimePlan,
    last_install: RunStep,
    keep_headers: bool,
    runtime_tools: set[str],
    tooling: Tooling = KEEP,
    name: str = BUILDER,
) -> tuple[str, list[Change]]:
    """The file up to the last install, as written, with the builder's edits (``name``: the
    builder's, when its stage has none)."""
    changes: list[Change] = []
    inserts = _redirect_lines(environment, plan, runs, changes)
    edits = _editable_edits(dockerfile, runs, environment, changes)
    _tool_edits(dockerfile, runs, environment, plan, runtime_tools, edits, changes)
    indexes = _kept_indexes(dockerfile, stages, last_install.step.stage)
    _renumber_copies(dockerfile, indexes, edits)
    keep = _builder_lines(dockerfile, stages, last_install, environment, inserts, edits, name)
    keep += _stripped_environment(environment, keep_headers, changes)
    if environment.mode == "redirect":  # the virtualenv the builder creates, not the user's
        description, commands = change_lines(tooling, environment.prefix)
        if commands:
            keep.append(writer.change("restructure", description))
            changes.append(Change("restructure", description))
            keep.append(writer.run(commands))
    return "\n".join(keep) + "\n", changes


def _renumber_copies(
    dockerfile: Dockerfile, indexes: dict[int, int], edits: dict[int, str]
) -> None:
    """The ``COPY --from=N`` lines of the kept stages with N the stage's index in the output
    (``edits``: line number -> text, updated in place)."""
    lines = dockerfile.lines
    for kept in dockerfile.stages:
        if kept.index not in indexes:
            continue
        for instruction in kept.instructions:
            lines_of = [edits.get(n, lines[n - 1]) for n in _numbers(instruction)]
            renumbered = _renumbered(dockerfile, instruction, lines_of, indexes)
            for n, written in zip(_numbers(instruction), renumbered, strict=True):
                if written != lines[n - 1]:
                    edits[n] = written


def _builder_lines(
    dockerfile: Dockerfile,
    stages: Sequence[Stage],
    last_install: RunStep,
    environment: Environment,
    inserts: Sequence[str],
    edits: dict[int, str],
    name: str,
) -> list[str]:
    """The lines of the file up to the last install (the stages of the final image after the
    builder left out), edited, the redirect inserted before the first install, the builder
    stage named; no blank lines at the end."""
    chain_indexes = {s.index for s in stages}
    end = last_install.instruction.position.end_line or last_install.line
    builder = last_install.step.stage
    starts = {s.from_instruction.position.line: s for s in dockerfile.stages}
    keep: list[str] = []
    skipping = False
    for number, text in enumerate(dockerfile.lines, start=1):
        stage = starts.get(number)
        if stage is not None:
            skipping = stage.index in chain_indexes and stage.index > builder.index
        if skipping or (number > end and _in_stage(dockerfile, number, builder)):
            continue
        if number == environment.first_install.position.line and inserts:
            keep.extend(inserts)
        if stage is builder and not builder.name:
            text = _named(text, name)
        keep.append(edits.get(number, text))
    while keep and not keep[-1].strip():
        keep.pop()
    return keep


def _stripped_environment(
    environment: Environment, keep_headers: bool, changes: list[Change]
) -> list[str]:
    """The builder's last step: the environment stripped of what no import needs (bytecode,
    bundled test suites, headers unless ``keep_headers``, a conda root's package cache)."""
    stripped = "bytecode and the packages' bundled test suites"
    if not keep_headers:
        stripped += ", C/C++ headers and static libraries (nothing compiles at run time)"
    causes = "removable:bytecode,tests" + ("" if keep_headers else ",toolchain")
    changes.append(Change(causes, f"the copied environment leaves out {stripped}"))
    strip = writer.strip_venv(tests=True, headers=not keep_headers)
    strip = [s.replace(writer.VENV, environment.prefix) for s in strip]
    if environment.mode == "conda" and not environment.named_conda_env:
        strip.append(f"rm -rf {environment.prefix}/pkgs")
    return [
        writer.change(causes, f"the copied environment leaves out {stripped}"),
        writer.run(strip),
    ]


def _kept_indexes(
    dockerfile: Dockerfile, stages: Sequence[Stage], builder: Stage
) -> dict[int, int]:
    """Old stage index -> its index in the output, for the stages the split keeps (the
    stages of the final image after the builder give way to the runtime stage)."""
    chain = {s.index for s in stages}
    kept = [s.index for s in dockerfile.stages if s.index not in chain or s.index <= builder.index]
    return {old: new for new, old in enumerate(kept)}


def _numbers(instruction: Instruction) -> range:
    first = instruction.position.line
    return range(first, (instruction.position.end_line or first) + 1)


def _renumbered(
    dockerfile: Dockerfile, instruction: Instruction, lines: list[str], indexes: dict[int, int]
) -> list[str]:
    """The lines of a COPY/ADD whose ``--from`` names a stage by index, with the stage's index
    in the output; refused when it names (by index or name) a stage the split drops."""
    ref = instruction.flag("from") if instruction.keyword in ("COPY", "ADD") else None
    found = dockerfile.stage_ref(ref) if ref else None
    if ref is None or found is None:
        return lines
    if found.index not in indexes:
        raise refuse(
            dockerfile.path,
            f"line {instruction.position.line}: COPY --from={ref} copies from a stage the "
            "runtime stage replaces; it would be gone from the output",
            "copy from the stage that built the files in a stage of its own, then run fix again",
        )
    new = indexes[found.index]
    if not ref.isdigit() or new == found.index:
        return lines
    pattern = re.compile(rf"(--from=){ref}(?!\w)", re.IGNORECASE)
    out = list(lines)
    for at, line in enumerate(out):
        changed = pattern.sub(rf"\g<1>{new}", line, count=1)
        if changed != line:
            out[at] = changed
            break
    return out


def _in_stage(dockerfile: Dockerfile, number: int, stage: Stage) -> bool:
    """Line ``number`` lies in ``stage`` (after its FROM, before the next stage's FROM)."""
    start = stage.from_instruction.position.line
    following = [
        s.from_instruction.position.line for s in dockerfile.stages if s.index > stage.index
    ]
    return number > start and (not following or number < min(following))


def _named(line: str, name: str = BUILDER) -> str:
    """A FROM line with ``AS name`` (it had no name)."""
    return line.rstrip() + f" AS {name}"


def _free_name(dockerfile: Dockerfile) -> str:
    """``builder``, or ``builder-2``, ``builder-3``... when another stage has that name
    (compared without case, as BuildKit does): a ``COPY --from`` naming it still finds it."""
    taken = {s.name.lower() for s in dockerfile.stages if s.name}
    name, number = BUILDER, 1
    while name in taken:
        number += 1
        name = f"{BUILDER}-{number}"
    return name


def _redirect_lines(
    environment: Environment, plan: RuntimePlan, runs: Sequence[RunStep], changes: list[Change]
) -> list[str]:
    """The lines that send a system-wide install into /opt/venv (redirect mode only)."""
    if environment.mode != "redirect":
        return []
    python = environment.python or plan.python
    out: list[str] = []
    description = (
        f"the installs go into a virtualenv at {environment.prefix}, which the runtime stage "
        "copies alone"
    )
    changes.append(Change("restructure", description))
    out.append(writer.change("restructure", description))
    venv_apt = list(plan.venv_apt)
    if environment.python and plan.venv_apt:
        venv_apt = [f"{environment.python}-venv"]
    owner = environment.owner
    if owner:
        out.append("USER root")  # the installs run as a user who cannot write /opt
    if venv_apt:
        out.append(writer.NONINTERACTIVE)
        out.append(writer.apt_layer(venv_apt))
    create = [writer.venv_command(python, system_site_packages=plan.system_site_packages)]
    if owner:
        create.append(f"chown -R {owner} {environment.prefix}")
    out.append(writer.run(create))
    if owner:
        out.append(f"USER {owner}")
    uses_uv = "uv" in environment.tools
    variables = [f"VIRTUAL_ENV={environment.prefix}", f"PATH={environment.prefix}/bin:$PATH"]
    if uses_uv:
        variables += [
            f"UV_PROJECT_ENVIRONMENT={environment.prefix}",
            f"UV_PYTHON={environment.prefix}/bin/python",
            "UV_PYTHON_DOWNLOADS=never",
        ]
    out.append("ENV " + " ".join(variables))
    return out


SEPARABLE_TOOLS = frozenset({"poetry", "poetry-plugin-export", "uv"})
"""Installer tools that build an environment from outside it (they install into the active
``VIRTUAL_ENV``) and need not ship in it. Not pip, setuptools and wheel (an upgrade of them is
for the installs that follow), nor pip-tools (``pip-sync`` installs into its own interpreter),
nor pipenv (its ``--system`` installs run its own bundled pip with the environment's Python)
or pdm: left where they were installed until a build shows them working from outside."""
_TOOLS_MOVED = "it builds the environment from outside and stays in the builder"


def _separable(run: RunStep, command: Command, runtime_tools: set[str]) -> set[str]:
    """The installer tools a tools-only install installs that the runtime stage never runs."""
    install = parse_install(run.instruction, command)
    if install is None:
        return set()
    names = {p.name for p in install.packages}
    return names & SEPARABLE_TOOLS - runtime_tools if names <= INSTALLER_TOOLS else set()


def _base_python(plan: RuntimePlan) -> str | None:
    """The absolute path of the base image's own interpreter, when known."""
    if plan.python.startswith("/"):
        return plan.python
    return "/usr/local/bin/python" if plan.family == "python" else None


def _tool_edits(
    dockerfile: Dockerfile,
    runs: Sequence[RunStep],
    environment: Environment,
    plan: RuntimePlan,
    runtime_tools: set[str],
    edits: dict[int, str],
    changes: list[Change],
) -> None:
    """After the redirect, installs of installer tools only (``pip install poetry`` in the RUN
    that runs ``poetry install``) run with the base's own interpreter: the tool builds the
    environment from outside it and stays in the builder (``edits``: updated in place)."""
    base = _base_python(plan)
    if environment.mode != "redirect" or base is None:
        return
    after = False
    for run in runs:
        after = after or run.instruction is environment.first_install
        if not after:
            continue
        for command, target in run.targets:
            tools = _separable(run, command, runtime_tools)
            if not target.tools_only or not tools:
                continue
            if not _named_on_pip_line(_run_text(dockerfile, run, edits), command, tools):
                continue
            edit = functools.partial(run_with_python, command=command, python=base)
            if _edit_run(dockerfile, run, edits, edit):
                changes.append(
                    Change(
                        "restructure",
                        f"line {run.line}: {', '.join(sorted(tools))} installed with the "
                        f"image's own Python ({base}): {_TOOLS_MOVED}",
                    )
                )


def _edit_run(
    dockerfile: Dockerfile,
    run: RunStep,
    edits: dict[int, str],
    edit: Callable[[str], str | None],
) -> bool:
    """Apply ``edit`` (the RUN's text as edited so far -> the text edited once more, or None)
    to ``run``, each line it changes recorded in ``edits`` (line number -> text); whether it
    changed any."""
    before = _run_text(dockerfile, run, edits)
    after = edit(before)
    if after is None:
        return False
    lines = zip(_numbers(run.instruction), before.split("\n"), after.split("\n"), strict=True)
    edits.update((number, new) for number, old, new in lines if new != old)
    return True


def _run_text(dockerfile: Dockerfile, run: RunStep, edits: dict[int, str]) -> str:
    """The lines of ``run`` as edited so far."""
    return "\n".join(edits.get(n, dockerfile.lines[n - 1]) for n in _numbers(run.instruction))


def _named_on_pip_line(text: str, command: Command, tools: set[str]) -> bool:
    """One of ``tools`` is named on the line where the pip install ``command`` starts: an
    install naming them only on a continuation line stays as written."""
    words = command_words(text, command)
    if words is None:
        return False
    line = text.count("\n", 0, words[0].start)
    return any(
        (package := parse_package(arg)) is not None
        and package.name in tools
        and text.count("\n", 0, word.start) == line
        for arg, word in zip(command.argv, words, strict=True)
    )


def _editable_edits(
    dockerfile: Dockerfile, runs: Sequence[RunStep], environment: Environment, changes: list[Change]
) -> dict[int, str]:
    """Line number -> the line with ``-e`` dropped before each editable install of a project
    the builder has whole (copied or cloned before the install)."""
    out: dict[int, str] = {}
    for run in runs:
        cwd = run.step.cwd
        for command in run.commands:
            if command.name == "cd" and command.args:
                cwd = absolute(expand(command.args[0], run.step.env), cwd)
            install = parse_install(run.instruction, command)
            for project in install.editables if install is not None else ():
                if not _is_path(project) or not _complete(dockerfile, run, project, cwd):
                    continue
                edit = functools.partial(editable_dropped, command=command, project=project)
                if _edit_run(dockerfile, run, out, edit):
                    description = (
                        f"line {run.line}: `pip install -e {project}` installs the project "
                        "into the environment (not editable): the runtime stage needs no "
                        "source tree nor its build artefacts"
                    )
                    changes.append(Change("restructure", description))
    return out


def _is_path(word: str) -> bool:
    base = word.split("[", 1)[0]
    return base in (".", "./", "..") or base.startswith(("./", "/", "../"))


def _complete(dockerfile: Dockerfile, run: RunStep, project: str, cwd: str) -> bool:
    """The project folder the editable install names (from ``cwd``) was copied or cloned
    whole before it."""
    path = absolute(expand(project.split("[", 1)[0], run.step.env), cwd)
    for step in steps(dockerfile, run.step.stage, inherited=True):
        if step.instruction is run.instruction:
            return False
        if _fills(step, path):
            return True
    return False


def _fills(step: Step, path: str) -> bool:
    instruction = step.instruction
    if instruction.keyword in ("COPY", "ADD") and instruction.flag("from") is None:
        found = copy_parts(instruction)
        if found is None:
            return False
        sources, dest = found
        target = absolute(expand(dest, step.env), step.cwd)
        for source in sources:
            if source.strip() in WHOLE_CONTEXT and covers(target, path) and target == path:
                return True
            if "." not in source.rsplit("/", 1)[-1] and target == path:
                return True  # a folder copied onto the project's place
        return False
    if instruction.keyword == "RUN":
        for command in commands_of(instruction):
            clone = git_clone(command)
            if clone is not None and absolute(expand(clone.path, step.env), step.cwd) == path:
                return True
    return False


def _changed(stages: Sequence[Stage], environment: Environment, last_install: RunStep) -> set[int]:
    """Indexes of the stages the split changes: from the one the redirect goes into (its
    ENV is inherited), the builder when steps after its last install leave it, every stage
    built after it (the runtime stage takes their place)."""
    builder = last_install.step.stage
    end = last_install.instruction.position.end_line or last_install.line
    changed = {s.index for s in stages if s.index > builder.index}
    if any(i.position.line > end for i in builder.instructions):
        changed.add(builder.index)
    if environment.mode == "redirect":
        start = next(
            s.index for s in stages if any(i is environment.first_install for i in s.instructions)
        )
        changed |= {s.index for s in stages if s.index >= start}
    return changed


def _refuse_outside_users(
    dockerfile: Dockerfile, stages: Sequence[Stage], changed: set[int]
) -> None:
    """A stage outside the final image built FROM, or copying from, a stage the split
    changes would change with it."""
    indexes = {s.index for s in stages}
    for stage in dockerfile.stages:
        if stage.index in indexes:
            continue
        parent = dockerfile.stage_named(stage.base_expanded)
        used = [parent] if parent is not None else []
        for instruction in stage.instructions:
            ref = instruction.flag("from")
            found = dockerfile.stage_ref(ref) if ref else None
            if found is not None:
                used.append(found)
        for other in used:
            if other.index in changed:
                raise refuse(
                    dockerfile.path,
                    f"stage {stage.name or stage.index} is built from {other.name or other.index}, "
                    "a stage of the final image the split changes: it would change what that "
                    "stage builds",
                    "build the other stage from its own base, then run fix again",
                )


# -- the runtime stage ----------------------------------------------------------------------------


def _runtime_steps(
    runtime: _Runtime,
    dockerfile: Dockerfile,
    all_steps: Sequence[Step],
    runs: Sequence[RunStep],
    environment: Environment,
    plan: RuntimePlan,
    builder: str,
    indexes: dict[int, int],
) -> None:
    """``indexes``: old stage index -> new (:func:`_kept_indexes`)."""
    by_instruction = {id(r.instruction): r for r in runs}
    copied = False
    for step in all_steps:
        instruction = step.instruction
        if not copied and instruction is environment.first_install:
            runtime.groups.append([_copy_line(environment, builder)])
            runtime.build_steps.append(True)
            copied = True
        if instruction.keyword == "RUN":
            lines = _runtime_run(
                runtime, dockerfile, by_instruction[id(instruction)], environment.prefix
            )
        else:
            lines = _kept(runtime, dockerfile, instruction, environment, plan, all_steps)
            lines = _renumbered(dockerfile, instruction, lines, indexes)
        if lines:
            runtime.groups.append(lines)
            runtime.build_steps.append(instruction.keyword in _BUILD_STEPS)


def _copy_line(environment: Environment, builder: str) -> str:
    owner = f" --chown={environment.owner}" if environment.owner else ""
    prefix = environment.prefix
    return f"COPY --from={builder}{owner} {prefix} {prefix}"


def _source(dockerfile: Dockerfile, instruction: Instruction) -> list[str]:
    """An instruction's lines as written."""
    first = instruction.position.line
    last = instruction.position.end_line or first
    return list(dockerfile.lines[first - 1 : last])


def _kept(
    runtime: _Runtime,
    dockerfile: Dockerfile,
    instruction: Instruction,
    environment: Environment,
    plan: RuntimePlan,
    all_steps: Sequence[Step],
) -> list[str]:
    lines = _source(dockerfile, instruction)
    if instruction.keyword in ("CMD", "ENTRYPOINT", "HEALTHCHECK"):
        runtime.programs.update(programs_of(instruction))
    if environment.mode == "redirect" and instruction.keyword in (
        "CMD", "ENTRYPOINT", "HEALTHCHECK", "ENV"
    ):  # fmt: skip
        lines = _relocated(runtime, instruction, lines, environment, plan, all_steps)
    if instruction.keyword in ("COPY", "ADD") and any(
        named_like_weights(s) for s in instruction.args[:-1]
    ):
        description = (
            "model weights stay baked in (kept); consider mounting them as a volume "
            "(docker run -v ./models:/models) or fetching them at start"
        )
        lines.insert(0, runtime.change("JT501", description))
    return lines


def _relocated(
    runtime: _Runtime,
    instruction: Instruction,
    lines: list[str],
    environment: Environment,
    plan: RuntimePlan,
    all_steps: Sequence[Step],
) -> list[str]:
    """The lines with the base interpreter's paths pointed into the virtualenv (a program
    the image has from elsewhere stays: :func:`_placed`)."""
    prefix = environment.prefix
    out: list[str] = []
    for line in lines:
        new = _SITE_PACKAGES.sub(lambda m: f"{prefix}/lib/python{m.group(1)}/site-packages", line)
        for folder in plan.system_python_bins:
            pattern = re.compile(
                re.escape(folder) + r"/(python3?(?:\.\d+)?|pip3?(?:\.\d+)?)(?![\w.-])"
            )
            new = pattern.sub(lambda m: f"{prefix}/bin/{m.group(1)}", new)
        if "/usr/local/bin/" in new and instruction.keyword in ("CMD", "ENTRYPOINT"):
            new = re.sub(
                r"/usr/local/bin/([\w.-]+)",
                lambda m: m.group(0) if _placed(all_steps, m.group(0)) else f"{prefix}/bin/{m[1]}",
                new,
            )
        if new != line:
            runtime.change(
                "restructure",
                f"line {instruction.position.line}: the paths of the base's Python now name "
                f"{prefix}, where the packages are",
            )
        out.append(new)
    return out


_BASE_PROGRAMS = re.compile(r"^(?:python|pip|pydoc|idle|2to3)")
"""Programs the ``python`` image's own /usr/local/bin has besides the interpreter and pip."""


def _placed(all_steps: Sequence[Step], path: str) -> bool:
    """``path`` (in /usr/local/bin) is a program the image gets other than from the installs:
    one the base ships, a COPY/ADD fills, or a RUN names (``curl -o``, ``mv``): it stays where
    it is, and the console scripts of the installs are the other ones."""
    folder, name = path.rsplit("/", 1)
    if _BASE_PROGRAMS.match(name):
        return True
    for step in all_steps:
        instruction = step.instruction
        if instruction.keyword in ("COPY", "ADD"):
            found = copy_parts(instruction)
            if found is None:
                return True  # unread: keep the path as written
            if covers(absolute(expand(found[1], step.env), step.cwd), path):
                return True
        elif instruction.keyword == "RUN":
            text = instruction.shell_text
            if path in text or (folder in text and name in text):
                return True
    return False


def _tends_environment(part: PartRoles, prefix: str) -> bool:
    """A step that only cleans or fixes up the environment's own files (``find /opt/conda
    -name '*.pyc' -delete``, ``rm -rf /opt/venv/share``): the copied environment has it."""
    if not part.commands:
        return False
    for command in part.commands:
        if command.name not in _TENDING:
            return False
        paths = [a for a in command.args if a.startswith("/")]
        if not paths or not all(covers(prefix, a.rstrip("/")) for a in paths):
            return False
    return True


def _runtime_run(runtime: _Runtime, dockerfile: Dockerfile, run: RunStep, prefix: str) -> list[str]:
    """What the runtime stage keeps of a RUN (nothing, the RUN as written, or its parts
    other than the installs and the apt steps)."""
    instruction = run.instruction
    line = run.line
    if "apt-source" in run.roles:
        if run.installs:
            raise refuse(
                dockerfile.path,
                f"line {line}: one RUN sets up an apt source and installs the Python "
                "environment; the runtime stage needs the first without the second",
                "put the apt source and its packages in a RUN of their own, then run fix again",
            )
        runtime.programs.update(c.name for c in run.commands)
        return _source(dockerfile, instruction)
    if run.parts is None:
        return _whole_run(runtime, dockerfile, run)
    if not set(run.roles) & _MOVED:
        runtime.programs.update(c.name for c in run.commands)
        return _source(dockerfile, instruction)  # nothing to take out: as written
    kept, changed = _kept_parts(runtime, dockerfile, run, run.parts, prefix)
    if not any(p.effects for p in kept):
        return []
    if not changed:
        return _source(dockerfile, instruction)
    flags = " ".join(instruction.flags)
    head = f"RUN {flags} " if flags else "RUN "
    return [head + join([p.part for p in kept])]


def _kept_parts(
    runtime: _Runtime,
    dockerfile: Dockerfile,
    run: RunStep,
    parts: Sequence[PartRoles],
    prefix: str,
) -> tuple[list[PartRoles], bool]:
    """(the parts of a RUN the runtime stage runs again, whether any was left out): the
    installs, the apt steps (gathered in ``runtime``) and the tending of the copied
    environment left out."""
    kept: list[PartRoles] = []
    changed = False
    for part in parts:
        roles = set(part.roles)
        if run.installs and _tends_environment(part, prefix):
            changed = True  # the builder cleaned the environment it copies
            continue
        _refuse_entangled(dockerfile, run.line, part)
        if "apt-install" in roles:
            runtime.apt.extend(apt_packages_of(part.commands))
        if "apt-remove" in roles:
            runtime.removed.update(package_name(p) for p in apt_removed(part.commands))
        if "apt-upgrade" in roles:
            runtime.upgrade = True
        if part.effects:
            kept.append(part)
            runtime.programs.update(c.name for c in part.commands)
        elif roles <= {"neutral"}:
            kept.append(part)
        else:
            changed = True
    return kept, changed


def _refuse_entangled(dockerfile: Dockerfile, line: int, part: PartRoles) -> None:
    """An install or an apt step inside a shell construct that does other work too: the
    runtime stage cannot keep the one without the other."""
    if part.installs and part.effects:
        raise refuse(
            dockerfile.path,
            f"line {line}: `{_short(part.part.text)}` both installs into the environment "
            "and does other work in one shell construct; fix cannot keep one without the "
            "other",
            "give the install its own RUN (or its own && step), then run fix again",
        )
    if set(part.roles) & {"apt-install", "apt-remove", "apt-upgrade"} and (
        part.effects or not part.part.simple
    ):
        raise refuse(
            dockerfile.path,
            f"line {line}: `{_short(part.part.text)}` runs apt inside a shell construct; "
            "fix gathers apt installs into one layer and cannot move this one",
            "give apt its own RUN step, then run fix again",
        )


def _whole_run(runtime: _Runtime, dockerfile: Dockerfile, run: RunStep) -> list[str]:
    """A RUN that cannot be cut: dropped when it only installs, kept when it installs
    nothing, refused when it does both."""
    roles = set(run.roles)
    if run.installs:
        if roles <= {"install", "neutral", "apt"}:
            return []
        raise refuse(
            dockerfile.path,
            f"line {run.line}: a RUN that installs the environment and does other work in a "
            "script fix cannot cut (a heredoc, a case, a background command)",
            "give the install its own RUN, then run fix again",
        )
    runtime.programs.update(c.name for c in run.commands)
    return _source(dockerfile, run.instruction)


def _refuse_path_reset(
    dockerfile: Dockerfile, all_steps: Sequence[Step], environment: Environment
) -> None:
    """A ``PATH`` set without ``$PATH`` after the redirect would hide the virtualenv."""
    if environment.mode != "redirect":
        return
    after = False
    for step in all_steps:
        instruction = step.instruction
        after = after or instruction is environment.first_install
        if not after or instruction.keyword != "ENV":
            continue
        args = instruction.args
        for name, value in zip(args[::2], args[1::2], strict=False):
            if name == "PATH" and "$PATH" not in value and "${PATH}" not in value:
                raise refuse(
                    dockerfile.path,
                    f"line {instruction.position.line}: ENV PATH={value} replaces the whole "
                    f"PATH; the virtualenv the installs go to ({environment.prefix}/bin) would "
                    "drop out of it",
                    "extend PATH ($PATH) instead of replacing it, then run fix again",
                )


def refuse_variable_apt(dockerfile: Dockerfile, packages: Sequence[str]) -> None:
    """The gathered apt layer runs before the ARG and ENV lines: a package word that names a
    variable (``postgresql-client-${PGVER}``) would expand to something else there."""
    found = next((p for p in packages if "$" in p), None)
    if found is not None:
        raise refuse(
            dockerfile.path,
            f"the apt package `{found}` names a variable; the rewrite installs the apt "
            "packages before the ARG and ENV lines that set it, so it would install another",
            "write the package name out in full, then run fix again",
        )


def _refuse_moved_past_source(
    dockerfile: Dockerfile, runtime: _Runtime, runs: Sequence[RunStep]
) -> None:
    """The gathered apt layer runs first: no kept step may add the source it installs from."""
    source = next((r for r in runs if "apt-source" in r.roles), None)
    if source is not None and runtime.apt:
        raise refuse(
            dockerfile.path,
            f"line {source.line}: `{source.commands[0].name}` sets up an apt source; the rewrite "
            "installs the apt packages before the other steps, so it would fail",
            "install from the base's own archive, or rewrite this Dockerfile by hand",
        )


def _gains(
    runtime: _Runtime,
    plan: RuntimePlan,
    environment: Environment,
    runs: Sequence[RunStep],
    runtime_tools: set[str],
    *,
    tools_moved: bool,
) -> list[str]:
    """What the split leaves out of the runtime image (empty: nothing). ``tools_moved``: an
    installer tool's install was turned to the base's own Python (:func:`_tool_edits`)."""
    out: list[str] = []
    if plan.slimmer:
        out.append("a slimmer base")
    if _runtime_apt(runtime, plan, environment)[1]:
        out.append("build tools")
    if tools_moved or _tools_left_out(runs, environment, runtime_tools):
        out.append("installer tools")
    return out


def _tools_left_out(
    runs: Sequence[RunStep], environment: Environment, runtime_tools: set[str]
) -> bool:
    """Some installer tool builds the environment from outside it (installed before the
    redirect, or into the system while the environment is a venv)."""
    redirected = False
    for run in runs:
        redirected = redirected or run.instruction is environment.first_install
        for command, target in run.targets:
            if not target.tools_only or not _separable(run, command, runtime_tools):
                continue
            if environment.mode == "redirect" and not redirected:
                return True
            if environment.mode != "redirect" and target.path != environment.prefix:
                return True
    return False


def _runtime_apt(
    runtime: _Runtime, plan: RuntimePlan, environment: Environment
) -> tuple[list[str], list[str]]:
    """(the runtime stage's apt packages, the build tools and Python tooling left out): the
    interpreter where the runtime image has none, the Dockerfile's packages without build
    tools, the runtime library of a known ``-dev`` (an unknown one stays, safely), the
    tools the full ``python`` image had that a kept step runs."""
    needed = {COMPILER_PROGRAMS[p] for p in runtime.programs if p in COMPILER_PROGRAMS}
    out: list[str] = []
    left: list[str] = []
    if environment.mode != "conda":
        out.extend(plan.interpreter_apt)
    for package in dict.fromkeys(runtime.apt):
        name = package_name(package)
        if name in runtime.removed or name in needed:
            if name in needed:
                out.append(package)
            continue
        if plan.interpreter_apt and re.match(r"^python3(?:\.\d+)?$", name):
            continue  # the interpreter is the plan's
        if PYTHON_TOOLING.match(name):
            left.append(name)
        elif name in DEV_RUNTIME_LIBRARIES:
            out.append(DEV_RUNTIME_LIBRARIES[name])
            left.append(name)
        elif is_build_tool(name) and not name.endswith("-dev"):
            left.append(name)
        else:
            out.append(package)  # an unknown -dev keeps its runtime library, safely
    if plan.family == "python" and plan.slimmer:
        have = {package_name(p) for p in out}
        missing = sorted(p for p in runtime.programs if p in FULL_IMAGE_TOOLS and p not in have)
        out.extend(missing)
    return list(dict.fromkeys(out)), list(dict.fromkeys(left))


def _runtime_text(
    runtime: _Runtime,
    plan: RuntimePlan,
    environment: Environment,
    all_steps: Sequence[Step],
    writable: Sequence[str],
    *,
    healthcheck: bool,
    user: bool,
) -> str:
    """The runtime stage: its FROM and environment, the gathered apt layer, the kept steps
    (with the user switched to after the last build step) and the health check."""
    apt, left = _runtime_apt(runtime, plan, environment)
    lines = _runtime_head(runtime, plan, environment, apt)
    lines += _left_out_notes(runtime, apt, left)
    lines += _apt_lines(runtime, apt)
    created, switch = _user_switch(runtime, plan, all_steps, writable, apt=bool(apt), user=user)
    lines += created
    if switch:
        lines.extend(writer.with_user(runtime.groups, runtime.build_steps, switch))
    else:
        lines.extend(line for group in runtime.groups for line in group)
    if healthcheck:
        lines += _healthcheck_lines(runtime, [s.instruction for s in all_steps])
    return "\n".join(lines) + "\n"


def _runtime_head(
    runtime: _Runtime, plan: RuntimePlan, environment: Environment, apt: Sequence[str]
) -> list[str]:
    """The plan's notes, the FROM line and the stage's environment (root for the apt layer
    of an image with a user of its own)."""
    lines = [runtime.change(note.code, note.description) for note in plan.notes]
    lines.append(f"FROM {plan.runtime}")
    if plan.image_user and apt:
        lines.append("USER root")
    if apt:
        lines.append(writer.NONINTERACTIVE)
    lines.append(_runtime_env(plan, environment))
    return lines


def _runtime_env(plan: RuntimePlan, environment: Environment) -> str:
    """The ENV line: the environment first on ``PATH``, no bytecode written, a UTF-8 locale
    on a slimmer image that has none."""
    env = ["PYTHONDONTWRITEBYTECODE=1"]
    if environment.mode == "redirect":
        env = [f"VIRTUAL_ENV={environment.prefix}", *env, f"PATH={environment.prefix}/bin:$PATH"]
    elif environment.mode == "conda" and not environment.named_conda_env and plan.runtime_path:
        env.append(f"PATH={plan.runtime_path}:$PATH")
    if plan.runtime_path and plan.slimmer:
        env += ["LANG=C.UTF-8", "LC_ALL=C.UTF-8"]
    return "ENV " + " ".join(env)


def _left_out_notes(runtime: _Runtime, apt: Sequence[str], left: Sequence[str]) -> list[str]:
    """The comments saying which build tools stay in the builder, and which tools of the full
    image the runtime stage installs because a kept step runs them."""
    lines: list[str] = []
    if left:
        lines.append(runtime.change("JT401", f"build tools only in the builder: {' '.join(left)}"))
    added = sorted(
        p for p in FULL_IMAGE_TOOLS if p in apt and p not in map(package_name, runtime.apt)
    )
    if added:
        lines.append(
            runtime.change(
                "restructure",
                f"{' '.join(added)} installed in the runtime stage: the slim image lacks what "
                "the steps, the command or the health check run",
            )
        )
    return lines


def _apt_lines(runtime: _Runtime, apt: Sequence[str]) -> list[str]:
    """The gathered apt layer (none without packages)."""
    if not apt:
        return []
    commands = ["apt-get update"]
    if runtime.upgrade:
        commands.append("apt-get upgrade -y")
    commands += [writer.apt_install(apt), writer.APT_LISTS_REMOVED]
    note = runtime.change("JT101 JT102", "apt in one layer, no recommended packages, lists removed")
    return [note, writer.run(commands)]


def _user_switch(
    runtime: _Runtime,
    plan: RuntimePlan,
    all_steps: Sequence[Step],
    writable: Sequence[str],
    *,
    apt: bool,
    user: bool,
) -> tuple[list[str], tuple[str, ...]]:
    """(the lines that create the service's user, the lines that switch to it after the last
    build step); none when the Dockerfile switches itself. Back to the image's own user after
    the apt layer, or to an unprivileged user the stage creates when ``user`` asks for one
    and the service's files are not in root's home."""
    if any(s.instruction.keyword == "USER" for s in all_steps):
        return [], ()
    if plan.image_user:
        return [], (f"USER {plan.image_user}",) if apt else ()
    if not user:
        return [], ()
    home = _under_root(all_steps)
    if home is not None:
        runtime.changes.append(
            Change(
                "restructure",
                f"no unprivileged user: the service's files are under {home}, which only "
                "root can read",
            )
        )
        return [], ()
    note = runtime.change("JT601", f"an unprivileged user `{writer.APP_USER}` runs the service")
    switch: tuple[str, ...] = (f"USER {writer.APP_USER}",)
    if writable:
        owner = f"{writer.APP_USER}:{writer.APP_USER}"
        switch = (writer.run([f"chown {owner} {' '.join(writable)}"]), *switch)
    return [note, writer.run([writer.add_user()])], switch


def _healthcheck_lines(runtime: _Runtime, instructions: Sequence[Instruction]) -> list[str]:
    """A HEALTHCHECK that knocks on the exposed port, when the Dockerfile has none."""
    port = exposed_tcp_port(instructions)
    if port is None or any(i.keyword == "HEALTHCHECK" for i in instructions):
        return []
    note = runtime.change("JT605", f"HEALTHCHECK: the service accepts connections on port {port}")
    return [note, writer.healthcheck(port)]


def _under_root(all_steps: Sequence[Step]) -> str | None:
    """``/root`` when the service's working directory or copied files are there (a home
    only root can enter), else None."""
    for step in all_steps:
        if covers("/root", step.cwd) and step.instruction.keyword in (
            "COPY",
            "ADD",
            "CMD",
            "ENTRYPOINT",
        ):
            return "/root"
        found = (
            copy_parts(step.instruction) if step.instruction.keyword in ("COPY", "ADD") else None
        )
        if found is not None and covers("/root", absolute(expand(found[1], step.env), step.cwd)):
            return "/root"
    return None


def _runners(runs: Sequence[RunStep]) -> set[str]:
    """Tools whose ``run`` verb a step runs something through (``poetry run python x.py``):
    the runtime stage runs them again."""
    out: set[str] = set()
    for run in runs:
        for raw in split_commands(run.instruction.shell_text):
            at = runner_prefix(raw.argv)
            if at and command_role(Command(raw.argv[at:])) != "install":
                out.add(raw.name)
    return out


def _short(text: str) -> str:
    return text if len(text) <= 60 else text[:57] + "..."


__all__ = ["Command", "FixError", "Split", "refuse_variable_apt", "split_dockerfile"]
