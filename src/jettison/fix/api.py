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

import difflib
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from jettison.facts.packages import TORCH_CPU_INDEX
from jettison.fix.bases import TORCH_FAMILY, plan_base, supported_base, torch_from_base
from jettison.fix.changes import Change
from jettison.fix.errors import FixError
from jettison.fix.requirements import CPU_RENAMES, RequirementsSplit, split_requirements
from jettison.fix.rewrite import TorchPlan, apt_packages, requirements_copy, rewrite_dockerfile
from jettison.fix.savings import assign_savings, dockerignore_saving, requirement_saving
from jettison.fix.wheels import WHEELS_MOUNT, local_folder, pick_wheels
from jettison.lint.context import Sizes, build_context
from jettison.lint.model import Finding, LintContext
from jettison.lint.packages import gpu_evidence, production_packages
from jettison.requirements.requirements_txt import file_text

Target = Literal["cpu", "gpu", "auto"]
RUNTIME_NAME = "requirements.runtime.txt"
DEV_NAME = "requirements-dev.txt"
DOCKERIGNORE = """\
# written by `jettison fix`: keep the build context (and COPY . .) small
.git
**/__pycache__
**/*.pyc
.venv
venv
.pytest_cache
.mypy_cache
*.bak
"""


@dataclass(frozen=True)
class FixReport:
    files: tuple[tuple[Path, str], ...]
    """(path, text) of every file written (or that would be written)."""
    changes: tuple[Change, ...]
    diff: str
    """Unified diff of the original Dockerfile and the new one."""
    target: str
    written: bool
    mounts: tuple[tuple[Path, str], ...] = ()
    """(host folder, target) the optimized Dockerfile's build needs mounted read-only (a
    local ``torch_index`` folder at ``/wheels``)."""


def fix(
    path: Path,
    *,
    context_dir: Path | None = None,
    target: Target = "auto",
    torch_index: str = TORCH_CPU_INDEX,
    runtime_base: str | None = None,
    write: bool = False,
    force: bool = False,
    dry_run: bool = False,
    offline: bool = False,
    sizes: Sizes | None = None,
) -> FixReport:
    """Rewrite the Dockerfile ``path`` names (see the module docstring); ``dry_run`` writes
    nothing and only reports. ``runtime_base`` replaces the runtime stage's image (it must
    run the builder's Python at the same path, see :mod:`jettison.fix.bases`)."""
    from jettison.lint.sizes import WheelSizes

    measure = sizes if sizes is not None else WheelSizes(offline=offline)
    ctx = build_context(path, context_dir=context_dir, sizes=measure)
    dockerfile = ctx.dockerfile
    if dockerfile is None:
        raise FixError(f"{path}: not a Dockerfile", hint="give the Dockerfile to rewrite")
    supported_base(dockerfile)
    copy = requirements_copy(dockerfile)
    source = copy.args[0].lstrip("/")
    req_path = ctx.context_dir / source
    if not req_path.is_file():
        raise FixError(
            f"{req_path}: the requirements file the Dockerfile copies is not in the context",
            hint="give the build context with --context",
        )
    if any(f != req_path for f in ctx.requirements.files):
        raise FixError(
            f"{req_path}: includes other requirement files (-r/-c); fix splits one file only",
            hint="inline the included requirements, then run fix again",
        )
    chosen = _target(ctx, target)
    folder = local_folder(torch_index)
    # decoded as lint's parser decoded it, so line numbers and names agree
    text = file_text(req_path)
    if text is None:
        raise FixError(
            f"{req_path}: cannot read the requirements file as text",
            hint="make it a readable text file, then run fix again",
        )
    requirements = [r for r in ctx.requirements.requirements if r.file == req_path]
    provided = torch_from_base(dockerfile, requirements)

    def split_with(pins: dict[str, tuple[str, str]] | None = None) -> RequirementsSplit:
        return split_requirements(
            text,
            requirements,
            ctx.used_distributions,
            have_imports=bool(ctx.imports),
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
    plan: TorchPlan | None = None
    mounts: tuple[tuple[Path, str], ...] = ()
    repinned: list[Change] = []
    if chosen == "cpu" and torch_lines and folder is not None:
        by_name = {r.name: r for r in requirements}
        family = [n for n in split.runtime_names if n in TORCH_FAMILY]
        picks = pick_wheels(folder, [(n, by_name[n].specifier) for n in family])
        pins: dict[str, tuple[str, str]] = {}
        for pick in picks:
            if pick.reason is None:
                continue
            wanted = f"{pick.name}{by_name[pick.name].specifier}"
            description = f"{wanted} -> {pick.version}: {pick.reason}"
            pins[pick.name] = (pick.pin, f"# jettison: JT302 {description}")
            repinned.append(Change("JT302", description))  # the JT302 change has the saving
        if pins:
            split = split_with(pins)
        plan = TorchPlan(tuple(p.pin for p in picks), str(folder), WHEELS_MOUNT)
        mounts = ((folder, WHEELS_MOUNT),)
    elif chosen == "cpu" and torch_lines:
        plan = TorchPlan(torch_lines, torch_index)
    runtime_source = str(Path(source).with_name(RUNTIME_NAME).as_posix())
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
    rewrite = rewrite_dockerfile(
        dockerfile,
        runtime_requirements_source=runtime_source,
        torch=plan,
        base=base,
        moved_codes=[m.code for m in split.moved],
        keep_headers=keep_headers,
    )
    findings = _lint_findings(ctx)
    line_of = {r.name: r.line for r in requirements}

    def at_requirement(code: str, name: str, description: str) -> Change:
        saving = requirement_saving(findings, code, req_path, line_of[name])
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
    new_dockerfile = dockerfile.path if write else dockerfile.path.with_name("Dockerfile.jettison")
    files = [
        (new_dockerfile, rewrite.text),
        (req_path.with_name(RUNTIME_NAME), split.runtime_text),
        (req_path.with_name(DEV_NAME), split.dev_text),
    ]
    ignore = ctx.context_dir / ".dockerignore"
    if ctx.dockerignore is None:
        files.append((ignore, DOCKERIGNORE))
        patterns = [p for p in DOCKERIGNORE.splitlines() if p and not p.startswith("#")]
        changes.append(
            Change(
                "JT402",
                f"{ignore.name} written: the context was unfiltered",
                dockerignore_saving(findings, ctx.context_dir, patterns),
            )
        )
    original = "\n".join(dockerfile.lines) + "\n"
    diff = "".join(
        difflib.unified_diff(
            original.splitlines(keepends=True),
            rewrite.text.splitlines(keepends=True),
            fromfile=str(dockerfile.path),
            tofile=str(new_dockerfile),
        )
    )
    if not dry_run:
        _write(files, dockerfile.path if write else None, force=force)
    return FixReport(
        files=tuple(files),
        changes=tuple(changes),
        diff=diff,
        target=chosen,
        written=not dry_run,
        mounts=mounts,
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


def _write(files: list[tuple[Path, str]], replaced: Path | None, *, force: bool) -> None:
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
