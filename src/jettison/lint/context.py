"""Build the :class:`LintContext` rules see: Dockerfile, build context, requirements, imports.

Which Dockerfile a path names and its build context are
:mod:`jettison.dockerfile.discover`'s answers, the same for every verb.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from jettison.dockerfile.buildargs import build_args_for
from jettison.dockerfile.discover import (
    copied_requirement_files,
    find_dockerfile,
    is_requirements_input,
    resolve_context,
)
from jettison.dockerfile.discover import owning_dockerfile as owning_dockerfile
from jettison.dockerfile.ignore import dockerignore_path, read_dockerignore
from jettison.dockerfile.launch import final_commands
from jettison.dockerfile.model import Dockerfile
from jettison.dockerfile.parser import parse_dockerfile
from jettison.dockerfile.scripts import Scripts, read_scripts
from jettison.hostpaths import is_file
from jettison.lint.model import CodeView, ImportedName, LintContext
from jettison.requirements.model import RequirementSet

if TYPE_CHECKING:
    from jettison.imports.scan import ImportScan
    from jettison.inspect.report import InspectReport

Sizes = Callable[[str, str], int | None]


def build_context(
    path: Path,
    *,
    src: Path | None = None,
    image: InspectReport | None = None,
    sizes: Sizes | None = None,
    requirement_files: Sequence[Path] = (),
    context_dir: Path | None = None,
    options: Mapping[str, object] | None = None,
) -> LintContext:
    """Everything the rules need about ``path`` (a Dockerfile, a directory holding one, or a
    requirements input linted on its own)."""
    dockerfile: Dockerfile | None = None
    extra = [Path(p) for p in requirement_files]
    if is_file(path) and is_requirements_input(path):
        context = context_dir or path.parent
        extra.insert(0, path)
    else:
        found = find_dockerfile(path)
        dockerfile = parse_dockerfile(found, build_args_for(found))
        context = resolve_context(dockerfile, context_dir)
        if not extra:
            extra = copied_requirement_files(dockerfile, context)
            setup_scripts = _installed_setup_scripts(dockerfile, context)
            if setup_scripts:
                from jettison.requirements import discover_requirement_files

                extra = [*(extra or discover_requirement_files(context)), *setup_scripts]
    requirements = _load_requirements(context, extra)
    scan = _scan_source(src if src is not None else context)
    imports = scan.imports
    declared = _declared_names(requirements, dockerfile)
    used = _used_distributions(imports, declared, dockerfile)
    ignore_file = dockerignore_path(dockerfile.path if dockerfile else None, context)
    return LintContext(
        dockerfile=dockerfile,
        context_dir=context,
        requirements=requirements,
        imports=imports,
        used_distributions=used,
        dockerignore=read_dockerignore(ignore_file) if ignore_file is not None else None,
        image=image,
        sizes=sizes,
        options=dict(options or {}),
        scripts=read_scripts(dockerfile, context) if dockerfile is not None else Scripts(),
        code_view=_code_view(scan, src or context, context, declared, dockerfile),
    )


def input_files(ctx: LintContext) -> list[Path]:
    """The files a context was built from: Dockerfile, requirement files, .dockerignore."""
    out = [ctx.dockerfile.path] if ctx.dockerfile is not None else []
    out.extend(ctx.requirements.files)
    dockerfile_path = ctx.dockerfile.path if ctx.dockerfile else None
    ignore_file = dockerignore_path(dockerfile_path, ctx.context_dir)
    if ignore_file is not None:
        out.append(ignore_file)
    return out


def _installed_setup_scripts(dockerfile: Dockerfile, context: Path) -> list[Path]:
    """The ``setup.py`` of the local projects the Dockerfile pip-installs (``pip install
    -e .[gpu]``, ``pip install ./server``), when the context holds them: their literal
    ``install_requires``/``extras_require`` are what the install brings."""
    from jettison.dockerfile.commands.python import pip_installs

    found: list[Path] = []
    for run in dockerfile.instructions():
        for install in pip_installs(run):
            for project in install.local_projects:
                folder = project.split("[", 1)[0].rstrip("/") or "."
                relative = "" if folder.startswith("/") else folder.removeprefix("./")
                candidates = [context / relative / "setup.py", context / "setup.py"]
                script = next((c for c in candidates if is_file(c)), None)
                if script is not None and script not in found:
                    found.append(script)
    return found


def _load_requirements(context: Path, files: Sequence[Path]) -> RequirementSet:
    from jettison.requirements import load_requirements

    return load_requirements(context, files or None)


def _scan_source(src: Path) -> ImportScan:
    from jettison.imports.scan import scan_source_tree

    return scan_source_tree(src)


def _declared_names(requirements: RequirementSet, dockerfile: Dockerfile | None) -> frozenset[str]:
    """Distributions the build installs by name: requirement inputs (constraints aside) and
    the packages named on ``pip install`` lines of any stage."""
    from jettison.dockerfile.commands.python import pip_installs

    names = {r.name for r in requirements.requirements if r.group != "constraint"}
    if dockerfile is not None:
        for run in dockerfile.instructions():
            names.update(p.name for install in pip_installs(run) for p in install.packages)
    return frozenset(names)


def _code_view(
    scan: ImportScan,
    src: Path,
    context: Path,
    declared: frozenset[str],
    dockerfile: Dockerfile | None,
) -> CodeView:
    from jettison.imports.coverage import missing_local_modules, python_files
    from jettison.lint.codeview import code_view

    files = python_files(src)
    missing = missing_local_modules(src, files)
    return code_view(scan, files, missing, declared, dockerfile, context)


def _used_distributions(
    imports: Sequence[ImportedName],
    declared: frozenset[str],
    dockerfile: Dockerfile | None,
) -> frozenset[str]:
    from jettison.imports.mapping import used_distributions
    from jettison.imports.servers import servers_in_commands

    used = set(used_distributions(imports, declared))
    if dockerfile is not None:
        used |= set(servers_in_commands(final_commands(dockerfile)))
    return frozenset(used)
