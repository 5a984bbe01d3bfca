"""How much of the shipped code lint can read: the :class:`~jettison.lint.model.CodeView`.

Rules that conclude from what the code does *not* do (JT309: a package never imported;
JT303: torchvision never imported; JT302: no GPU use) are only as good as the code they
read. A build context often holds part of it: generated modules, a package the build
fetches, a sample of files. The view is partial when one of these holds:

* the scanned code imports local modules that are not there
  (:func:`jettison.imports.coverage.missing_local_modules`);
* it imports modules that neither a file here nor a declared package provides, and that
  are no known third-party module (``from services.auth import ...`` with no ``services/``
  folder: local code left out of the context, most likely);
* the image copies sources that the build context does not hold (code-like ones: folders
  and ``.py`` files, not weights or data);
* the image fetches code during the build (``git clone``, ``pip install git+https://...``);
* files did not parse (Python 2 code, templates).

Each reason is a short phrase for the rules' messages.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable, Sequence
from pathlib import Path

from jettison.dockerfile.commands.downloads import git_clone
from jettison.dockerfile.commands.python import pip_installs
from jettison.dockerfile.copies import local_sources
from jettison.dockerfile.discover import clean_source
from jettison.dockerfile.images import feeding_stages
from jettison.dockerfile.launch import launches, starts_no_service
from jettison.dockerfile.model import Dockerfile, Stage
from jettison.dockerfile.shell import commands_of
from jettison.facts.packages import dependents, used_without_import
from jettison.facts.weights import named_like_weights
from jettison.hostpaths import exists
from jettison.imports.coverage import MissingModule
from jettison.imports.mapping import KNOWN, candidate_distributions
from jettison.imports.scan import ImportScan
from jettison.lint.model import CodeView

SHOWN = 4
"""Names quoted per reason."""
NOT_CODE_FOLDERS = frozenset(
    {
        "assets",
        "data",
        "dataset",
        "datasets",
        "docs",
        "doc",
        "fonts",
        "frontend",
        "images",
        "img",
        "locales",
        "media",
        "node_modules",
        "public",
        "static",
        "templates",
        "ui",
        "web",
    }
)
"""Folder names that hold no Python code (assets, front ends, documentation)."""
BUILD_SCRIPTS = frozenset({"setup.py", "conftest.py", "noxfile.py", "fabfile.py", "tasks.py"})
"""Python files that build or test a project rather than being its code."""
ALWAYS_INSTALLED = frozenset({"setuptools", "pkg_resources", "pip", "wheel", "distutils"})
"""Modules of the packaging tools that every Python environment has (``setup.py`` imports)."""
_CODE_SUFFIXES = frozenset({".py", ".pyx", ".pyi"})
_MAGIC = re.compile(r"[*?\[]")


def code_view(
    scan: ImportScan,
    files: Sequence[Path],
    missing: Sequence[MissingModule],
    declared: Iterable[str],
    dockerfile: Dockerfile | None,
    context: Path,
) -> CodeView:
    """The view of the shipped code that ``scan`` gives: ``files`` are the Python files it
    read, ``missing`` their unresolved local imports, ``declared`` the distributions the
    image installs by name, ``context`` the build context the Dockerfile copies from."""
    gaps = [
        *_build_scripts_only(files),
        *_missing_modules(missing),
        *_unknown_imports(scan, declared),
        *_skipped(scan),
    ]
    if dockerfile is not None:
        gaps.extend(_missing_copies(dockerfile, context))
        gaps.extend(_fetched_code(dockerfile))
        gaps.extend(_no_service(dockerfile))
    return CodeView(files_scanned=scan.files_scanned, gaps=tuple(gaps))


def _build_scripts_only(files: Sequence[Path]) -> list[str]:
    if not files or any(f.name not in BUILD_SCRIPTS for f in files):
        return []
    return [f"its only Python files are build scripts ({_listed([f.name for f in files])})"]


def _no_service(dockerfile: Dockerfile) -> list[str]:
    """An image that starts no program of its own (no CMD, a shell, a bare interpreter) is
    an environment: the code it runs is mounted or passed at run time."""
    if not starts_no_service(dockerfile):
        return []
    commands = [launch.command for launch in launches(dockerfile)]
    what = f"starts {posixpath.basename(commands[0].name)}" if commands else "sets no command"
    return [f"the image {what}, so the code it runs may be mounted at run time"]


def _listed(names: Sequence[str]) -> str:
    unique = list(dict.fromkeys(names))
    more = f" and {len(unique) - SHOWN} more" if len(unique) > SHOWN else ""
    return ", ".join(unique[:SHOWN]) + more


def _missing_modules(missing: Sequence[MissingModule]) -> list[str]:
    if not missing:
        return []
    shown = [f"{m.module} ({m.file.name}:{m.line})" for m in missing]
    return [f"the code imports local modules that are not in it: {_listed(shown)}"]


def _unknown_imports(scan: ImportScan, declared: Iterable[str]) -> list[str]:
    names = set(declared)
    unknown = [
        i.module
        for i in scan.imports
        if not _known_module(i.module) and not set(candidate_distributions(i.module)) & names
    ]
    if not unknown:
        return []
    return [
        "the code imports modules that no file here and no declared package provides: "
        f"{_listed(unknown)}"
    ]


def _known_module(module: str) -> bool:
    """A module of a known third-party distribution (declared or not: a transitive one, or
    a packaging tool every environment has)."""
    top = module.split(".", 1)[0]
    if module in KNOWN or top in KNOWN or top in ALWAYS_INSTALLED:
        return True
    return any(
        dependents(c) or used_without_import(c)
        for c in candidate_distributions(module, variants=False)
    )


def _skipped(scan: ImportScan) -> list[str]:
    unreadable = [path.name for path, _, reason in scan.skipped if path.suffix == ".py"]
    if not unreadable:
        return []
    return [f"files that do not parse: {_listed(unreadable)}"]


def shipped_stages(dockerfile: Dockerfile) -> list[Stage]:
    """The final stage's chain and every stage it copies files from (transitively)."""
    feeding = feeding_stages(dockerfile)
    return [s for s in dockerfile.stages if s.index in feeding]


def _missing_copies(dockerfile: Dockerfile, context: Path) -> list[str]:
    missing = [
        source
        for stage in shipped_stages(dockerfile)
        for instruction in stage.of("COPY", "ADD")
        for source in local_sources(instruction)
        if _code_like(source) and not _present(context, source)
    ]
    if not missing:
        return []
    return [f"the image copies {_listed(missing)}, which the build context does not hold"]


def _code_like(source: str) -> bool:
    name = posixpath.basename(clean_source(source)).lower()
    suffix = posixpath.splitext(name)[1]
    if suffix:
        return suffix in _CODE_SUFFIXES
    return not named_like_weights(name) and name not in NOT_CODE_FOLDERS


def _present(context: Path, source: str) -> bool:
    pattern = clean_source(source)
    if _MAGIC.search(pattern):
        try:
            return next(context.glob(pattern), None) is not None
        except (ValueError, OSError):
            return True
    return exists(context / pattern)


def _fetched_code(dockerfile: Dockerfile) -> list[str]:
    fetched: list[str] = []
    for stage in shipped_stages(dockerfile):
        for run in stage.of("RUN"):
            for command in commands_of(run):
                clone = git_clone(command)
                if clone is not None:
                    fetched.append(clone.url)
            for install in pip_installs(run):
                fetched.extend(w for w in install.words if _remote_source(w))
    if not fetched:
        return []
    return [f"the build fetches code: {_listed(fetched)}"]


def _remote_source(word: str) -> bool:
    """A pip argument that installs code from a repository or an archive URL (not a wheel)."""
    return "git+" in word or ("://" in word and not word.split("?", 1)[0].endswith(".whl"))
