"""JT309: production packages the shipped code never imports.

Why it matters: a requirements file grows by copy and paste; matplotlib, seaborn or pandas
left over from a notebook ship in every image (with their own dependencies) although no
module of the service imports them.

"Used" means: imported by the shipped code (mapped to distributions by the import scan, so
``cv2`` counts for opencv-python and ``sklearn`` for scikit-learn), named in an import path
as an integration (``langchain.chat_models.openai`` uses openai), named as a program in
CMD/ENTRYPOINT or run by a ``RUN`` line of the image (poetry, gdown), the classic-ML
libraries a pickled model needs when the code unpickles one (``pickle.load``,
``joblib.load``), or on the list of packages that work without being imported (servers and
their workers, database drivers picked by URL, framework plug-ins, lazily loaded model and
I/O backends). Extend the list with ``options = { JT309 = { allow = ["name"] } }``.
Development tools (JT301) and torchvision/torchaudio (JT303) are left to their own rules.

Severity: ``warning`` for a heavy package (tens of MB or more with what it pulls in: torch,
streamlit, matplotlib, scikit-learn... or measured so), ``info`` for a small one, and
``info`` without a saving for a package that other kept packages depend on (numpy under
transformers, blinker under flask), since removing its line would not uninstall it.

Needs the import scan: when it found no source (``ctx.imports`` empty), the rule stays
silent rather than call everything unused. When the build context holds only part of the
shipped code (see :mod:`jettison.lint.codeview`: local modules imported but absent, sources
the image copies that are not there, code fetched during the build, an image that runs
mounted code), "never imported" only means "not imported by the code that is here": the
packages are then listed at info level, one finding per requirement file or ``RUN`` line,
with the reason, and without a saving.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from jettison.dockerfile.shell import split_commands
from jettison.facts.packages import (
    HEAVY,
    TORCH_ADDONS,
    UNPICKLED,
    dependents,
    dev_tool_kind,
    used_without_import,
)
from jettison.imports.mapping import used_distributions
from jettison.lint.model import Finding, LintContext, Rule, Severity
from jettison.lint.packages import (
    Declared,
    by_location,
    finding_at,
    names,
    partial_code,
    production_instructions,
    production_packages,
    source_texts,
    used_names,
)
from jettison.lint.savings import saving_once

HEAVY_BYTES = 10_000_000
"""A package measured at this installed size or more counts as heavy."""
_IMPORT_PATH = re.compile(r"^\s*(?:from|import)\s+([A-Za-z_][\w.]*)", re.MULTILINE)
_UNPICKLE = re.compile(
    r"\b(?:pickle|cPickle|_pickle|joblib|dill|cloudpickle)\.loads?\s*\(|"
    r"^\s*from\s+(?:pickle|joblib|dill|cloudpickle)\s+import\s+[^\n]*\bloads?\b|"
    r"\bskops\.io\.load\s*\(|\bmlflow\.\w+\.load_model\s*\(",
    re.MULTILINE,
)


def _allowed(ctx: LintContext) -> frozenset[str]:
    value = ctx.option("JT309", "allow")
    if isinstance(value, list | tuple):
        return frozenset(str(v).lower().replace("_", "-") for v in value)
    return frozenset()


def _argvs(ctx: LintContext, *keywords: str) -> Iterator[list[str]]:
    for instruction in production_instructions(ctx, *keywords):
        if instruction.json and instruction.keyword != "RUN":
            yield list(instruction.args)
        else:
            yield from (list(c.argv) for c in split_commands(instruction.shell_text))


def _programs(ctx: LintContext) -> set[str]:
    """Programs and ``-m`` modules the image's CMD/ENTRYPOINT and RUN lines run."""
    out: set[str] = set()
    for words in _argvs(ctx, "CMD", "ENTRYPOINT", "RUN"):
        if words:
            out.add(words[0].rsplit("/", 1)[-1].lower())
        if "-m" in words[:-1]:
            out.add(words[words.index("-m") + 1].split(".")[0].lower())
    return {p.replace("_", "-") for p in out}


def _code_uses(ctx: LintContext, packages: list[Declared]) -> frozenset[str]:
    """Packages the code uses without importing them by name: integrations named deeper in
    an import path, and the libraries of unpickled models."""
    texts = [text for _, text in source_texts(ctx)]
    components = {
        part
        for text in texts
        for path in _IMPORT_PATH.findall(text)
        for part in path.split(".")[1:]
    }
    declared = [d.name for d in packages]
    used = set(used_distributions(components, declared))
    if any(_UNPICKLE.search(text) for text in texts):
        used.update(name for name in declared if name in UNPICKLED)
    return frozenset(used)


def _candidates(ctx: LintContext, packages: list[Declared], used: frozenset[str]) -> list[Declared]:
    allowed = _allowed(ctx)
    programs = _programs(ctx)
    return [
        d
        for d in packages
        if d.name not in used
        and d.name not in allowed
        and d.name not in programs
        and not used_without_import(d.name)
        and dev_tool_kind(d.name) is None
        and d.name not in TORCH_ADDONS
    ]


def _heavy(ctx: LintContext, declared: Declared) -> bool:
    if declared.name in HEAVY:
        return True
    if ctx.sizes is None:
        return False
    size = ctx.sizes(declared.name, declared.specifier)
    return isinstance(size, int) and size >= HEAVY_BYTES


def check(ctx: LintContext) -> Iterator[Finding]:
    if not ctx.imports:
        return
    packages = production_packages(ctx)
    used = used_names(ctx, packages) | _code_uses(ctx, packages)
    unused = _candidates(ctx, packages, used)
    partial = partial_code(ctx)
    if partial is not None:
        yield from _partial_findings(ctx, unused, partial)
        return
    gone = {d.name for d in unused} | {
        d.name
        for d in packages
        if dev_tool_kind(d.name) or (d.name in TORCH_ADDONS and d.name not in used)
    }
    kept = ({d.name for d in packages} - gone) | set(used)
    claimed: set[str] = set()
    for declared in unused:
        users = sorted(dependents(declared.name) & kept)
        if users:
            yield finding_at(
                RULE,
                ctx,
                declared,
                f"{declared.name} is declared but the shipped code never imports it; "
                f"{', '.join(users)} still {'pulls' if len(users) == 1 else 'pull'} it in, "
                "so the line only hides a dependency",
                fix=f"Remove {declared.name} from the production requirements.",
                severity=Severity.INFO,
            )
            continue
        heavy = _heavy(ctx, declared)
        yield finding_at(
            RULE,
            ctx,
            declared,
            f"{declared.name} is declared but the shipped code never imports it"
            + ("" if heavy else " (a small package)"),
            fix=(
                f"Remove {declared.name} from the production requirements (if it is used "
                "without an import, say so: "
                f'options = {{ JT309 = {{ allow = ["{declared.name}"] }} }}).'
            ),
            saving=saving_once(ctx, claimed, declared.name),
            severity=None if heavy else Severity.INFO,
        )


def _partial_findings(ctx: LintContext, unused: list[Declared], partial: str) -> Iterator[Finding]:
    files = len({i.file for i in ctx.imports})
    for group in by_location(unused):
        count = len({d.name for d in group})
        verb = "is" if count == 1 else "are"
        yield finding_at(
            RULE,
            ctx,
            group[0],
            f"{names(group)} {verb} not imported by the {files} Python "
            f"{'file' if files == 1 else 'files'} scanned, but {partial}: "
            f"{'it' if count == 1 else 'they'} may be used by the code that is not here",
            fix=(
                "Check whether the service uses them, and remove from the production "
                "requirements those it does not (lint the full source tree with --src to "
                "confirm)."
            ),
            severity=Severity.INFO,
        )


RULE = Rule(
    code="JT309",
    name="unused-requirement",
    severity=Severity.WARNING,
    summary="Production packages that the shipped code never imports (matplotlib, seaborn...).",
    check=check,
    example="# requirements.txt\nflask==3.0.3\nmatplotlib==3.9.2\nseaborn==0.13.2\n"
    "# app.py imports only flask",
    fix_example="# requirements.txt\nflask==3.0.3",
)
