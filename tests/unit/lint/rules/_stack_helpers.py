"""Builders for the base-image, dependency and model rule tests (JT2xx, JT3xx, JT5xx).

Contexts are made by hand: a Dockerfile parsed from text, ``Requirement`` objects with the
line they sit on, imports and used distributions as the test states them, a fake sizes
provider and a minimal inspect report. No rule test depends on the requirement parser or
the import scanner. The scripts the Dockerfile runs are read from the directory, as the lint
context reads them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

from packaging.requirements import Requirement as Parsed
from packaging.utils import canonicalize_name

from jettison.dockerfile.parser import parse_dockerfile
from jettison.dockerfile.scripts import Scripts, read_scripts
from jettison.inspect.dive import DiveMetrics
from jettison.inspect.report import (
    Attribution,
    CudaFamilyBytes,
    InspectReport,
    OwnerBytes,
    PathBytes,
    RemovableCause,
    Shadowed,
)
from jettison.lint.model import CodeView, Finding, ImportedName, LintContext, Rule
from jettison.requirements.model import Requirement, RequirementSet


def requirements_file(
    directory: Path,
    text: str,
    *,
    name: str = "requirements.txt",
    group: str = "main",
    index_url: str | None = None,
    source_kind: str = "requirements",
) -> list[Requirement]:
    """Write ``text`` and read it back as one Requirement per line (comments, blank lines
    and option lines skipped), each with its line number."""
    path = directory / name
    path.write_text(text, encoding="utf-8")
    return read_requirements(path, group=group, index_url=index_url, source_kind=source_kind)


def read_requirements(
    path: Path,
    *,
    group: str = "main",
    index_url: str | None = None,
    source_kind: str = "requirements",
) -> list[Requirement]:
    """One Requirement per requirement line of an existing file."""
    text = path.read_text(encoding="utf-8")
    out = []
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        if not line or line.startswith("-"):
            continue
        parsed = Parsed(line)
        out.append(
            Requirement(
                name=canonicalize_name(parsed.name),
                specifier=str(parsed.specifier),
                file=path,
                line=number,
                raw=raw,
                extras=tuple(sorted(parsed.extras)),
                marker=str(parsed.marker) if parsed.marker else None,
                url=parsed.url,
                group=group,
                index_url=index_url,
                source_kind=source_kind,
            )
        )
    return out


def source(directory: Path, relative: str, text: str, *modules: str) -> tuple[ImportedName, ...]:
    """Write a shipped source file; the imports the scan would report for it."""
    path = directory / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return tuple(ImportedName(module, path, 1) for module in modules)


def make_ctx(
    directory: Path,
    dockerfile: str | Path | None = None,
    *,
    requirements: Iterable[Requirement] = (),
    index_urls: Iterable[str] = (),
    imports: Iterable[ImportedName] = (),
    used: Iterable[str] = (),
    image: InspectReport | None = None,
    sizes: object = None,
    options: Mapping[str, object] | None = None,
    dockerignore: Iterable[str] | None = None,
    code_view: CodeView | None = None,
) -> LintContext:
    """A context over ``directory`` (the build context). ``dockerfile`` is the text of a
    Dockerfile to write there, or the path of an existing one."""
    parsed = None
    if isinstance(dockerfile, Path):
        parsed = parse_dockerfile(dockerfile)
    elif dockerfile is not None:
        path = directory / "Dockerfile"
        path.write_text(dockerfile, encoding="utf-8")
        parsed = parse_dockerfile(path)
    reqs = tuple(requirements)
    files = tuple(dict.fromkeys(r.file for r in reqs))
    return LintContext(
        dockerfile=parsed,
        context_dir=directory,
        requirements=RequirementSet(reqs, files, tuple(index_urls)),
        imports=tuple(imports),
        used_distributions=frozenset(used),
        dockerignore=tuple(dockerignore) if dockerignore is not None else None,
        image=image,
        sizes=sizes,  # type: ignore[arg-type]
        options=dict(options or {}),
        scripts=read_scripts(parsed, directory) if parsed is not None else Scripts(),
        code_view=code_view,
    )


def run(rule: Rule, ctx: LintContext) -> list[Finding]:
    return sorted(rule.check(ctx), key=Finding.sort_key)


class FakeSizes:
    """A sizes provider with a table; ``with_deps`` adds ``installed_bytes_with_deps``."""

    def __init__(
        self, table: Mapping[str, int], with_deps: Mapping[str, int] | None = None
    ) -> None:
        self.table = dict(table)
        self.with_deps = dict(with_deps or {})
        self.calls: list[tuple[str, str]] = []

    def __call__(self, name: str, specifier: str = "") -> int | None:
        self.calls.append((name, specifier))
        return self.table.get(name)

    def installed_bytes_with_deps(self, name: str, specifier: str = "") -> int | None:
        return self.with_deps.get(name)


class PlainSizes:
    """A sizes provider without dependency following."""

    def __init__(self, table: Mapping[str, int]) -> None:
        self.table = dict(table)

    def __call__(self, name: str, specifier: str = "") -> int | None:
        return self.table.get(name)


def make_image(
    *,
    owners: Iterable[OwnerBytes] = (),
    cuda: Iterable[CudaFamilyBytes] = (),
    weights: Iterable[PathBytes] = (),
    reference: str = "build/app.tar",
) -> InspectReport:
    """A minimal inspect report: attribution and the model-weights cause, nothing else."""
    owner_rows = tuple(owners)
    weight_rows = tuple(weights)
    total = sum(o.size_bytes for o in owner_rows) + sum(w.size_bytes for w in weight_rows)
    removable = (
        (
            RemovableCause(
                "model-weights",
                "Model weights baked into the image",
                "mount them",
                sum(w.size_bytes for w in weight_rows),
                len(weight_rows),
                weight_rows,
            ),
        )
        if weight_rows
        else ()
    )
    return InspectReport(
        reference=reference,
        source_kind="docker-archive",
        platform="linux/amd64",
        tags=(),
        cmd=None,
        entrypoint=None,
        user=None,
        layers=(),
        size_bytes=total,
        pull_bytes=None,
        final_bytes=total,
        dive=DiveMetrics(1.0, 0, total, 0, (), ()),
        shadowed=Shadowed(0, 0, ()),
        removable=removable,
        attribution=Attribution(owner_rows, tuple(cuda), total),
    )
