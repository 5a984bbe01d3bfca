"""``fix``: read a Dockerfile and its requirements, render the optimized files, write them.

Outputs go next to their originals: ``Dockerfile.jettison`` (or, with ``write=True``, the
Dockerfile itself after a ``.bak`` copy), ``requirements.runtime.txt`` and
``requirements-dev.txt`` next to the requirements file, and a ``.dockerignore`` in the
build context when it has none. ``torch_index`` is an index URL or a local folder of wheels
(an absolute path or ``file://`` URL, see :mod:`jettison.fix.wheels`): the folder is mounted
read-only at ``/wheels`` during the build (:attr:`FixReport.mounts`) and never copied into
the image. An existing output is refused unless ``force``. Nothing is
written when anything is refused.

Each change carries lint's estimated saving for what it resolves (:mod:`jettison.fix.savings`):
lint's rules run on the same context, with installed wheel sizes from the package index
(``offline``: from the local cache only; ``sizes``: another provider).
"""

from __future__ import annotations

import dataclasses
import difflib
import re
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import yaml

from jettison.builder.options import Mount
from jettison.dockerfile.commands.system import apt_installs
from jettison.dockerfile.context_files import context_file
from jettison.dockerfile.model import Dockerfile
from jettison.dockerfile.parser import parse_text
from jettison.dockerfile.shell import commands_of
from jettison.dockerfile.steps import Step, chain
from jettison.facts.packages import TORCH_CPU_INDEX
from jettison.facts.system import JIT_COMPILERS
from jettison.fix.apply import Lint, fix_text
from jettison.fix.autofix.jt402_dockerignore import template as dockerignore_template
from jettison.fix.bases import TORCH_FAMILY, plan_base, supported_base, torch_from_base
from jettison.fix.changes import Change
from jettison.fix.errors import FixError, final, refuse
from jettison.fix.families import family_of, plan_runtime
from jettison.fix.learn import BaseFacts, learn_reference
from jettison.fix.report import FixReport, OutputFile
from jettison.fix.requirements import CPU_RENAMES, RequirementsSplit, split_requirements
from jettison.fix.rewrite import (
    Rewrite,
    TorchPlan,
    apt_packages,
    requirements_input,
    rewrite_dockerfile,
)
from jettison.fix.savings import assign_savings, dockerignore_saving, requirement_saving
from jettison.fix.split import split_dockerfile
from jettison.fix.tooling import droppable
from jettison.fix.wheels import WHEELS_MOUNT, local_folder, pick_wheels
from jettison.hostpaths import is_dir, is_file
from jettison.imageref import parse_image
from jettison.lint.context import Sizes, build_context
from jettison.lint.model import Finding, LintContext
from jettison.lint.packages import gpu_evidence, production_packages
from jettison.notices import Notice, Severity
from jettison.requirements.model import Requirement
from jettison.requirements.requirements_txt import file_text

Target = Literal["cpu", "gpu", "auto"]
RUNTIME_NAME = "requirements.runtime.txt"
DEV_NAME = "requirements-dev.txt"
DOCKERIGNORE = dockerignore_template()


def fix(
    path: Path,
    *,
    context_dir: Path | None = None,
    target: Target = "auto",
    torch_index: str = TORCH_CPU_INDEX,
    runtime_base: str | None = None,
    base_image: str | None = None,
    unsafe: bool = False,
    select: Sequence[str] | None = None,
    skip: Sequence[str] = (),
    writable: Sequence[str] = (),
    write: bool = False,
    force: bool = False,
    dry_run: bool = False,
    offline: bool = False,
    sizes: Sizes | None = None,
) -> FixReport:
    """Fix the Dockerfile ``path`` names: each finding of lint that has an autofix gets its
    edit (safe ones; ``unsafe`` ones too when asked; with ``select``, exactly the codes or
    prefixes selected, ``restructure`` included). The multi-stage restructure (an unsafe
    fix) runs first when asked and the Dockerfile's shape allows it; with ``unsafe`` a
    refusal is a notice and the edits still apply, selected by name it is a FixError.
    ``skip``: codes (``restructure`` included) not to apply, e.g. because they broke the
    service; ``writable``: directories the service writes, which a non-root user gets as its
    own. ``dry_run`` writes nothing and only reports. ``runtime_base`` replaces the
    restructured runtime stage's image (it must run the builder's Python at the same path,
    see :mod:`jettison.fix.bases`); ``base_image`` names the base image at hand (a store
    name, an archive or a layout): the split reads the base's facts from it
    (:mod:`jettison.fix.learn`) instead of its name."""
    from jettison.lint.sizes import WheelSizes

    measure = sizes if sizes is not None else WheelSizes(offline=offline)
    ctx = build_context(path, context_dir=context_dir, sizes=measure)
    if ctx.dockerfile is None:
        raise FixError(f"{path}: not a Dockerfile", hint="give the Dockerfile to fix")
    dockerfile = ctx.dockerfile
    new_dockerfile = dockerfile.path if write else dockerfile.path.with_name("Dockerfile.jettison")
    files: list[OutputFile] = []
    changes: list[Change] = []
    notices: list[Notice] = []
    mounts: tuple[Mount, ...] = ()
    chosen = _target(ctx, target)
    current = dockerfile
    resolved: frozenset[str] = frozenset()
    if _wants_restructure(unsafe, select) and RESTRUCTURE not in skip:
        try:
            done = _restructure(
                path,
                context_dir,
                measure,
                chosen,
                torch_index,
                runtime_base,
                tuple(writable),
                base_image,
            )
        except FixError as exc:
            if select:  # asked for by name: its refusal is the answer
                raise
            notices.append(_refused(dockerfile.path, exc))
        else:
            current = parse_text(done.text, dockerfile.path)
            files.extend(done.files)
            changes.extend(done.changes)
            mounts = done.mounts
            resolved = done.resolved
    outcome = fix_text(current, ctx, _linter(path), unsafe=unsafe, select=select, exclude=resolved)
    changes.extend(outcome.changes)
    notices.extend(outcome.skipped)
    files.insert(0, OutputFile(new_dockerfile, outcome.text))
    files.extend(OutputFile(p, text) for p, text in outcome.files)
    if not dry_run:
        _write(files, dockerfile.path if write else None, force=force)
    return FixReport(
        files=tuple(files),
        changes=tuple(changes),
        diff=_diff(dockerfile, outcome.text, new_dockerfile),
        target=chosen,
        written=not dry_run,
        mounts=mounts,
        restructured=current is not dockerfile,
        notices=tuple(notices),
    )


RESTRUCTURE = "restructure"
"""The selector of the multi-stage restructure (``--select restructure``)."""


def _wants_restructure(unsafe: bool, select: Sequence[str] | None) -> bool:
    if select:
        return any(code.lower() == RESTRUCTURE for code in select)
    return unsafe


def _refused(path: Path, exc: FixError) -> Notice:
    return Notice(
        Severity.INFO,
        f"no multi-stage restructure: {exc}" + (f" ({exc.hint})" if exc.hint else ""),
        kind="fix-skipped",
        subject=RESTRUCTURE,
        path=path,
    )


@dataclass(frozen=True)
class _Restructured:
    text: str
    files: tuple[OutputFile, ...]
    """The requirement files (and a ``.dockerignore``) beside the Dockerfile."""
    changes: tuple[Change, ...]
    mounts: tuple[Mount, ...]
    resolved: frozenset[str]
    """Codes the restructure resolved itself (the edit fixes leave them alone)."""


def _restructure(
    path: Path,
    context_dir: Path | None,
    sizes: Sizes,
    chosen: str,
    torch_index: str,
    runtime_base: str | None,
    writable: tuple[str, ...] = (),
    base_image: str | None = None,
) -> _Restructured:
    """The multi-stage rewrite: of a single-stage Dockerfile that installs one requirements
    file, the requirements rewrite (a builder stage with a venv, a slim runtime stage, the
    requirements split); of any other shape, the split (:mod:`jettison.fix.split`); or the
    split's refusal (FixError)."""
    try:
        return _requirements_restructure(
            path, context_dir, sizes, chosen, torch_index, runtime_base, writable
        )
    except FixError as first:
        if first.final:
            raise
        facts = None
        if base_image is not None:
            facts = learn_reference(base_image)
            if facts is None:
                raise final(
                    FixError(
                        f"--base-image {base_image}: cannot open or read the image",
                        hint="give a name in the builder's store, a docker-archive or an "
                        "OCI archive or layout",
                    )
                ) from first
        return _split_restructure(path, context_dir, sizes, chosen, runtime_base, writable, facts)


def _split_restructure(
    path: Path,
    context_dir: Path | None,
    sizes: Sizes,
    chosen: str,
    runtime_base: str | None,
    writable: tuple[str, ...] = (),
    facts: BaseFacts | None = None,
) -> _Restructured:
    """The split of any install shape (see :mod:`jettison.fix.split`); ``facts``: the base
    as read from the image."""
    ctx = build_context(path, context_dir=context_dir, sizes=sizes)
    dockerfile = ctx.dockerfile
    if dockerfile is None or dockerfile.final_stage is None:
        raise FixError(f"{path}: not a Dockerfile", hint="give the Dockerfile to rewrite")
    root = chain(dockerfile, dockerfile.final_stage)[0]
    ref = parse_image(root.base_expanded)
    if ref is None:
        raise refuse(
            dockerfile.path,
            f"the final image is built FROM {root.base!r}, which names no image fix can read "
            "(a build argument without a default, scratch)",
            "give the build argument a default, then run fix again",
        )
    stored = facts is None and family_of(ref) is None
    if stored:  # a base no name says: read it from the builder's store when it is there
        facts = learn_reference(f"containers-storage:{ref.text}")
    installed = {d.name for d in production_packages(ctx) if d.install}
    installed |= {r.name for r in ctx.requirements.main()}
    # a package that compiles kernels with the system compiler at run time (deepspeed's ops)
    # needs the compiler and headers as much as code that calls torch.compile
    keep_headers = compiles_at_run_time(ctx) or bool(installed & (JIT_COMPILERS - {"triton"}))
    stages = chain(dockerfile, dockerfile.final_stage)
    apt = [p for s in stages for r in s.of("RUN") for c in commands_of(r) for p in apt_installs(c)]
    plan = plan_runtime(
        dockerfile.path,
        ref,
        written=root.base,
        target=chosen,
        runtime_base=runtime_base,
        packages=installed,
        apt_packages=apt,
        keep_compiler=keep_headers,
        facts=facts,
    )
    if stored and facts is not None:
        where = Change("restructure", f"{ref.text} read from the builder's local image store")
        plan = dataclasses.replace(plan, notes=(*plan.notes, where))
    findings = _lint_findings(ctx)
    codes = {f.code for f in findings}
    done = split_dockerfile(
        dockerfile,
        plan,
        keep_headers=keep_headers,
        writable=writable,
        healthcheck="JT605" in codes,
        user="JT601" in codes,
        env_name=_environment_name(ctx),
        tooling=droppable(ctx, findings, installed),
    )
    changes = assign_savings(done.changes, findings)
    # the .dockerignore, if any, is the JT402 edit fix's (it reads what the COPY lines name)
    return _Restructured(done.text, (), tuple(changes), (), frozenset())


def _environment_name(ctx: LintContext) -> Callable[[Step, str], str | None]:
    """Reads the ``name:`` of the conda environment file a step names, from the context."""

    def name(step: Step, image_path: str) -> str | None:
        assert ctx.dockerfile is not None
        found = context_file(ctx.dockerfile, step, image_path, ctx.context_dir)
        if found is None:
            return None
        try:
            data = yaml.safe_load(found.read_text(encoding="utf-8", errors="replace"))
        except (OSError, yaml.YAMLError):
            return None
        value = data.get("name") if isinstance(data, dict) else None
        return value if isinstance(value, str) and value.strip() and "/" not in value else None

    return name


def _requirements_restructure(
    path: Path,
    context_dir: Path | None,
    sizes: Sizes,
    chosen: str,
    torch_index: str,
    runtime_base: str | None,
    writable: tuple[str, ...] = (),
) -> _Restructured:
    """The requirements rewrite (see :mod:`jettison.fix.rewrite`), or a refusal: a
    FixError whose ``final`` is set when no other restructure should be tried (a pin the
    base's torch does not satisfy...)."""
    inputs = _read_inputs(path, context_dir, sizes)
    try:
        local_folder(torch_index)
        split, torch = _split(inputs, chosen, torch_index)
    except FixError as exc:
        # a wheel folder without the torch asked for, or a pin the base's torch does not
        # satisfy: the split would install another torch than the one asked for, or a second
        raise final(exc) from None
    findings = _lint_findings(inputs.ctx)
    rewrite = _rewrite(inputs, split, torch, chosen, runtime_base, writable, findings)
    changes = _changes(inputs, findings, split, rewrite, torch.repinned)
    files = [
        OutputFile(inputs.requirements.with_name(RUNTIME_NAME), split.runtime_text),
        OutputFile(inputs.requirements.with_name(DEV_NAME), split.dev_text),
    ]
    resolved: set[str] = set()
    if inputs.ctx.dockerignore is None:
        ignore = inputs.ctx.context_dir / ".dockerignore"
        files.append(OutputFile(ignore, DOCKERIGNORE))
        changes.append(_dockerignore_change(inputs.ctx, findings, ignore))
        resolved.add("JT402")
    return _Restructured(
        rewrite.text, tuple(files), tuple(changes), torch.mounts, frozenset(resolved)
    )


def _linter(path: Path) -> Lint:
    """lint as the user configured it for ``path`` (an ignored code is not fixed)."""
    from jettison.lint.config import load_lint_config
    from jettison.lint.engine import run_rules
    from jettison.lint.rules import RULES

    start = path if is_dir(path) else path.parent
    config = load_lint_config(None, start=start, known=[r.code for r in RULES])

    def lint(ctx: LintContext) -> tuple[Finding, ...]:
        return run_rules(ctx, RULES, config, files=()).findings

    return lint


@dataclass(frozen=True)
class _Inputs:
    """What fix reads: lint's context, the Dockerfile, its one requirements file."""

    ctx: LintContext
    dockerfile: Dockerfile
    source: str
    """The requirements file's path in the build context, as the Dockerfile copies it."""
    requirements: Path
    text: str
    """The requirements file, decoded as lint's parser decoded it."""
    parsed: tuple[Requirement, ...]


_INCLUDE = re.compile(r"^\s*(?:-r|-c|--requirement|--constraint)(?:\s|=|\S)", re.MULTILINE)


def _includes(path: Path) -> bool:
    """The requirements file includes others (``-r``, ``-c``)."""
    text = file_text(path)
    return text is not None and _INCLUDE.search(text) is not None


def _read_inputs(path: Path, context_dir: Path | None, sizes: Sizes) -> _Inputs:
    """The inputs, or a refusal: not a Dockerfile, a base fix cannot rewrite, no requirements
    file copied on its own, a file that includes others, a file that cannot be read."""
    ctx = build_context(path, context_dir=context_dir, sizes=sizes)
    dockerfile = ctx.dockerfile
    if dockerfile is None:
        raise FixError(f"{path}: not a Dockerfile", hint="give the Dockerfile to rewrite")
    supported_base(dockerfile)
    source = requirements_input(dockerfile)[1]
    req_path = ctx.context_dir / source
    if not is_file(req_path):
        raise FixError(
            f"{req_path}: the requirements file the Dockerfile copies is not in the context",
            hint="give the build context with --context",
        )
    if _includes(req_path):
        raise FixError(
            f"{req_path}: includes other requirement files (-r/-c); fix splits one file only",
            hint="inline the included requirements, then run fix again",
        )
    text = file_text(req_path)  # decoded as lint's parser decoded it: lines and names agree
    if text is None:
        raise FixError(
            f"{req_path}: cannot read the requirements file as text",
            hint="make it a readable text file, then run fix again",
        )
    parsed = tuple(r for r in ctx.requirements.requirements if r.file == req_path)
    return _Inputs(ctx, dockerfile, source, req_path, text, parsed)


@dataclass(frozen=True)
class _Torch:
    """How the builder installs the torch family on a CPU target."""

    plan: TorchPlan | None = None
    mounts: tuple[Mount, ...] = ()
    repinned: tuple[Change, ...] = ()
    """Re-pins to what a local wheel folder has (the JT302 change has the saving)."""


def _split(inputs: _Inputs, chosen: str, torch_index: str) -> tuple[RequirementsSplit, _Torch]:
    """The runtime/development split of the requirements, and the CPU torch plan (a local
    wheel folder re-pins torch to what it holds)."""
    folder = local_folder(torch_index)
    provided = torch_from_base(inputs.dockerfile, inputs.parsed)

    def split_with(pins: dict[str, tuple[str, str]] | None = None) -> RequirementsSplit:
        return split_requirements(
            inputs.text,
            inputs.parsed,
            inputs.ctx.used_distributions,
            have_imports=bool(inputs.ctx.imports),
            renames=CPU_RENAMES if chosen == "cpu" else None,
            runtime_name=RUNTIME_NAME,
            pins=pins,
            provided=provided,
        )

    split = split_with()
    torch_lines = tuple(
        line
        for line, name in zip(split.runtime_lines, split.runtime_names, strict=True)
        if name in TORCH_FAMILY
    )
    if chosen != "cpu" or not torch_lines:
        return split, _Torch()
    if folder is None:
        return split, _Torch(TorchPlan(torch_lines, torch_index))
    by_name = {r.name: r for r in inputs.parsed}
    family = [n for n in split.runtime_names if n in TORCH_FAMILY]
    picks = pick_wheels(folder, [(n, by_name[n].specifier) for n in family])
    pins: dict[str, tuple[str, str]] = {}
    repinned: list[Change] = []
    for pick in picks:
        if pick.reason is None:
            continue
        wanted = f"{pick.name}{by_name[pick.name].specifier}"
        description = f"{wanted} -> {pick.version}: {pick.reason}"
        pins[pick.name] = (pick.pin, f"# jettison: JT302 {description}")
        repinned.append(Change("JT302", description))
    if pins:
        split = split_with(pins)
    plan = TorchPlan(tuple(p.pin for p in picks), str(folder), WHEELS_MOUNT)
    return split, _Torch(plan, (Mount(folder, WHEELS_MOUNT),), tuple(repinned))


def _rewrite(
    inputs: _Inputs,
    split: RequirementsSplit,
    torch: _Torch,
    chosen: str,
    runtime_base: str | None,
    writable: tuple[str, ...] = (),
    findings: Sequence[Finding] = (),
) -> Rewrite:
    dockerfile, ctx = inputs.dockerfile, inputs.ctx
    keep_headers = compiles_at_run_time(ctx)
    installed = {*split.runtime_names, *(d.name for d in production_packages(ctx) if d.install)}
    base = plan_base(
        dockerfile,
        target=chosen,
        runtime_base=runtime_base,
        packages=installed,
        apt_packages=apt_packages(dockerfile),
        keep_compiler=keep_headers,
    )
    return rewrite_dockerfile(
        dockerfile,
        runtime_requirements_source=str(Path(inputs.source).with_name(RUNTIME_NAME).as_posix()),
        torch=torch.plan,
        base=base,
        moved_codes=[m.code for m in split.moved],
        keep_headers=keep_headers,
        writable=writable,
        tooling=droppable(ctx, findings, installed),
    )


def _changes(
    inputs: _Inputs,
    findings: Sequence[Finding],
    split: RequirementsSplit,
    rewrite: Rewrite,
    repinned: Sequence[Change],
) -> list[Change]:
    """Every change, each with lint's saving (``findings``) for what it resolves."""
    line_of = {r.name: r.line for r in inputs.parsed}

    def at_requirement(code: str, name: str, description: str) -> Change:
        saving = requirement_saving(findings, code, inputs.requirements, line_of[name])
        return Change(code, description, saving)

    changes = list(assign_savings(rewrite.changes, findings))
    changes.extend(repinned)
    changes.extend(
        at_requirement(m.code, m.name, f"{m.name} -> {DEV_NAME}: {m.reason}") for m in split.moved
    )
    changes.extend(
        at_requirement(r.code, r.name, f"{r.name} -> {r.replacement}: {r.reason}")
        for r in split.renamed
    )
    return changes


def _dockerignore_change(ctx: LintContext, findings: Sequence[Finding], ignore: Path) -> Change:
    patterns = [p for p in DOCKERIGNORE.splitlines() if p and not p.startswith("#")]
    return Change(
        "JT402",
        f"{ignore.name} written: the context was unfiltered",
        dockerignore_saving(findings, ctx.context_dir, patterns),
    )


def _diff(dockerfile: Dockerfile, text: str, new_dockerfile: Path) -> str:
    original = "\n".join(dockerfile.lines) + "\n"
    return "".join(
        difflib.unified_diff(
            original.splitlines(keepends=True),
            text.splitlines(keepends=True),
            fromfile=str(dockerfile.path),
            tofile=str(new_dockerfile),
        )
    )


JIT_MARKERS = ("torch.compile", "cpp_extension", "import triton", "from triton", "numba")
"""Code that compiles at run time needs the C headers packages ship (torch/include...)."""


def compiles_at_run_time(ctx: LintContext) -> bool:
    """True when the shipped code uses a JIT compiler (so headers must stay in the image)."""
    for path in {name.file for name in ctx.imports}:
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return True  # cannot tell: keep the headers
        if any(marker in text for marker in JIT_MARKERS):
            return True
    return False


def _lint_findings(ctx: LintContext) -> tuple[Finding, ...]:
    """lint's findings on ``ctx`` (every rule, default settings), for their savings."""
    from jettison.lint.config import LintConfig
    from jettison.lint.engine import run_rules
    from jettison.lint.rules import RULES

    return run_rules(ctx, RULES, LintConfig(), files=()).findings


def _target(ctx: LintContext, target: Target) -> str:
    if target != "auto":
        return target
    return "gpu" if gpu_evidence(ctx, "JT302") is not None else "cpu"


def _write(files: list[OutputFile], replaced: Path | None, *, force: bool) -> None:
    existing = [p for p, _ in files if p.exists() and p != replaced]
    if replaced is not None and replaced.with_name(replaced.name + ".bak").exists():
        existing.append(replaced.with_name(replaced.name + ".bak"))
    if existing and not force:
        names = ", ".join(str(p) for p in existing)
        raise FixError(f"{names}: exists; not overwriting", hint="pass --force to replace")
    try:
        if replaced is not None:
            shutil.copy2(replaced, replaced.with_name(replaced.name + ".bak"))
        for file, text in files:
            file.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise FixError(f"cannot write {exc.filename}: {exc.strerror}") from exc
